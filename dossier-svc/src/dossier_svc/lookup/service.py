"""The public status lookup: proof of holding the dossier, answers alike for wrong proofs and unknown codes,
rate-limited per client and per code."""

from __future__ import annotations

import hmac

from dossier_svc.dossiers.workflow import NATIONAL_LABELS
from dossier_svc.lookup.errors import LookupNotFound
from dossier_svc.lookup.models import LookupGuard
from dossier_svc.lookup.schemas import LookupOut
from dossier_svc.uow import DossierUow


def _proof_matches(proof: str, phone_last4: str | None, secret: str) -> bool:
    candidate = proof.strip().upper().encode()
    # Both comparisons always run, so timing does not tell which kind of proof was right.
    by_phone = hmac.compare_digest(candidate, (phone_last4 or "\x00" * 4).encode())
    by_secret = hmac.compare_digest(candidate, secret.upper().encode())
    return by_phone or by_secret


async def lookup(uow: DossierUow, guard: LookupGuard, *, client: str, code: str, proof: str) -> LookupOut:
    """Where the dossier ``code`` stands, for whoever holds its receipt or its applicant's phone."""
    guard.admit(client, code, proof)
    async with uow:
        dossier = await uow.dossiers.by_code(code)
    if dossier is None or dossier.is_draft:
        _proof_matches(proof, "0000", "-")
        guard.failed(client, code)
        raise LookupNotFound()
    if not _proof_matches(proof, dossier.phone_last4, dossier.lookup_secret):
        guard.failed(client, code)
        raise LookupNotFound()
    national = dossier.national_status or 1
    step = dossier.step
    return LookupOut(
        code=dossier.code,
        procedure_code=dossier.procedure_code,
        procedure_name=dossier.procedure_name,
        agency_name=dossier.agency_name,
        status=dossier.status,
        national_status=national,
        national_status_label=NATIONAL_LABELS[national],
        step_order=dossier.current_step,
        step_count=dossier.step_count,
        step_name=step.name if step else None,
        step_agency_name=step.agency_name if step else None,
        submitted_at=dossier.submitted_at,
        received_at=dossier.received_at,
        appointment_at=dossier.appointment_at,
        result_ready_at=dossier.approved_at,
        returned_at=dossier.returned_at,
        fee_outstanding=national == 6,
    )
