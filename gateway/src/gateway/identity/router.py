"""Identity routes: OTP, token, login, logout, the caller's profile, staff and clients, JWKS."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response, status

from gateway.deps import ClientIpDep, LimiterDep, PortsDep, SettingsDep, UowDep
from gateway.identity import service
from gateway.identity.errors import (
    InvalidGrant,
    OtpExpired,
    OtpLocked,
    RefreshExpired,
    RefreshReused,
    ScopeNotAllowed,
    WrongOtp,
)
from gateway.identity.schemas import (
    GRANT_TYPES,
    SCOPES,
    ClientCredentialsGrant,
    ClientIn,
    ClientInfo,
    ClientOut,
    ClientPage,
    ClientPatch,
    LoginIn,
    LogoutIn,
    MeOut,
    OtpGrant,
    OtpIn,
    OtpOut,
    PasswordResetOut,
    RefreshGrant,
    ScopeOut,
    StaffIn,
    StaffOut,
    StaffPage,
    TokenExchangeGrant,
    TokenIn,
    TokenOut,
)
from motcua_shared.chassis.auth import Principal, PrincipalDep, Role, require_roles
from motcua_shared.chassis.errors import (
    Conflict,
    Forbidden,
    NotFound,
    RateLimited,
    Unauthenticated,
    Unavailable,
    Unprocessable,
)
from motcua_shared.chassis.pages import CursorQuery, InvalidCursor
from motcua_shared.chassis.problems import problems

router = APIRouter(tags=["auth"])
AdminDep = Annotated[Principal, Depends(require_roles(Role.ADMIN))]


async def _no_store(response: Response) -> None:
    # Tokens and secrets must not linger in caches (RFC 6749 §5.1).
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"


NO_STORE = Depends(_no_store)
"""On the routes whose answer carries a token, a secret or a password."""


def _tokens(tokens: service.Tokens) -> TokenOut:
    return TokenOut(
        access_token=tokens.access_token,
        expires_in=tokens.expires_in,
        refresh_token=tokens.refresh_token,
        scope=tokens.scope,
    )


@router.post(
    "/api/v1/auth/otp",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=OtpOut,
    summary="Send a sign-in code by SMS",
    responses=problems(Unprocessable, RateLimited),
)
async def request_otp(
    body: OtpIn, uow: UowDep, ports: PortsDep, limiter: LimiterDep, settings: SettingsDep, ip: ClientIpDep
) -> OtpOut:
    """A 6-digit code, valid 5 minutes, is sent to the phone; answer it at ``POST /api/v1/auth/token``."""
    await limiter.check("otp-ip", settings.limits.otp_per_ip, ip)
    phone = service.normalise_phone(body.phone)
    await limiter.check("otp-phone", settings.limits.otp_per_phone, phone)
    challenge = await service.request_otp(uow, ports, phone)
    return OtpOut(challenge_id=challenge.challenge_id, expires_at=challenge.expires_at)


@router.post(
    "/api/v1/auth/token",
    dependencies=[NO_STORE],
    response_model=TokenOut,
    response_model_exclude_none=True,
    summary="Tokens for an OTP, a refresh token, client credentials or an external ID token",
    responses=problems(
        InvalidGrant,
        WrongOtp,
        OtpExpired,
        OtpLocked,
        RefreshReused,
        RefreshExpired,
        ScopeNotAllowed,
        Unprocessable,
        RateLimited,
        Unavailable,
    ),
)
async def token(
    body: TokenIn,
    uow: UowDep,
    ports: PortsDep,
    limiter: LimiterDep,
    settings: SettingsDep,
    ip: ClientIpDep,
) -> TokenOut:
    """One endpoint, four grants (``grant_type``): ``otp``, ``refresh_token``, ``client_credentials`` and
    RFC 8693 token exchange of an ID token from a trusted issuer such as VNeID."""
    await limiter.check("sign-in-ip", settings.limits.sign_in_per_ip, ip)
    match body:
        case OtpGrant():
            await limiter.check(
                "sign-in-subject", settings.limits.sign_in_per_subject, f"otp:{body.challenge_id}"
            )
            return _tokens(await service.sign_in_with_otp(uow, ports, body.challenge_id, body.code))
        case RefreshGrant():
            return _tokens(await service.refresh(uow, ports, body.refresh_token))
        case ClientCredentialsGrant():
            await limiter.check(
                "sign-in-subject", settings.limits.sign_in_per_subject, f"client:{body.client_id}"
            )
            return _tokens(
                await service.client_credentials(uow, ports, body.client_id, body.client_secret, body.scope)
            )
        case TokenExchangeGrant():
            return _tokens(await service.sign_in_external(uow, ports, body.subject_token))


@router.post(
    "/api/v1/auth/login",
    dependencies=[NO_STORE],
    response_model=TokenOut,
    response_model_exclude_none=True,
    summary="Officer and admin sign-in by username and password",
    responses=problems(InvalidGrant, Unprocessable, RateLimited, Unavailable),
)
async def login(
    body: LoginIn,
    uow: UowDep,
    ports: PortsDep,
    limiter: LimiterDep,
    settings: SettingsDep,
    ip: ClientIpDep,
) -> TokenOut:
    """After five wrong passwords in a row from one address on one name, that address waits (1 s, doubling,
    at most 15 minutes: 429 with ``Retry-After``); the account itself is never locked, and the answers are
    the same whether it exists or not."""
    await limiter.check("sign-in-ip", settings.limits.sign_in_per_ip, ip)
    # Per name *and* address: a stranger draining a name's bucket must not keep its owner out.
    await limiter.check(
        "sign-in-subject", settings.limits.sign_in_per_subject, f"user:{body.username.lower()}|{ip}"
    )
    return _tokens(await service.login(uow, ports, body.username, body.password, source=ip))


@router.post(
    "/api/v1/auth/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="End the session a refresh token belongs to",
    responses=problems(Unprocessable, RateLimited),
)
async def logout(
    body: LogoutIn, uow: UowDep, ports: PortsDep, limiter: LimiterDep, settings: SettingsDep, ip: ClientIpDep
) -> Response:
    """Every refresh token of the session stops working; access tokens expire on their own."""
    await limiter.check("sign-in-ip", settings.limits.sign_in_per_ip, ip)
    await service.logout(uow, ports, body.refresh_token)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/api/v1/auth/me",
    response_model=MeOut,
    response_model_exclude_none=True,
    summary="Who the token belongs to",
    responses=problems(Unauthenticated, NotFound),
)
async def me(request: Request, who: PrincipalDep, uow: UowDep) -> MeOut:
    """The caller's own account; an integrator sees its client id and scopes."""
    account = await service.profile(uow, who)
    if account is None:
        return MeOut(subject=who.subject, role=who.role.value, scope=None)
    return MeOut(
        subject=who.subject,
        role=who.role.value,
        agency_code=account.agency_code,
        display_name=account.display_name,
        phone=account.phone,
        username=account.username,
    )


