"""payment-svc test harness: the real app over ASGI, its mounted sandbox, tokens, and dossier events."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from motcua_shared.chassis.auth import Principal, Role
from motcua_shared.chassis.bus.base import Bus, Message
from motcua_shared.chassis.bus.kafka import KafkaBus
from motcua_shared.chassis.bus.local import LocalBus
from motcua_shared.chassis.clock import SettableClock
from motcua_shared.chassis.messaging.models import OutboxRecord
from motcua_shared.chassis.settings import BusSettings, DbSettings
from motcua_shared.contracts import topics
from motcua_shared.contracts.base import CloudEvent, Event
from motcua_shared.contracts.common import Actor, ActorRole, Channel, Contact, FeeItem, FeeKind, FeeTiming
from motcua_shared.contracts.dossier import DossierRejected, DossierStatus, DossierSubmitted, DossierWithdrawn
from motcua_shared.testing import FakeUnitOfWork, Tokens, eventually
from payment_svc.app import create_app
from payment_svc.payments.models import FeeDue, IdempotencyRecord, Payment, Slip, SlipStatus
from payment_svc.ports import Ports
from payment_svc.settings import JobSettings, Settings
from payment_svc.uow import PaymentUnitOfWork

AGENCY = "hue.xa.thuan-hoa"
OTHER_AGENCY = "hue.xa.phu-xuan"
MARRIAGE = FeeItem(name="Lệ phí đăng ký kết hôn", kind=FeeKind.LE_PHI, amount=30_000)
APPLICANT = Actor(id="citizen-an", role=ActorRole.CITIZEN)
COPY = FeeItem(name="Phí cấp bản sao trích lục", kind=FeeKind.PHI, amount=8_000)


def submitted(
    dossier_code: str | None = None,
    *,
    applicant_id: str = "citizen-an",
    items: tuple[FeeItem, ...] = (MARRIAGE, COPY),
    timing: FeeTiming = FeeTiming.SUBMISSION,
    agency: str = AGENCY,
) -> DossierSubmitted:
    """A DossierSubmitted as dossier-svc would emit it."""
    return DossierSubmitted(
        dossier_code=dossier_code or f"{agency}-250804-{uuid.uuid4().hex[:4]}",
        procedure_code="1.000894",
        agency_code=agency,
        applicant_id=applicant_id,
        status=DossierStatus.SUBMITTED,
        national_status=1,
        occurred_at=datetime.now(UTC),
        actor=Actor(id=applicant_id, role=ActorRole.CITIZEN),
        procedure_version=1,
        procedure_name="Đăng ký kết hôn",
        agency_name="Ủy ban nhân dân phường Thuận Hóa",
        channel=Channel.ONLINE,
        applicant=Contact(name="Nguyễn Thị Hương", phone="+84905123456", email="huong@example.vn"),
        fee_items=items,
        fee_total=sum(i.payable() for i in items),
        fee_timing=timing,
        processing_days=5,
    )


class FakePayments:
    """The payment repository's calls that requesting, ending, renewing, reading and deciding slips make, over
    memory."""

    def __init__(self) -> None:
        self.payments: list[Payment] = []
        self.slips: list[Slip] = []
        self.dues: dict[str, FeeDue] = {}
        self.keys: dict[tuple[str, str, str], IdempotencyRecord] = {}
        self.ended_dossiers: dict[str, str] = {}
        self.lapsed: list[str] = []

    def add(self, row: Any) -> None:
        if isinstance(row, Payment):
            self.payments.append(row)
        elif isinstance(row, FeeDue):
            self.dues[row.dossier_code] = row
        elif isinstance(row, Slip):
            self.slips.append(row)
        else:
            assert isinstance(row, IdempotencyRecord)
            self.keys[(row.subject, row.operation, row.key)] = row

    async def flush(self) -> None:
        return None

    async def get(self, payment_id: str, *, lock: bool = False) -> Payment | None:
        return next((p for p in self.payments if p.id == payment_id), None)

    async def by_dossier(self, dossier_code: str, *, lock: bool = False) -> list[Payment]:
        return [p for p in self.payments if p.dossier_code == dossier_code]

    async def lock_dossier(self, dossier_code: str, fee_timing: str | None = None) -> list[Payment]:
        return [p for p in await self.by_dossier(dossier_code) if fee_timing in (None, p.fee_timing)]

    async def fee_due(self, dossier_code: str) -> FeeDue | None:
        return self.dues.get(dossier_code)

    async def idempotency(self, subject: str, operation: str, key: str) -> IdempotencyRecord | None:
        return self.keys.get((subject, operation, key))

    def remember(
        self, subject: str, operation: str, key: str, *, fingerprint: str, result_id: str, at: datetime
    ) -> None:
        self.add(
            IdempotencyRecord(
                subject=subject,
                operation=operation,
                key=key,
                fingerprint=fingerprint,
                result_id=result_id,
                created_at=at,
            )
        )

    async def ended(self, dossier_code: str) -> str | None:
        return self.ended_dossiers.get(dossier_code)

    async def mark_ended(self, dossier_code: str, reason: str, at: datetime) -> None:
        self.ended_dossiers.setdefault(dossier_code, reason)

    async def close_open_attempts(self, payment_id: str, status: Any, at: datetime) -> None:
        self.lapsed.append(payment_id)

    async def reserved_refunds(self, payment_id: str) -> int:
        return 0  # the fake keeps no refunds

    async def page(
        self, who: Principal, *, limit: int, after: tuple[datetime, str] | None, **_: Any
    ) -> tuple[list[Payment], int]:
        visible = sorted(
            (p for p in self.payments if p.visible_to(who)), key=lambda p: (p.created_at, p.id), reverse=True
        )
        later = [p for p in visible if after is None or (p.created_at, p.id) < after]
        return later[:limit], len(visible)

    async def decisions_of(
        self, payment_ids: list[str]
    ) -> tuple[dict[str, list[Any]], dict[str, list[Slip]]]:
        return {i: [] for i in payment_ids}, {i: await self.slips_of(i) for i in payment_ids}

    async def attempts_of(self, payment_id: str) -> list[Any]:
        return []

    refunds_of = transactions_of = attempts_of

    async def renewal_of(self, payment_id: str) -> Payment | None:
        return next((p for p in self.payments if p.renews == payment_id), None)

    async def slips_of(self, payment_id: str) -> list[Slip]:
        return [s for s in reversed(self.slips) if s.payment_id == payment_id]

    async def slip(self, payment_id: str, slip_id: str) -> Slip | None:
        return next((s for s in await self.slips_of(payment_id) if s.id == slip_id), None)

    async def pending_slip(self, payment_id: str) -> Slip | None:
        slips = await self.slips_of(payment_id)
        return next((s for s in slips if s.status == SlipStatus.SUBMITTED), None)


class FakeUow(FakeUnitOfWork[PaymentUnitOfWork]):
    """payment-svc's unit of work over :class:`FakePayments`."""

    def open(self) -> None:
        self.payments = FakePayments()


