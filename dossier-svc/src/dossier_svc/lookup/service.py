"""The public status lookup: proof of holding the dossier, answers alike for wrong proofs and unknown codes,
rate-limited per client and per code."""

from __future__ import annotations

import hmac

from dossier_svc.dossiers.models import Dossier
from dossier_svc.lookup.errors import LookupNotFound
from dossier_svc.lookup.models import LookupGuard
from dossier_svc.uow import DossierUow


def _proof_matches(proof: str, phone_last4: str | None, secret: str) -> bool:
    candidate = proof.strip().upper().encode()
    # Both comparisons always run, so timing does not tell which kind of proof was right.
    by_phone = hmac.compare_digest(candidate, (phone_last4 or "\x00" * 4).encode())
    by_secret = hmac.compare_digest(candidate, secret.upper().encode())
    return by_phone or by_secret


async def lookup(uow: DossierUow, guard: LookupGuard, *, client: str, code: str, proof: str) -> Dossier:
    """Where the dossier ``code`` stands, for whoever holds its receipt or its applicant's phone."""
    await guard.admit(client, code, proof)
    async with uow:
        dossier = await uow.dossiers.by_code(code)
    if dossier is None or dossier.is_draft:
        _proof_matches(proof, "0000", "-")
        await guard.failed(client, code)
        raise LookupNotFound()
    if not _proof_matches(proof, dossier.phone_last4, dossier.lookup_secret):
        await guard.failed(client, code)
        raise LookupNotFound()
    return dossier
