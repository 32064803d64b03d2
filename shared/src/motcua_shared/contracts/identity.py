"""Events of sign-in (the gateway's identity), on topic ``motcua.identity.v1``, keyed by OTP challenge id."""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from pydantic import AwareDatetime, Field

from motcua_shared.contracts import topics
from motcua_shared.contracts.base import Event
from motcua_shared.contracts.common import PERSONAL, SECRET, VN_PHONE_PATTERN
from motcua_shared.contracts.registry import register


class OtpPurpose(StrEnum):
    """What a one-time code is for."""

    SIGN_IN = "sign_in"


@register
class OtpRequested(Event):
    """A citizen asked for a one-time sign-in code; notify sends it by SMS.

    The code travels in clear because notify must send it: treat the topic as secret (only the gateway
    and notify read it) and never log the code. The gateway itself keeps only the code's hash.
    """

    TYPE: ClassVar[str] = "vn.motcua.identity.otp.requested.v1"
    TOPIC: ClassVar[str] = topics.IDENTITY
    SUBJECT_FIELD: ClassVar[str] = "challenge_id"
    SUMMARY: ClassVar[str] = "A one-time code was issued; send it by SMS."

    challenge_id: str = Field(min_length=1, description="The OTP challenge's id; the CloudEvents subject.")
    phone: str = Field(
        pattern=VN_PHONE_PATTERN,
        description="Where to send it, in E.164 form, e.g. `+84912345678`. Personal data.",
        json_schema_extra=PERSONAL,
    )
    code: str = Field(
        pattern=r"^[0-9]{6}$",
        description="The 6-digit code to send. Secret: never log it, not even masked.",
        json_schema_extra=SECRET,
    )
    purpose: OtpPurpose = Field(description="What the code is for.")
    expires_at: AwareDatetime = Field(description="When the code stops working (5 minutes after issue).")
    requested_at: AwareDatetime = Field(description="When it was requested.")