@dataclass
class Harness:
    """One payment-svc app, started, with helpers to drive it like its clients do."""

    app: FastAPI
    bus: Bus
    tokens: Tokens
    client: httpx.AsyncClient
    clock: SettableClock = field(default_factory=SettableClock)

    @property
    def ports(self) -> Ports:
        ports: Ports = self.app.state.ports
        return ports

    def uow(self) -> PaymentUnitOfWork:
        uow = self.app.state.runtime.uow()
        assert isinstance(uow, PaymentUnitOfWork)
        return uow

    def shift_clock(self, by: timedelta) -> None:
        """Move the service's clock (expiry, callback windows)."""
        self.clock.advance(by)

    def citizen(self, subject: str = "citizen-an") -> dict[str, str]:
        return self.tokens.bearer(subject)

    def officer(self, agency: str = AGENCY) -> dict[str, str]:
        return self.tokens.bearer(f"officer-{agency}", Role.OFFICER, agency)

    def admin(self) -> dict[str, str]:
        return self.tokens.bearer("admin-1", Role.ADMIN)

    async def publish(self, event: Event) -> None:
        envelope = CloudEvent.wrap(event, source="/motcua/dossier")
        await self.bus.publish(
            [Message(topic=event.TOPIC, key=envelope.subject, value=envelope.to_json().encode())]
        )

    async def payment_of(self, dossier_code: str) -> Payment | None:
        async with self.uow() as uow:
            rows = await uow.payments.by_dossier(dossier_code)
            return rows[0] if rows else None

    async def requested(self, event: DossierSubmitted) -> Payment:
        """Publish a submission and wait for its payment request."""
        await self.publish(event)
        payment: Payment = await eventually(
            lambda: self.payment_of(event.dossier_code), what="the payment request"
        )
        return payment

    async def outbox_count(self, type_name: str, subject: str | None = None) -> int:
        async with self.uow() as uow:
            query = select(func.count()).select_from(OutboxRecord).where(OutboxRecord.type == type_name)
            if subject is not None:
                query = query.where(OutboxRecord.key == subject)
            return int(await uow.session.scalar(query) or 0)

    async def checkout(
        self,
        payment_id: str,
        method: str = "gateway",
        *,
        who: dict[str, str] | None = None,
        key: str | None = None,
    ) -> httpx.Response:
        headers = {**(who or self.citizen()), "Idempotency-Key": key or uuid.uuid4().hex}
        return await self.client.post(
            "/api/v1/payments", json={"payment_id": payment_id, "method": method}, headers=headers
        )

    async def sandbox_pay(
        self, redirect_url: str, *, approve: bool = True, lose_ipn: bool = False
    ) -> httpx.Response:
        """Open the sandbox checkout page, then press a button, as the payer's browser would."""
        parts = urlsplit(redirect_url)
        page = await self.client.get(f"{parts.path}?{parts.query}")
        assert page.status_code == 200, page.text
        txn_ref = dict(p.split("=", 1) for p in parts.query.split("&"))["vnp_TxnRef"]
        form = {"txn_ref": txn_ref, "decision": "approve" if approve else "decline"}
        if lose_ipn:
            form["lose_ipn"] = "1"
        base = parts.path.rsplit("/", 1)[0]
        return await self.client.post(f"{base}/decide", data=form)

    async def paid(self, subject: str = "citizen-an", *, event: DossierSubmitted | None = None) -> Payment:
        """A payment its payer paid through the sandbox gateway (the sandbox's IPN credits it), for
        ``event``'s dossier (a new one of ``subject``'s by default)."""
        payment = await self.requested(event or submitted(applicant_id=subject))
        checkout = await self.checkout(payment.id, who=self.citizen(subject))
        assert checkout.status_code == 201, checkout.text
        await self.sandbox_pay(checkout.json()["gateway"]["redirect_url"])
        return payment


