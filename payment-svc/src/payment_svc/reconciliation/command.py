"""The `motcua payments reconcile` command's work: import a statement file and print the report."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from pathlib import Path

from motcua_shared.chassis.auth import Principal, Role
from motcua_shared.chassis.db import Database
from motcua_shared.chassis.migrations import aupgrade
from payment_svc.app import MIGRATIONS
from payment_svc.reconciliation import service
from payment_svc.reconciliation.schemas import ReportOut
from payment_svc.settings import Settings
from payment_svc.uow import PaymentUnitOfWork


async def reconcile(
    settings: Settings, *, day: date, provider: str | None, statement: Path | None = None
) -> ReportOut:
    """Import ``statement`` (when given, for ``provider``) and return the day's report."""
    if settings.db.auto_migrate:
        await aupgrade(MIGRATIONS, settings.db.url)
    db = Database(settings.db)
    try:
        uow = PaymentUnitOfWork(db, source=settings.source)
        if statement is not None:
            if provider is None:
                raise ValueError("importing a statement needs its provider")
            operator = Principal(subject="motcua-cli", role=Role.ADMIN)
            await service.import_statement(
                uow,
                operator,
                provider=provider,
                day=day,
                text=await asyncio.to_thread(statement.read_text, encoding="utf-8"),
                now=datetime.now(UTC),
            )
        return ReportOut.of(await service.report(uow, day=day, provider=provider))
    finally:
        await db.dispose()
