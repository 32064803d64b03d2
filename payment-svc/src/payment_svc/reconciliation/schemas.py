"""Bodies of the reconciliation API."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from payment_svc.reconciliation.service import Report


class RowOut(BaseModel):
    """One line: their amount beside ours."""

    model_config = ConfigDict(from_attributes=True)

    provider: str
    provider_txn_id: str
    reference: str | None
    their_amount: int | None
    our_amount: int | None
    payment_id: str | None
    our_outcome: str | None


class ReportOut(BaseModel):
    """Matched, amount mismatches, missing on our side, missing on theirs."""

    date: date
    provider: str | None
    counts: dict[str, int]
    matched: list[RowOut]
    amount_mismatches: list[RowOut]
    missing_ours: list[RowOut] = Field(description="In their statement, not in our records.")
    missing_theirs: list[RowOut] = Field(description="In our records, not in their statement.")

    @classmethod
    def of(cls, report: Report) -> ReportOut:
        """Shape a report."""
        groups = {
            "matched": report.matched,
            "amount_mismatches": report.amount_mismatches,
            "missing_ours": report.missing_ours,
            "missing_theirs": report.missing_theirs,
        }
        return cls(
            date=report.day,
            provider=report.provider,
            counts={name: len(rows) for name, rows in groups.items()},
            **{name: [RowOut.model_validate(r) for r in rows] for name, rows in groups.items()},
        )


class ImportOut(BaseModel):
    """What an import stored, and the report after it."""

    imported: int
    duplicates: int
    errors: list[dict[str, object]]
    report: ReportOut