def withdrawn(event: DossierSubmitted) -> DossierWithdrawn:
    """The applicant's withdrawal of ``event``'s dossier, as dossier-svc would emit it."""
    return DossierWithdrawn(
        **event.model_dump(
            include={"dossier_code", "procedure_code", "agency_code", "applicant_id", "actor"}
        ),
        status=DossierStatus.WITHDRAWN,
        national_status=7,
        occurred_at=event.occurred_at,
    )


def rejected(event: DossierSubmitted, *, agency: str = AGENCY) -> DossierRejected:
    """An officer's refusal of ``event``'s dossier, as dossier-svc would emit it."""
    return DossierRejected(
        **event.model_dump(include={"dossier_code", "procedure_code", "agency_code", "applicant_id"}),
        actor=Actor(id=f"officer-{agency}", role=ActorRole.OFFICER, agency_code=agency),
        status=DossierStatus.REJECTED,
        national_status=3,
        occurred_at=event.occurred_at,
        reason="Hồ sơ không đủ điều kiện đăng ký kết hôn theo quy định.",
    )


async def withdraw_and_expire(env: Harness, event: DossierSubmitted) -> None:
    """Publish the withdrawal of ``event``'s dossier and wait until its payment request has expired."""
    await env.publish(withdrawn(event))

    async def expired() -> bool:
        found = await env.payment_of(event.dossier_code)
        return found is not None and found.status == "expired"

    await eventually(expired, what="expiry on withdrawal")


@contextlib.asynccontextmanager
async def kafka_bus(bootstrap: str) -> AsyncIterator[tuple[KafkaBus, BusSettings]]:
    """A started Kafka bus with payment's and dossier's topics, and the settings ``harness`` takes with it."""
    settings = BusSettings(kind="kafka", bootstrap_servers=bootstrap, partitions=3, relay_poll_interval=0.1)
    bus = KafkaBus(settings, client_id=f"payment-test-{uuid.uuid4().hex[:6]}")
    await bus.start()
    try:
        await bus.ensure_topics([topics.PAYMENT, topics.DOSSIER])
        yield bus, settings
    finally:
        await bus.stop()


@contextlib.asynccontextmanager
async def harness(
    *, db_url: str, bus: Bus, bus_settings: BusSettings, jobs: bool = False
) -> AsyncIterator[Harness]:
    """Start payment-svc on ``db_url`` and ``bus``, with the sandbox mounted."""
    tokens = Tokens(ttl=timedelta(minutes=10))
    settings = Settings(
        env="test",
        db=DbSettings(url=db_url),
        bus=bus_settings,
        jobs=JobSettings(enabled=jobs, interval=0.2),
    )
    app = create_app(settings, bus=bus, key_source=tokens.jwks, configure_logs=False)
    async with app.router.lifespan_context(app):
        ports: Ports = app.state.ports
        clock = ports.clock = SettableClock()
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://payment") as client:
            yield Harness(app=app, bus=bus, tokens=tokens, client=client, clock=clock)


@contextlib.asynccontextmanager
async def on_local_bus(db_url: str, tmp_path: Path) -> AsyncIterator[Harness]:
    """payment-svc on ``db_url`` and the in-process bus."""
    bus = LocalBus(tmp_path / "bus.db", partitions=2)
    await bus.start()
    try:
        settings = BusSettings(kind="memory", partitions=2, relay_poll_interval=0.05)
        async with harness(db_url=db_url, bus=bus, bus_settings=settings) as h:
            yield h
    finally:
        await bus.stop()


@pytest.fixture
async def env(tmp_path: Path) -> AsyncIterator[Harness]:
    """payment-svc embedded: SQLite and the in-process bus."""
    async with on_local_bus(f"sqlite+aiosqlite:///{tmp_path / 'payment.db'}", tmp_path) as h:
        yield h


@pytest.fixture
async def pg(tmp_path: Path, fresh_pg_url: str) -> AsyncIterator[Harness]:
    """payment-svc on a fresh PostgreSQL database and the in-process bus (integration tests)."""
    async with on_local_bus(fresh_pg_url, tmp_path) as h:
        yield h
