"""The lookup's rate limits per client and per dossier code: token buckets whose state every replica shares
(:mod:`motcua_shared.chassis.limits`: the service's database on PostgreSQL, memory on SQLite)."""

from __future__ import annotations

from dataclasses import dataclass

from motcua_shared.chassis.errors import RateLimited
from motcua_shared.chassis.limits import Buckets, MemoryStore, StateStore, retry_after


@dataclass(frozen=True)
class _Rate:
    """``burst`` at once, earned back evenly over ``seconds`` (N per window, without the window's edge)."""

    burst: int
    seconds: float

    @property
    def per_minute(self) -> float:
        return self.burst * 60.0 / self.seconds


def is_weak_proof(proof: str) -> bool:
    """Whether ``proof`` has the shape of a phone's last 4 digits (10⁴ values), not of a receipt's secret."""
    text = proof.strip()
    return len(text) == 4 and text.isdigit()


class LookupGuard:
    """Limits lookups per client, wrong proofs per client and code, and — without locking the owner
    out — wrong proofs per code: past that limit a code takes only its receipt's secret (8 characters, ~40
    bits), never the guessable 4 digits, so a stranger's failures cannot keep its holder from looking."""

    def __init__(
        self,
        *,
        per_client_per_minute: int,
        failures_per_code_per_hour: int,
        failures_per_client_code_per_hour: int = 5,
        store: StateStore | None = None,
    ) -> None:
        self._buckets = Buckets(store or MemoryStore())
        self._clients = _Rate(per_client_per_minute, 60.0)
        self._failures = _Rate(failures_per_code_per_hour, 3600.0)
        self._client_failures = _Rate(failures_per_client_code_per_hour, 3600.0)

    def keep_state_in(self, store: StateStore) -> None:
        """Share the counts through ``store`` (the service's database once it is open)."""
        self._buckets.store = store

    async def admit(self, client: str, code: str, proof: str) -> None:
        """429 when the client asked too often or failed too often on this code, or when the code has seen
        too many wrong proofs and this one is the weak kind (unknown codes count alike: nothing tells
        whether a code exists)."""
        key = code.upper()
        take = self._buckets.take
        wait = (
            await take("lookup-client-failures", self._client_failures, f"{client}|{key}", spend=False)
            or (
                await take("lookup-code-failures", self._failures, key, spend=False)
                if is_weak_proof(proof)
                else 0
            )
            or await take("lookup-client", self._clients, client)
        )
        if wait:
            raise RateLimited(
                "Tra cứu quá nhiều lần; vui lòng thử lại sau, hoặc dùng mã tra cứu in trên giấy biên nhận.",
                detail_en="Too many look-ups; try again later, or use the code printed on the receipt.",
                headers={"Retry-After": retry_after(wait)},
            )

    async def failed(self, client: str, code: str) -> None:
        """Count a wrong proof (or an unknown code: they must look alike)."""
        key = code.upper()
        await self._buckets.take("lookup-code-failures", self._failures, key)
        await self._buckets.take("lookup-client-failures", self._client_failures, f"{client}|{key}")
