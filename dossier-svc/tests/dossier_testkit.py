"""Helpers of dossier-svc's tests: tokens, a procedure of the catalogue, a harness around a running app.

A uniquely named module (not ``conftest``): several services' conftests share that module name.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from dossier_svc.dossiers.models import Dossier
from dossier_svc.ports import Ports
from dossier_svc.settings import Settings
from dossier_svc.uow import DossierUow
from motcua_shared.chassis.app import Runtime
from motcua_shared.chassis.auth import Role
from motcua_shared.chassis.bus.base import Bus, Message
from motcua_shared.chassis.messaging.models import OutboxRecord
from motcua_shared.contracts import examples
from motcua_shared.contracts.base import CloudEvent, Event
from motcua_shared.contracts.catalog import (
    AgencyRef,
    ChannelTerms,
    ProcedureCase,
    ProcedureFeeItem,
    ProcedurePublished,
    ProcedureSnapshot,
    ProcedureStep,
    RequiredDocument,
)
from motcua_shared.contracts.common import Channel, FeeKind, FeeTiming
from motcua_shared.testing import Tokens, eventually

TOKENS = Tokens()
PROBLEM = "application/problem+json"
AGENCY = AgencyRef(code="hue.xa.thuan-hoa", name="Ủy ban nhân dân phường Thuận Hóa")
POLICE = AgencyRef(code="hue.cong-an-xa", name="Công an phường Thuận Hóa")
OTHER_AGENCY = "hue.so-tu-phap"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


CITIZEN = TOKENS.bearer("citizen-1", Role.CITIZEN)
OTHER_CITIZEN = TOKENS.bearer("citizen-2", Role.CITIZEN)
OFFICER = TOKENS.bearer("officer-1", Role.OFFICER, AGENCY.code)
POLICE_OFFICER = TOKENS.bearer("officer-police", Role.OFFICER, POLICE.code)
OTHER_OFFICER = TOKENS.bearer("officer-9", Role.OFFICER, OTHER_AGENCY)
ADMIN = TOKENS.bearer("admin-1", Role.ADMIN)


def snapshot(
    *,
    code: str = "1.001193",
    version: int = 1,
    fee: int = 0,
    fee_timing: FeeTiming = FeeTiming.SUBMISSION,
    days: float = 3,
    online_level: int = 4,
    same_day_cutoff: time | None = None,
) -> ProcedureSnapshot:
    """A birth registration with an inter-agency step (the story of the contract examples, our figures)."""
    base = examples.procedure()
    fees = (ProcedureFeeItem(name="Lệ phí đăng ký", kind=FeeKind.LE_PHI, amount=fee, exemption="Hộ nghèo"),)
    terms = tuple(
        ChannelTerms(channel=channel, processing_days=days, fee_items=fees if fee else ())
        for channel in (Channel.ONLINE, Channel.COUNTER)
    )
    return base.model_copy(
        update={
            "code": code,
            "version": version,
            "implementing_agency": AGENCY,
            "online_level": online_level,
            "cases": (ProcedureCase(code="dung-han", name="Đăng ký khai sinh đúng hạn", channels=terms),),
            "documents": (
                RequiredDocument(code="to-khai", name="Tờ khai đăng ký khai sinh", originals=1, copies=0),
                RequiredDocument(code="giay-chung-sinh", name="Giấy chứng sinh", originals=1, copies=0),
            ),
            "steps": (
                ProcedureStep(order=1, name="Tiếp nhận hồ sơ", role="one_stop", share_percent=20),
                ProcedureStep(
                    order=2, name="Xác minh cư trú", role="specialist", agency=POLICE, share_percent=40
                ),
                ProcedureStep(order=3, name="Ký Giấy khai sinh", role="leader", share_percent=40),
            ),
            "fee_timing": fee_timing,
            "same_day_cutoff": same_day_cutoff,
        }
    )


def published(snap: ProcedureSnapshot) -> ProcedurePublished:
    """The catalogue's event for ``snap``."""
    return ProcedurePublished(
        code=snap.code, version=snap.version, published_at=datetime.now(UTC), procedure=snap
    )


