"""Identity request and response bodies."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from motcua_shared.chassis.pages import Page
from motcua_shared.contracts.common import VN_MOBILE_INPUT_PATTERN

if TYPE_CHECKING:
    from gateway.identity.service import AccountView, ClientView, NewClient

GRANT_TYPES = (
    "otp",
    "refresh_token",
    "client_credentials",
    "urn:ietf:params:oauth:grant-type:token-exchange",
)
"""The token endpoint's grants, as the discovery document lists them."""


class _In(BaseModel):
    # Taken as sent: a value is checked against exactly what the OpenAPI document says (no stripping first).
    model_config = ConfigDict(extra="forbid")


class OtpIn(_In):
    """Ask for a sign-in code by SMS."""

    phone: str = Field(
        max_length=32,
        # Stated for clients; the sign-in reads it with contracts' vn_mobile, which says why it refuses one.
        json_schema_extra={"pattern": VN_MOBILE_INPUT_PATTERN},
        description="A Vietnamese mobile number, `0912345678` or `+84912345678` (a landline gets no SMS).",
        examples=["0905123456"],
    )


class OtpOut(BaseModel):
    """The challenge to answer with the code that arrives by SMS."""

    challenge_id: str
    expires_at: datetime = Field(description="When the code stops working (5 minutes).")


class OtpGrant(_In):
    """Exchange the SMS code for tokens."""

    grant_type: Literal["otp"]
    challenge_id: str = Field(min_length=1, max_length=36)
    code: str = Field(pattern=r"^[0-9]{6}$", description="The 6 digits received by SMS.")


class RefreshGrant(_In):
    """Rotate a refresh token."""

    grant_type: Literal["refresh_token"]
    refresh_token: str = Field(min_length=1, max_length=256)


class ClientCredentialsGrant(_In):
    """An integrator's client credentials."""

    grant_type: Literal["client_credentials"]
    client_id: str = Field(min_length=1, max_length=64)
    client_secret: str = Field(min_length=1, max_length=256)
    scope: str | None = Field(default=None, max_length=512, description="Space-separated scopes.")


class TokenExchangeGrant(_In):
    """An ID token of a trusted external issuer (e.g. VNeID), RFC 8693 token exchange."""

    grant_type: Literal["urn:ietf:params:oauth:grant-type:token-exchange"]
    subject_token: str = Field(min_length=1, max_length=8192)
    subject_token_type: Literal["urn:ietf:params:oauth:token-type:id_token"]


TokenIn = Annotated[
    OtpGrant | RefreshGrant | ClientCredentialsGrant | TokenExchangeGrant, Field(discriminator="grant_type")
]


class LoginIn(_In):
    """An officer's or admin's username and password."""

    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class LogoutIn(_In):
    """The refresh token whose session ends."""

    refresh_token: str = Field(min_length=1, max_length=256)


class TokenOut(BaseModel):
    """Bearer tokens (RFC 6749 §5.1)."""

    access_token: str
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105 - a token type, not a secret
    expires_in: int = Field(description="Seconds the access token lives.")
    refresh_token: str | None = Field(default=None, description="Single use; each refresh returns a new one.")
    scope: str | None = None


class MeOut(BaseModel):
    """Who the caller is."""

    subject: str
    role: str
    agency_code: str | None = None
    display_name: str | None = None
    phone: str | None = Field(default=None, description="A citizen's own phone number.")
    username: str | None = None
    scope: str | None = None


class StaffIn(_In):
    """A new officer (with an agency) or admin."""

    username: str = Field(min_length=3, max_length=64, pattern=r"^[a-z0-9._-]+$")
    password: str = Field(min_length=12, max_length=256)
    role: Literal["officer", "admin"]
    display_name: str = Field(min_length=1, max_length=255)
    agency_code: str | None = Field(default=None, min_length=1, max_length=64)


class StaffOut(BaseModel):
    """A staff account (never its password hash)."""

    id: str
    username: str
    role: str
    display_name: str | None
    agency_code: str | None
    active: bool = Field(description="False while an admin has it locked: it cannot sign in.")
    created_at: datetime
    last_sign_in_at: datetime | None

    @classmethod
    def of(cls, account: AccountView) -> StaffOut:
        """From the use case's view of a staff account (which always has a username)."""
        return cls.model_validate(account, from_attributes=True)


class StaffPage(Page[StaffOut]):
    """Staff accounts by username."""


class PasswordResetOut(BaseModel):
    """The account and its new password, shown only in this answer: hand it over in person."""

    staff: StaffOut
    temporary_password: str


Scope = Annotated[str, Field(pattern=r"^[a-z][a-z0-9:._-]{0,63}$")]

SCOPES: dict[str, str] = {
    "events:read": "Đọc danh mục sự kiện và nhận sự kiện của nền tảng",
    "webhooks:write": "Đăng ký, sửa, tắt webhook và xem nhật ký gửi",
}
"""Every scope an operation of the platform asks an integrator for (a test holds the merged document
to it)."""


class ClientIn(_In):
    """A new integrator client."""

    name: str = Field(min_length=1, max_length=255)
    scopes: list[Scope] = Field(min_length=1, max_length=32)


class ClientOut(BaseModel):
    """The new client; ``client_secret`` is shown only in this answer."""

    client_id: str
    client_secret: str
    name: str
    scopes: list[str]

    @classmethod
    def of(cls, client: NewClient) -> ClientOut:
        """From a client just created or given a new secret."""
        return cls.model_validate(client, from_attributes=True)


class ClientPatch(_In):
    """What an admin changes on a client; a field left out stays as it is."""

    name: str | None = Field(default=None, min_length=1, max_length=255)
    scopes: list[Scope] | None = Field(default=None, min_length=1, max_length=32)
    active: bool | None = Field(default=None, description="False: its credentials get no more tokens.")


class ClientInfo(BaseModel):
    """An integrator client (never its secret)."""

    client_id: str
    name: str
    scopes: list[str]
    active: bool
    created_at: datetime

    @classmethod
    def of(cls, client: ClientView) -> ClientInfo:
        """From the use case's view of a client."""
        return cls.model_validate(client, from_attributes=True)


class ScopeOut(BaseModel):
    """A scope the platform's operations ask integrators for."""

    scope: str
    description: str


class ClientPage(Page[ClientInfo]):
    """Integrator clients by id, and the scopes they can be given."""

    scopes_available: list[ScopeOut]
