"""Identity use cases: one transaction each; the OTP request writes its event to the outbox in it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic import TypeAdapter

from gateway.identity.credentials import sha256_hex
from gateway.identity.errors import (
    InvalidGrant,
    OtpLocked,
    RefreshExpired,
    RefreshReused,
    ScopeNotAllowed,
    WrongOtp,
)
from gateway.identity.models import (
    Account,
    ExternalIdentity,
    IntegratorClient,
    OtpChallenge,
    RefreshFamily,
    RefreshToken,
)
from gateway.ports import Ports
from gateway.settings import DemoAccount, DemoClient
from gateway.uow import GatewayUnitOfWork
from motcua_shared.chassis.auth import Principal, Role
from motcua_shared.chassis.errors import Conflict, NotFound, RateLimited, Unprocessable
from motcua_shared.chassis.limits import retry_after
from motcua_shared.chassis.pages import Cursor, Page
from motcua_shared.contracts.common import NotAMobileNumber, vn_mobile
from motcua_shared.contracts.identity import OtpPurpose, OtpRequested


@dataclass(frozen=True)
class Challenge:
    """An OTP challenge as its requester sees it (never the code)."""

    challenge_id: str
    expires_at: datetime


@dataclass(frozen=True)
class Tokens:
    """What a successful sign-in returns."""

    access_token: str
    expires_in: int
    refresh_token: str | None = None
    scope: str | None = None


@dataclass(frozen=True)
class AccountView:
    """An account as the API shows it (read inside the transaction, safe after it)."""

    id: str
    role: str
    username: str | None
    phone: str | None
    display_name: str | None
    agency_code: str | None
    active: bool
    created_at: datetime
    last_sign_in_at: datetime | None

    @classmethod
    def of(cls, account: Account) -> AccountView:
        """Snapshot ``account``."""
        return cls(
            id=account.id,
            role=account.role,
            username=account.username,
            phone=account.phone,
            display_name=account.display_name,
            agency_code=account.agency_code,
            active=account.active,
            created_at=account.created_at,
            last_sign_in_at=account.last_sign_in_at,
        )


@dataclass(frozen=True)
class NewPassword:
    """A staff account whose password an admin reset; the new password is shown this once."""

    account: AccountView
    password: str


@dataclass(frozen=True)
class ClientView:
    """An integrator client as the API shows it (never its secret's hash)."""

    client_id: str
    name: str
    scopes: list[str]
    active: bool
    created_at: datetime

    @classmethod
    def of(cls, client: IntegratorClient) -> ClientView:
        """Snapshot ``client``."""
        return cls(
            client_id=client.client_id,
            name=client.name,
            scopes=list(client.scopes),
            active=client.active,
            created_at=client.created_at,
        )


@dataclass(frozen=True)
class NewClient:
    """An integrator client just created; the secret is shown this once."""

    client_id: str
    client_secret: str
    name: str
    scopes: list[str]


# -- citizens: phone OTP -------------------------------------------------------------------------


async def request_otp(uow: GatewayUnitOfWork, ports: Ports, phone: str) -> Challenge:
    """Issue a 6-digit code for ``phone``; keep its hash; send it by SMS through notify (an event)."""
    now = ports.clock.now()
    code = ports.secrets.new_otp()
    challenge = OtpChallenge(
        id=str(uuid.uuid4()),
        phone=phone,
        purpose=OtpPurpose.SIGN_IN.value,
        attempts=0,
        created_at=now,
        expires_at=now + timedelta(seconds=ports.settings.identity.otp_ttl_seconds),
    )
    challenge.code_hash = ports.secrets.otp_hash(challenge.id, code)
    async with uow:
        uow.identity.add(challenge)
        uow.outbox.add(
            OtpRequested(
                challenge_id=challenge.id,
                phone=phone,
                code=code,
                purpose=OtpPurpose.SIGN_IN,
                expires_at=challenge.expires_at,
                requested_at=now,
            )
        )
        await uow.commit()
    return Challenge(challenge_id=challenge.id, expires_at=challenge.expires_at)


async def sign_in_with_otp(uow: GatewayUnitOfWork, ports: Ports, challenge_id: str, code: str) -> Tokens:
    """Exchange a correct, fresh code for tokens; the citizen's account is made on first sign-in.

    A wrong code counts an attempt, committed even though the request fails: the limit must hold.
    """
    now = ports.clock.now()
    max_attempts = ports.settings.identity.otp_max_attempts
    async with uow:
        challenge = await uow.identity.challenge(challenge_id)
        if challenge is None:
            raise OtpLocked()
        challenge.ensure_usable(now, max_attempts=max_attempts)
        if not ports.secrets.otp_matches(challenge.id, code, challenge.code_hash):
            challenge.attempts += 1
            await uow.commit()
            if challenge.attempts >= max_attempts:
                raise OtpLocked()
            raise WrongOtp(challenge.attempts_left(max_attempts))
        challenge.consumed_at = now
        account = await uow.identity.account_by_phone(challenge.phone)
        if account is None:
            account = _new_citizen(now, phone=challenge.phone)
            uow.identity.add(account)
        account.signed_in(now)
        tokens = await _session_tokens(uow, ports, account, now)
        await uow.commit()
    return tokens


async def sign_in_external(uow: GatewayUnitOfWork, ports: Ports, id_token: str) -> Tokens:
    """Sign a citizen in with an ID token of a trusted issuer, bound to their phone's account."""
    claims = await ports.external.verify(id_token)
    now = ports.clock.now()
    async with uow:
        link = await uow.identity.external_identity(claims.issuer, claims.subject)
        account = await uow.identity.account(link.account_id) if link is not None else None
        if account is None:
            if claims.phone is None:
                raise Unprocessable("Bên phát hành không cung cấp số điện thoại đã xác thực.")
            phone = normalise_phone(claims.phone)
            account = await uow.identity.account_by_phone(phone)
            if account is None:
                account = _new_citizen(now, phone=phone, name=claims.name)
                uow.identity.add(account)
            uow.identity.add(
                ExternalIdentity(
                    issuer=claims.issuer, subject=claims.subject, account_id=account.id, linked_at=now
                )
            )
        if account.role != Role.CITIZEN or not account.active:
            raise InvalidGrant("Tài khoản không dùng được để đăng nhập bằng định danh bên ngoài.")
        account.signed_in(now)
        tokens = await _session_tokens(uow, ports, account, now)
        await uow.commit()
    return tokens


# -- staff: username and password -----------------------------------------------------------------


async def login(uow: GatewayUnitOfWork, ports: Ports, username: str, password: str, *, source: str) -> Tokens:
    """An officer or admin signs in. Wrong passwords slow the source that sends them, on that name
    (failures counted per name and address, shared by the replicas), and never lock the account; every
    refusal reads the same whether the account exists or not."""
    now = ports.clock.now()
    throttled = f"{username.strip().lower()}|{source}"
    wait = await ports.sign_in.wait(throttled)
    if wait > 0:
        raise RateLimited(
            "Bạn đã thử đăng nhập quá nhiều lần; vui lòng thử lại sau.",
            detail_en="Too many sign-in attempts; please try again later.",
            headers={"Retry-After": retry_after(wait)},
        )
    async with uow:
        found = await uow.identity.account_by_username(username)
        stored = found.password_hash if found is not None else None
    # No database connection is held while the hash waits for its turn and runs: with a pool of a few
    # connections, sign-ins waiting to hash would otherwise stall every other request of the replica.
    matches = await ports.secrets.verify_password(stored, password)
    async with uow:
        account = await uow.identity.account(found.id) if found is not None else None
        # A password changed meanwhile was not the one checked.
        matches = matches and account is not None and account.password_hash == stored
        if account is None or not account.active or not matches:
            if account is not None and account.active:
                account.login_failed()
                await uow.commit()
            await ports.sign_in.failed(throttled)
            raise InvalidGrant("Tên đăng nhập hoặc mật khẩu không đúng.")
        account.signed_in(now)
        tokens = await _session_tokens(uow, ports, account, now)
        await uow.commit()
    await ports.sign_in.succeeded(throttled)
    return tokens


async def create_staff(
    uow: GatewayUnitOfWork,
    ports: Ports,
    *,
    username: str,
    password: str,
    role: Role,
    display_name: str,
    agency_code: str | None,
) -> AccountView:
    """Create an officer (bound to an agency in operation, as the catalogue knows it) or an admin account."""
    if role not in (Role.OFFICER, Role.ADMIN):
        raise Unprocessable("Chỉ tạo được tài khoản cán bộ hoặc quản trị.")
    if (role is Role.OFFICER) != bool(agency_code):
        raise Unprocessable("Cán bộ phải thuộc một cơ quan; quản trị viên thì không.")
    if agency_code and not await ports.agencies.in_operation(agency_code):
        raise Unprocessable(
            "Không có cơ quan đang hoạt động với mã này trong danh mục.",
            errors=[{"field": "agency_code", "message": "no agency in operation has this code"}],
        )
    return await _add_staff(uow, ports, username, password, role, display_name, agency_code)


async def _add_staff(
    uow: GatewayUnitOfWork,
    ports: Ports,
    username: str,
    password: str,
    role: Role,
    display_name: str,
    agency_code: str | None,
) -> AccountView:
    password_hash = await ports.secrets.hash_password(password)
    async with uow:
        if await uow.identity.account_by_username(username) is not None:
            raise Conflict("Tên đăng nhập đã được dùng.")
        account = Account(
            id=str(uuid.uuid4()),
            role=role.value,
            username=username,
            password_hash=password_hash,
            agency_code=agency_code,
            display_name=display_name,
            active=True,
            failed_logins=0,
            created_at=ports.clock.now(),
        )
        uow.identity.add(account)
        view = AccountView.of(account)
        await uow.commit()
    return view


STAFF_CURSOR = Cursor(TypeAdapter(str))
"""A staff page's cursor: the last username shown."""

CLIENT_CURSOR = Cursor(TypeAdapter(str))
"""A client page's cursor: the last client id shown."""


async def list_staff(
    uow: GatewayUnitOfWork,
    *,
    agency_code: str | None,
    role: Role | None,
    q: str | None,
    limit: int,
    cursor: str | None,
) -> Page[AccountView]:
    """Officers and admins by username, of one agency or role, or whose name contains ``q``."""
    after = STAFF_CURSOR.decode(cursor)
    async with uow:
        rows, total = await uow.identity.staff(
            agency_code=agency_code, role=role.value if role else None, q=q, after=after, limit=limit + 1
        )
        kept, next_cursor = STAFF_CURSOR.cut(rows, limit, lambda a: a.username or "")
        return Page(items=[AccountView.of(a) for a in kept], total=total, next_cursor=next_cursor)


async def lock_staff(uow: GatewayUnitOfWork, ports: Ports, who: Principal, account_id: str) -> AccountView:
    """Lock a staff account: no sign-in, and every session it has ends (its access tokens, at most 15
    minutes old, run out by themselves)."""
    async with uow:
        account = await _staff_account(uow, account_id)
        account.lock(by=who.subject)
        await uow.identity.revoke_sessions(account.id, ports.clock.now(), "locked")
        view = AccountView.of(account)
        await uow.commit()
    return view


async def unlock_staff(uow: GatewayUnitOfWork, account_id: str) -> AccountView:
    """Let a locked staff account sign in again."""
    async with uow:
        account = await _staff_account(uow, account_id)
        account.unlock()
        view = AccountView.of(account)
        await uow.commit()
    return view


async def reset_password(uow: GatewayUnitOfWork, ports: Ports, account_id: str) -> NewPassword:
    """Give a staff account a new random password (returned once, kept as its argon2id hash) and end its
    sessions, so whoever held the old one is signed out."""
    password = ports.secrets.new_token()
    password_hash = await ports.secrets.hash_password(password)
    async with uow:
        account = await _staff_account(uow, account_id)
        account.password_hash = password_hash
        account.failed_logins = 0
        await uow.identity.revoke_sessions(account.id, ports.clock.now(), "password_reset")
        view = AccountView.of(account)
        await uow.commit()
    return NewPassword(account=view, password=password)


async def _staff_account(uow: GatewayUnitOfWork, account_id: str) -> Account:
    account = await uow.identity.account(account_id)
    if account is None or not account.is_staff:
        raise NotFound("Không tìm thấy tài khoản cán bộ.", detail_en="No such staff account.")
    return account


# -- integrators: client credentials --------------------------------------------------------------


async def client_credentials(
    uow: GatewayUnitOfWork, ports: Ports, client_id: str, client_secret: str, scope: str | None
) -> Tokens:
    """An access token for an integrator, limited to the scopes asked for (all it has by default)."""
    async with uow:
        client = await uow.identity.client(client_id)
        secret_hash = client.secret_hash if client is not None and client.active else None
        scopes = list(client.scopes) if client is not None else []
    matches = await ports.secrets.verify_password(secret_hash, client_secret)
    if not matches:
        raise InvalidGrant("Mã ứng dụng hoặc khóa bí mật không đúng.")
    asked = scope.split() if scope else scopes
    refused = sorted(set(asked) - set(scopes))
    if refused:
        raise ScopeNotAllowed(f"Ứng dụng không được cấp phạm vi: {' '.join(refused)}.")
    granted = " ".join(sorted(set(asked)))
    access = ports.tokens.access(
        subject=f"client:{client_id}", role=Role.INTEGRATOR, extra={"scope": granted}
    )
    return Tokens(access_token=access.token, expires_in=access.expires_in, scope=granted)


async def create_client(uow: GatewayUnitOfWork, ports: Ports, *, name: str, scopes: list[str]) -> NewClient:
    """Register an integrator; its secret is returned once and kept only as an argon2id hash."""
    client_id = f"cli_{uuid.uuid4().hex[:20]}"
    secret = ports.secrets.new_token()
    secret_hash = await ports.secrets.hash_password(secret)
    async with uow:
        uow.identity.add(
            IntegratorClient(
                client_id=client_id,
                name=name,
                secret_hash=secret_hash,
                scopes=sorted(set(scopes)),
                active=True,
                created_at=ports.clock.now(),
            )
        )
        await uow.commit()
    return NewClient(client_id=client_id, client_secret=secret, name=name, scopes=sorted(set(scopes)))


async def list_clients(uow: GatewayUnitOfWork, *, limit: int, cursor: str | None) -> Page[ClientView]:
    """Integrator clients by id."""
    after = CLIENT_CURSOR.decode(cursor)
    async with uow:
        rows, total = await uow.identity.clients(after=after, limit=limit + 1)
        kept, next_cursor = CLIENT_CURSOR.cut(rows, limit, lambda c: c.client_id)
        return Page(items=[ClientView.of(c) for c in kept], total=total, next_cursor=next_cursor)


async def update_client(
    uow: GatewayUnitOfWork,
    client_id: str,
    *,
    name: str | None,
    scopes: list[str] | None,
    active: bool | None,
) -> ClientView:
    """Rename a client, change its scopes or switch it off; tokens it holds keep their scopes until they
    expire, new ones get the new scopes."""
    async with uow:
        client = await _client(uow, client_id)
        client.change(name=name, scopes=scopes, active=active)
        view = ClientView.of(client)
        await uow.commit()
    return view


async def rotate_client_secret(uow: GatewayUnitOfWork, ports: Ports, client_id: str) -> NewClient:
    """A new secret for a client (returned once); the old one stops working at once."""
    secret = ports.secrets.new_token()
    secret_hash = await ports.secrets.hash_password(secret)
    async with uow:
        client = await _client(uow, client_id)
        client.secret_hash = secret_hash
        new = NewClient(
            client_id=client.client_id, client_secret=secret, name=client.name, scopes=client.scopes
        )
        await uow.commit()
    return new


async def _client(uow: GatewayUnitOfWork, client_id: str) -> IntegratorClient:
    client = await uow.identity.client(client_id)
    if client is None:
        raise NotFound("Không tìm thấy ứng dụng tích hợp.", detail_en="No such integrator client.")
    return client


# -- sessions: rotating refresh tokens -------------------------------------------------------------


async def refresh(uow: GatewayUnitOfWork, ports: Ports, refresh_token: str) -> Tokens:
    """Rotate: the token is spent, a new one in the same family is returned.

    Presenting a spent token means it was copied: the family is revoked, so neither the thief nor the
    victim can go on with it (RFC 9700 §4.14.2).
    """
    now = ports.clock.now()
    token_hash = sha256_hex(refresh_token)
    async with uow:
        row = await uow.identity.refresh_token(token_hash)
        if row is None:
            raise InvalidGrant("Mã làm mới không hợp lệ.")
        family = await uow.identity.family(row.family_id)
        if family is None or family.revoked_at is not None or now >= row.expires_at:
            raise RefreshExpired()
        if row.used_at is not None or not await uow.identity.spend_refresh_token(token_hash, now):
            family.revoke(now, "reuse")
            await uow.commit()
            raise RefreshReused()
        account = await uow.identity.account(family.account_id)
        if account is None or not account.active:
            raise RefreshExpired()
        tokens = _tokens_in_family(uow, ports, account, family, now)
        await uow.commit()
    return tokens


async def logout(uow: GatewayUnitOfWork, ports: Ports, refresh_token: str) -> None:
    """Revoke the family of ``refresh_token``; unknown tokens are ignored (sign-out is idempotent)."""
    async with uow:
        row = await uow.identity.refresh_token(sha256_hex(refresh_token))
        if row is None:
            return
        family = await uow.identity.family(row.family_id)
        if family is not None:
            family.revoke(ports.clock.now(), "logout")
        await uow.commit()


async def profile(uow: GatewayUnitOfWork, who: Principal) -> AccountView | None:
    """The caller's own account (None for an integrator, which has none)."""
    if who.role is Role.INTEGRATOR:
        return None
    async with uow:
        account = await uow.identity.account(who.subject)
        if account is None:
            raise NotFound("Không tìm thấy tài khoản.")
        return AccountView.of(account)


# -- development mode ------------------------------------------------------------------------------


async def ensure_demo(
    uow: GatewayUnitOfWork, ports: Ports, staff: list[DemoAccount], clients: list[DemoClient]
) -> list[str]:
    """Create the demo staff and integrator (development only); existing ones are left alone."""
    created: list[str] = []
    for demo in staff:
        async with uow:
            exists = await uow.identity.account_by_username(demo.username) is not None
        if not exists:
            # The demo agencies are the shipped catalogue's (a test holds them to it); at start-up the
            # catalogue may not answer yet, so they are not asked of it.
            await _add_staff(
                uow,
                ports,
                demo.username,
                demo.password.get_secret_value(),
                Role(demo.role),
                demo.display_name,
                demo.agency_code,
            )
            created.append(demo.username)
    for demo_client in clients:
        async with uow:
            known = await uow.identity.client(demo_client.client_id) is not None
        if known:
            # An argon2id hash holds 64 MiB while it runs: not made at every start for nothing.
            continue
        secret_hash = await ports.secrets.hash_password(demo_client.client_secret.get_secret_value())
        async with uow:
            if await uow.identity.client(demo_client.client_id) is None:
                uow.identity.add(
                    IntegratorClient(
                        client_id=demo_client.client_id,
                        name=demo_client.name,
                        secret_hash=secret_hash,
                        scopes=sorted(demo_client.scopes),
                        active=True,
                        created_at=ports.clock.now(),
                    )
                )
                await uow.commit()
                created.append(demo_client.client_id)
    return created


# -- helpers ----------------------------------------------------------------------------------------


def normalise_phone(raw: str) -> str:
    """A Vietnamese mobile number in E.164 (``0912345678``, ``84912345678`` → ``+84912345678``); 422 for
    anything else, a landline with its own reason (no SMS, so no OTP, reaches it)."""
    try:
        return vn_mobile(raw)
    except NotAMobileNumber as exc:
        detail = (
            "Số máy bàn không nhận được tin nhắn; hãy dùng số điện thoại di động."
            if exc.landline
            else "Số điện thoại di động không hợp lệ."
        )
        raise Unprocessable(detail, errors=[{"field": "phone", "in": "body", "message": str(exc)}]) from None


def _new_citizen(now: datetime, *, phone: str, name: str | None = None) -> Account:
    return Account(
        id=str(uuid.uuid4()),
        role=Role.CITIZEN.value,
        phone=phone,
        display_name=name,
        active=True,
        failed_logins=0,
        created_at=now,
    )


async def _session_tokens(uow: GatewayUnitOfWork, ports: Ports, account: Account, now: datetime) -> Tokens:
    family = RefreshFamily(id=str(uuid.uuid4()), account_id=account.id, created_at=now)
    uow.identity.add(family)
    return _tokens_in_family(uow, ports, account, family, now)


def _tokens_in_family(
    uow: GatewayUnitOfWork, ports: Ports, account: Account, family: RefreshFamily, now: datetime
) -> Tokens:
    refresh_value = ports.secrets.new_token()
    uow.identity.add(
        RefreshToken(
            token_hash=sha256_hex(refresh_value),
            family_id=family.id,
            issued_at=now,
            expires_at=now + timedelta(seconds=ports.settings.identity.refresh_ttl_seconds),
        )
    )
    role = Role(account.role)
    extra: dict[str, Any] = {"sid": family.id}
    if account.phone:
        extra["phone_number"] = account.phone
    if account.display_name:
        extra["name"] = account.display_name
    access = ports.tokens.access(
        subject=account.id,
        role=role,
        agency_code=account.agency_code if role is Role.OFFICER else None,
        extra=extra,
    )
    return Tokens(access_token=access.token, expires_in=access.expires_in, refresh_token=refresh_value)