def applicant(phone: str = "0912345678") -> dict[str, Any]:
    """A valid applicant block."""
    return {
        "name": "Nguyễn Thị Hương",
        "cccd": "046190001234",
        "phone": phone,
        "email": "huong@example.vn",
        "address": "12 Lê Lợi, phường Thuận Hóa, thành phố Huế",
    }


def submission(procedure_code: str = "1.001193", **extra: Any) -> dict[str, Any]:
    """A valid submission body."""
    return {
        "procedure_code": procedure_code,
        "applicant": applicant(),
        "form_data": {"ten_tre": "Lê Minh An"},
        **extra,
    }


def multipart(body: dict[str, Any], files: dict[str, bytes] | None = None) -> dict[str, Any]:
    """httpx keyword arguments for a multipart submission."""
    import json

    docs = files if files is not None else {"to-khai": PDF, "giay-chung-sinh": PNG}
    return {
        "data": {"dossier": json.dumps(body, ensure_ascii=False)},
        "files": [
            (code, (f"{code}.bin", io.BytesIO(data), "application/octet-stream"))
            for code, data in docs.items()
        ],
    }


@dataclass
class Harness:
    """A running dossier-svc with its client, runtime and bus."""

    app: FastAPI
    client: httpx.AsyncClient
    bus: Bus
    settings: Settings
    files_dir: Path
    sent: list[str] = field(default_factory=list)

    @property
    def runtime(self) -> Runtime[DossierUow]:
        runtime: Runtime[DossierUow] = self.app.state.runtime
        return runtime

    @property
    def ports(self) -> Ports:
        ports: Ports = self.app.state.ports
        return ports

    def uow(self) -> DossierUow:
        return self.runtime.uow()

    async def deliver(self, event: Event) -> None:
        """Publish ``event`` on the bus as its producer would, and wait until this service handled it."""
        envelope = CloudEvent.wrap(event, source="/motcua/test")
        consumer = self.runtime.consumer
        assert consumer is not None
        before = consumer.handled + consumer.duplicates + consumer.dead_lettered
        await self.bus.ensure_topics([event.TOPIC])
        await self.bus.publish(
            [Message(topic=event.TOPIC, key=envelope.subject, value=envelope.to_json().encode())]
        )
        await eventually(
            lambda: consumer.handled + consumer.duplicates + consumer.dead_lettered > before,
            what=f"{event.TYPE} handled",
        )

    async def events(self, type_suffix: str | None = None) -> list[dict[str, Any]]:
        """The events this service wrote to its outbox, oldest first."""
        async with self.runtime.db.session() as session:
            rows = (await session.scalars(select(OutboxRecord).order_by(OutboxRecord.id))).all()
        out = [CloudEvent.from_json(r.payload) for r in rows]
        return [
            {"type": e.type, **e.data}
            for e in out
            if type_suffix is None or e.type.endswith(f".{type_suffix}.v1")
        ]

    async def dossier(self, code: str) -> Dossier:
        async with self.uow() as uow:
            found = await uow.dossiers.by_code(code)
            assert found is not None
            uow.session.expunge(found)
        return found

    async def submit(
        self,
        body: dict[str, Any] | None = None,
        *,
        files: dict[str, bytes] | None = None,
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """File a dossier as citizen-1 and return it."""
        response = await self.client.post(
            "/api/v1/dossiers",
            headers={**(headers or CITIZEN), "Idempotency-Key": uuid.uuid4().hex},
            **multipart(body or submission(), files),
        )
        assert response.status_code == 201, response.text
        result: dict[str, Any] = response.json()
        return result

    async def act(self, code: str, action: str, headers: dict[str, str], **body: Any) -> httpx.Response:
        return await self.client.post(f"/api/v1/dossiers/{code}/actions/{action}", headers=headers, json=body)


HarnessFactory = Callable[..., Any]


def problem(response: Any, status: int) -> dict[str, Any]:
    """The RFC 9457 body of ``response``, asserting its status and media type."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    return body
