"""Value types shared by several event types: channels, fees, contacts, actors.

Everything here is part of the event contracts: a change is judged by the same rules as the events
(additive only, otherwise a new ``.v2`` event type).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, Field

PERSONAL: Final[dict[str, Any]] = {"x-personal-data": True}
"""``json_schema_extra`` of a field that holds personal data: mask it in logs, never put it in an error."""

SECRET: Final[dict[str, Any]] = {"x-personal-data": True, "x-secret": True}
"""``json_schema_extra`` of a field that holds a secret: never log it, not even masked."""

VN_PHONE_PATTERN: Final = r"^\+84[0-9]{9,10}$"
"""A Vietnamese phone number in E.164 form (``+84`` and the number without its leading 0)."""

_MOBILE_LEADS: Final = frozenset("35789")
"""First digit of a Vietnamese mobile number after its 0 (03x, 05x, 07x, 08x, 09x; ten digits in all).
Landlines are 02x with eleven digits and receive no SMS."""


class NotAMobileNumber(ValueError):
    """Not a Vietnamese mobile number; ``landline`` when it is a fixed line (which no SMS reaches)."""

    def __init__(self, *, landline: bool) -> None:
        super().__init__(
            "a landline cannot receive SMS: give a mobile number (e.g. 0912345678)"
            if landline
            else "not a Vietnamese mobile number (e.g. 0912345678 or +84912345678)"
        )
        self.landline = landline


def vn_mobile(raw: str) -> str:
    """A Vietnamese mobile number as people and URLs give it, in E.164: ``0905 123 456``, ``0905.123.456``,
    ``84905123456``, ``+84905123456`` and `` 84905123456`` (an unencoded ``+`` in a query string is a
    space) all become ``+84905123456``. :class:`NotAMobileNumber` otherwise, landlines included.

    The one normalisation of the platform: sign-in, filings and the SMS sandbox all use it."""
    compact = "".join(ch for ch in raw if ch not in " .-()\t")
    if compact.startswith("+84"):
        national = compact[3:]
    elif compact.startswith("84") and len(compact) in (11, 12):
        national = compact[2:]
    elif compact.startswith("0"):
        national = compact[1:]
    else:
        raise NotAMobileNumber(landline=False)
    if not national.isdigit():
        raise NotAMobileNumber(landline=False)
    if len(national) == 10 and national.startswith("2"):
        raise NotAMobileNumber(landline=True)
    if len(national) != 9 or national[0] not in _MOBILE_LEADS:
        raise NotAMobileNumber(landline=False)
    return f"+84{national}"


_SEPARATORS: Final = r"[ \t.()\-]*"
VN_MOBILE_INPUT_PATTERN: Final = (
    rf"^{_SEPARATORS}(?:\+{_SEPARATORS}8{_SEPARATORS}4|8{_SEPARATORS}4|0){_SEPARATORS}[35789]"
    rf"(?:{_SEPARATORS}[0-9]){{8}}{_SEPARATORS}$"
)
"""What :func:`vn_mobile` accepts, as the pattern the API documents state (separators between the digits)."""


class Part(BaseModel):
    """Base of the value objects nested in events: immutable, tolerant of fields it does not know."""

    model_config = ConfigDict(frozen=True, extra="ignore")


class Channel(StrEnum):
    """How a dossier is filed (hình thức nộp)."""

    ONLINE = "online"
    COUNTER = "counter"
    POSTAL = "postal"


class FeeKind(StrEnum):
    """Phí (a fee for a service rendered) or lệ phí (a charge for a state act), as the law names them."""

    PHI = "phí"
    LE_PHI = "lệ_phí"


class FeeTiming(StrEnum):
    """When the procedure's fees become payable, and which step waits for them.

    - ``submission``: when the dossier is filed; it is not received until they are paid.
    - ``supplement``: during processing, when the agency asks the applicant to fulfil the financial
      obligation (yêu cầu thực hiện nghĩa vụ tài chính, national status 6) as part of a supplement request,
      as land procedures do before the agency continues. The fees become payable with that request;
      processing continues only once they are paid, and no result is approved while they are owed.
    - ``result``: when the result is ready; it is not handed over until they are paid.
    """

    SUBMISSION = "submission"
    SUPPLEMENT = "supplement"
    RESULT = "result"


class ActorRole(StrEnum):
    """Who performed an action."""

    CITIZEN = "citizen"
    OFFICER = "officer"
    ADMIN = "admin"
    INTEGRATOR = "integrator"
    SYSTEM = "system"


class Actor(Part):
    """Who did what an event records."""

    id: str = Field(
        min_length=1,
        description="The actor's account subject (the JWT `sub`); `system` for scheduled jobs.",
    )
    role: ActorRole = Field(description="The role the actor acted in.")
    agency_code: str | None = Field(
        default=None, description="For an officer: the agency they act for (mã cơ quan)."
    )


class Contact(Part):
    """How to reach a person. Every field is personal data."""

    name: str = Field(
        min_length=1,
        description="Full name with diacritics, e.g. `Nguyễn Thị Hương`. Personal data.",
        json_schema_extra=PERSONAL,
    )
    phone: str = Field(
        pattern=VN_PHONE_PATTERN,
        description="Mobile number in E.164 form, e.g. `+84912345678`, for SMS. Personal data.",
        json_schema_extra=PERSONAL,
    )
    email: str | None = Field(
        default=None,
        description="E-mail address, when the person gave one. Personal data.",
        json_schema_extra=PERSONAL,
    )


class FeeItem(Part):
    """One fee item owed on a dossier (the procedure's item, resolved for this applicant)."""

    name: str = Field(min_length=1, description="The item's name, e.g. `Lệ phí đăng ký kết hôn`.")
    kind: FeeKind = Field(description="Phí or lệ phí.")
    amount: int = Field(ge=0, description="Amount in VND (integer, no decimals), before any exemption.")
    exempt: bool = Field(
        default=False, description="True when this applicant is exempt from the item and pays nothing for it."
    )

    def payable(self) -> int:
        """What the applicant pays for this item, in VND."""
        return 0 if self.exempt else self.amount