@router.post(
    "/api/v1/auth/staff",
    status_code=status.HTTP_201_CREATED,
    response_model=StaffOut,
    summary="Create an officer or admin account (admin)",
    responses=problems(Unauthenticated, Forbidden, Conflict, Unprocessable, Unavailable),
)
async def create_staff(body: StaffIn, _admin: AdminDep, uow: UowDep, ports: PortsDep) -> StaffOut:
    """An officer must be bound to an agency in operation (asked of the catalogue); an admin must not be."""
    account = await service.create_staff(
        uow,
        ports,
        username=body.username,
        password=body.password,
        role=Role(body.role),
        display_name=body.display_name,
        agency_code=body.agency_code,
    )
    return StaffOut.of(account)


ADMIN_ONLY = (Unauthenticated, Forbidden)


@router.get(
    "/api/v1/auth/staff",
    response_model=StaffPage,
    summary="Staff accounts (admin)",
    responses=problems(*ADMIN_ONLY, InvalidCursor),
    operation_id="auth.list_staff",
)
async def list_staff(
    _admin: AdminDep,
    uow: UowDep,
    agency_code: Annotated[
        str | None, Query(min_length=1, max_length=64, description="One agency's.")
    ] = None,
    role: Annotated[Literal["officer", "admin"] | None, Query(description="Officers or admins only.")] = None,
    q: Annotated[
        str | None, Query(min_length=1, max_length=100, description="Part of a username or name.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: CursorQuery = None,
) -> StaffPage:
    """Officers and admins by username, with whether each is locked and when it last signed in."""
    page = await service.list_staff(
        uow, agency_code=agency_code, role=Role(role) if role else None, q=q, limit=limit, cursor=cursor
    )
    return StaffPage(
        items=[StaffOut.of(a) for a in page.items], total=page.total, next_cursor=page.next_cursor
    )


@router.post(
    "/api/v1/auth/staff/{account_id}/lock",
    response_model=StaffOut,
    summary="Lock a staff account (admin)",
    responses=problems(*ADMIN_ONLY, NotFound, Conflict),
    operation_id="auth.lock_staff",
)
async def lock_staff(account_id: str, admin: AdminDep, uow: UowDep, ports: PortsDep) -> StaffOut:
    """It can no longer sign in and its sessions end; an admin cannot lock their own account (409)."""
    return StaffOut.of(await service.lock_staff(uow, ports, admin, account_id))


@router.post(
    "/api/v1/auth/staff/{account_id}/unlock",
    response_model=StaffOut,
    summary="Unlock a staff account (admin)",
    responses=problems(*ADMIN_ONLY, NotFound),
    operation_id="auth.unlock_staff",
)
async def unlock_staff(account_id: str, _admin: AdminDep, uow: UowDep) -> StaffOut:
    """It can sign in again with its password."""
    return StaffOut.of(await service.unlock_staff(uow, account_id))


@router.post(
    "/api/v1/auth/staff/{account_id}/password",
    dependencies=[NO_STORE],
    response_model=PasswordResetOut,
    summary="Reset a staff account's password (admin)",
    responses=problems(*ADMIN_ONLY, NotFound, Unavailable),
    operation_id="auth.reset_staff_password",
)
async def reset_staff_password(
    account_id: str, _admin: AdminDep, uow: UowDep, ports: PortsDep
) -> PasswordResetOut:
    """A new random password, in this answer only; the old one stops working and its sessions end."""
    reset = await service.reset_password(uow, ports, account_id)
    return PasswordResetOut(staff=StaffOut.of(reset.account), temporary_password=reset.password)


@router.post(
    "/api/v1/auth/clients",
    dependencies=[NO_STORE],
    status_code=status.HTTP_201_CREATED,
    response_model=ClientOut,
    summary="Register an integrator client (admin)",
    responses=problems(Unauthenticated, Forbidden, Unprocessable, Unavailable),
)
async def create_client(body: ClientIn, _admin: AdminDep, uow: UowDep, ports: PortsDep) -> ClientOut:
    """The secret is in this answer only; the gateway keeps its argon2id hash."""
    return ClientOut.of(await service.create_client(uow, ports, name=body.name, scopes=body.scopes))


@router.get(
    "/api/v1/auth/clients",
    response_model=ClientPage,
    summary="Integrator clients (admin)",
    responses=problems(*ADMIN_ONLY, InvalidCursor),
    operation_id="auth.list_clients",
)
async def list_clients(
    _admin: AdminDep,
    uow: UowDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: CursorQuery = None,
) -> ClientPage:
    """Every client with its scopes and whether it is on, and the scopes the platform's operations use."""
    page = await service.list_clients(uow, limit=limit, cursor=cursor)
    return ClientPage(
        items=[ClientInfo.of(c) for c in page.items],
        total=page.total,
        next_cursor=page.next_cursor,
        scopes_available=[ScopeOut(scope=k, description=v) for k, v in SCOPES.items()],
    )


@router.patch(
    "/api/v1/auth/clients/{client_id}",
    response_model=ClientInfo,
    summary="Change a client's name, scopes or state (admin)",
    responses=problems(*ADMIN_ONLY, NotFound, Unprocessable),
    operation_id="auth.update_client",
)
async def update_client(client_id: str, body: ClientPatch, _admin: AdminDep, uow: UowDep) -> ClientInfo:
    """Tokens already issued keep their scopes until they expire (15 minutes); new ones get the new scopes,
    and a switched-off client gets none."""
    client = await service.update_client(
        uow, client_id, name=body.name, scopes=body.scopes, active=body.active
    )
    return ClientInfo.of(client)


@router.post(
    "/api/v1/auth/clients/{client_id}/secret",
    dependencies=[NO_STORE],
    response_model=ClientOut,
    summary="Give a client a new secret (admin)",
    responses=problems(*ADMIN_ONLY, NotFound, Unavailable),
    operation_id="auth.rotate_client_secret",
)
async def rotate_client_secret(client_id: str, _admin: AdminDep, uow: UowDep, ports: PortsDep) -> ClientOut:
    """The new secret is in this answer only; the old one stops working at once."""
    return ClientOut.of(await service.rotate_client_secret(uow, ports, client_id))


@router.post(
    "/api/v1/auth/keys/rotate",
    summary="Start signing with a new key (admin)",
    responses=problems(Unauthenticated, Forbidden),
)
async def rotate_keys(request: Request, _admin: AdminDep) -> dict[str, str]:
    """The old key stays in the JWKS until the tokens it signed have expired."""
    new = request.app.state.keyring.rotate()
    return {"kid": new.kid}


@router.get("/.well-known/jwks.json", summary="Public keys that verify the platform's tokens")
async def jwks(request: Request, response: Response) -> dict[str, Any]:
    """The key ring's public keys (cacheable for five minutes)."""
    response.headers["Cache-Control"] = "public, max-age=300"
    document: dict[str, Any] = request.app.state.keyring.jwks()
    return document


@router.get("/.well-known/openid-configuration", summary="Where the tokens and keys are")
async def discovery(settings: SettingsDep) -> dict[str, Any]:
    """A minimal discovery document for clients and services that configure themselves from it."""
    base = settings.public_url
    return {
        "issuer": settings.identity.issuer,
        "jwks_uri": f"{base}/.well-known/jwks.json",
        "token_endpoint": f"{base}/api/v1/auth/token",
        "grant_types_supported": list(GRANT_TYPES),
        "id_token_signing_alg_values_supported": ["EdDSA"],
        "token_endpoint_auth_methods_supported": ["client_secret_post"],
    }
