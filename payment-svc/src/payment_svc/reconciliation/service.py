"""Use cases of reconciliation: import a statement (CSV), report how it matches our records."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from motcua_shared.chassis.auth import Principal
from motcua_shared.chassis.clock import PLATFORM_TZ
from payment_svc.payments.models import ProviderTransaction
from payment_svc.reconciliation.errors import StatementInvalid
from payment_svc.reconciliation.models import StatementLine
from payment_svc.uow import PaymentUnitOfWork

REQUIRED = ("provider_txn_id", "amount")
SUCCESS = frozenset({"", "00", "success", "succeeded", "thanh_cong", "thành công"})
_AMOUNT = re.compile(r"^(?P<whole>\d{1,3}(?:[.,\s]\d{3})+|\d+)(?:[.,](?P<cents>\d{1,2}))?$")
MAX_LINES = 100_000


@dataclass(frozen=True)
class ParsedLine:
    """A statement line as read."""

    provider_txn_id: str
    reference: str
    amount: int
    currency: str
    paid_at: datetime | None


def parse_amount(text: str) -> int:
    """A statement amount as integer VND: ``8000``, ``8.000``, ``8,000`` or ``8000.00``; never a float."""
    match = _AMOUNT.match(text.strip())
    if match is None or (match.group("cents") and int(match.group("cents")) != 0):
        raise ValueError(f"not a whole amount of VND: {text!r}")
    return int(re.sub(r"[.,\s]", "", match.group("whole")))


def parse_statement(text: str) -> tuple[list[ParsedLine], list[dict[str, object]]]:
    """The successful credits of a CSV statement, and one error per unreadable line.

    The header names the columns: ``provider_txn_id`` and ``amount`` are required; ``reference``,
    ``currency``, ``paid_at`` (ISO 8601) and ``status`` are read when present.
    """
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    columns = {c.strip().lower() for c in reader.fieldnames or ()}
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise StatementInvalid(
            "Bảng kê thiếu cột bắt buộc.", errors=[{"field": c, "message": "missing column"} for c in missing]
        )
    lines: list[ParsedLine] = []
    errors: list[dict[str, object]] = []
    for number, raw in enumerate(reader, start=2):
        if number > MAX_LINES:
            raise StatementInvalid(f"Bảng kê quá {MAX_LINES} dòng.")
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()}
        if row.get("status", "").lower() not in SUCCESS:
            continue
        try:
            paid_at = datetime.fromisoformat(row["paid_at"]) if row.get("paid_at") else None
            if paid_at is not None and paid_at.tzinfo is None:
                paid_at = paid_at.replace(tzinfo=PLATFORM_TZ)
            if not row["provider_txn_id"]:
                raise ValueError("empty provider_txn_id")
            lines.append(
                ParsedLine(
                    provider_txn_id=row["provider_txn_id"][:80],
                    reference=row.get("reference", "")[:500],
                    amount=parse_amount(row["amount"]),
                    currency=(row.get("currency") or "VND").upper()[:8],
                    paid_at=paid_at,
                )
            )
        except ValueError as exc:
            errors.append({"line": number, "message": str(exc)[:200]})
    return lines, errors


@dataclass
class ImportResult:
    """What an import did."""

    imported: int
    duplicates: int
    errors: list[dict[str, object]]


async def import_statement(
    uow: PaymentUnitOfWork, who: Principal, *, provider: str, day: date, text: str, now: datetime
) -> ImportResult:
    """Store a statement's lines (idempotent per provider transaction id)."""
    lines, errors = parse_statement(text)
    async with uow:
        seen = await uow.statements.existing_ids(provider, [line.provider_txn_id for line in lines])
        fresh = 0
        for line in lines:
            if line.provider_txn_id in seen:
                continue
            seen.add(line.provider_txn_id)
            uow.statements.add(
                StatementLine(
                    provider=provider,
                    statement_date=day,
                    provider_txn_id=line.provider_txn_id,
                    reference=line.reference,
                    amount=line.amount,
                    currency=line.currency,
                    paid_at=line.paid_at,
                    imported_at=now,
                    imported_by=who.subject,
                )
            )
            fresh += 1
        await uow.commit()
    return ImportResult(imported=fresh, duplicates=len(lines) - fresh, errors=errors)


@dataclass(frozen=True)
class Row:
    """One line of the report: what they say, what we recorded."""

    provider: str
    provider_txn_id: str
    reference: str | None
    their_amount: int | None
    our_amount: int | None
    payment_id: str | None
    our_outcome: str | None


@dataclass
class Report:
    """How a day's statements and our records agree."""

    day: date
    provider: str | None
    matched: list[Row] = field(default_factory=list)
    amount_mismatches: list[Row] = field(default_factory=list)
    missing_ours: list[Row] = field(default_factory=list)
    missing_theirs: list[Row] = field(default_factory=list)


def _day_of(txn: ProviderTransaction) -> date:
    return (txn.occurred_at or txn.received_at).astimezone(PLATFORM_TZ).date()


async def report(uow: PaymentUnitOfWork, *, day: date, provider: str | None) -> Report:
    """Match the day's statement lines to our recorded credits by transaction id, then by reference."""
    start = datetime.combine(day, time(), PLATFORM_TZ)
    async with uow:
        lines = await uow.statements.on(day, provider)
        # A credit's own time may fall on the day while we received it a little later (or earlier).
        ours = [
            t
            for t in await uow.payments.credited_between(start - timedelta(days=1), start + timedelta(days=2))
            if _day_of(t) == day and (provider is None or t.provider == provider) and t.provider != "manual"
        ]
    result = Report(day=day, provider=provider)
    by_id = {(t.provider, t.provider_txn_id): t for t in ours}
    used: set[int] = set()
    for line in lines:
        txn = by_id.get((line.provider, line.provider_txn_id))
        if txn is None:
            txn = next(
                (
                    t
                    for t in ours
                    if t.provider == line.provider
                    and t.id not in used
                    and t.reference
                    and t.reference in line.reference
                ),
                None,
            )
        row = Row(
            provider=line.provider,
            provider_txn_id=line.provider_txn_id,
            reference=line.reference or (txn.reference if txn else None),
            their_amount=line.amount,
            our_amount=txn.amount if txn else None,
            payment_id=txn.payment_id if txn else None,
            our_outcome=txn.outcome if txn else None,
        )
        if txn is None:
            result.missing_ours.append(row)
            continue
        used.add(txn.id)
        (result.matched if txn.amount == line.amount else result.amount_mismatches).append(row)
    for txn in ours:
        if txn.id not in used:
            result.missing_theirs.append(
                Row(
                    provider=txn.provider,
                    provider_txn_id=txn.provider_txn_id,
                    reference=txn.reference,
                    their_amount=None,
                    our_amount=txn.amount,
                    payment_id=txn.payment_id,
                    our_outcome=txn.outcome,
                )
            )
    return result
