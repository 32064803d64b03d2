"""Identity request and response bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from motcua_shared.contracts.common import VN_MOBILE_INPUT_PATTERN

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


class ClientIn(_In):
    """A new integrator client."""

    name: str = Field(min_length=1, max_length=255)
    scopes: list[Annotated[str, Field(pattern=r"^[a-z][a-z0-9:._-]{0,63}$")]] = Field(
        min_length=1, max_length=32
    )


class ClientOut(BaseModel):
    """The new client; ``client_secret`` is shown only in this answer."""

    client_id: str
    client_secret: str
    name: str
    scopes: list[str]
