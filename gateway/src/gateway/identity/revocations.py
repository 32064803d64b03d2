"""Access tokens of a revoked session stop working at once, not when they expire.

An access token names its session (``sid``: the refresh-token family it was issued in). Sign-out, reuse
of a spent refresh token, a locked account or a password reset revoke the family; every gateway replica
reads the families revoked within the last access-token lifetime from the database every ``every``
seconds and refuses, at the edge, any request whose token names one of them. The window in which a
revoked token still works is therefore ``every`` seconds (2 by default), the same for every replica,
instead of the token's whole remaining lifetime; older revocations need no list, their tokens have expired.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import timedelta

import jwt

from gateway.uow import GatewayUnitOfWork
from motcua_shared.chassis.clock import Clock

log = logging.getLogger(__name__)


class RevokedSessions:
    """The ids of the sessions revoked within the last access-token lifetime."""

    def __init__(self, lifetime: timedelta, clock: Clock) -> None:
        self._lifetime = lifetime
        self._clock = clock
        self._ids: frozenset[str] = frozenset()

    async def refresh(self, uow: GatewayUnitOfWork) -> None:
        """Read the list again from the database."""
        since = self._clock.now() - self._lifetime - timedelta(minutes=1)
        async with uow:
            self._ids = frozenset(await uow.identity.revoked_since(since))

    async def keep_fresh(self, make_uow: Callable[[], GatewayUnitOfWork], *, every: float = 2.0) -> None:
        """:meth:`refresh` every ``every`` seconds until cancelled; a failed read keeps the last list."""
        while True:
            try:
                await self.refresh(make_uow())
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("could not read the revoked sessions", exc_info=True)
            await asyncio.sleep(every)

    def refuses(self, token: str) -> bool:
        """Whether ``token`` names a revoked session. Its signature is not checked here (the service that
        answers checks it): a forged token refused for naming a revoked session loses nothing."""
        if not self._ids:
            return False
        try:
            sid = jwt.decode(token, options={"verify_signature": False}).get("sid")
        except jwt.PyJWTError:
            return False
        return isinstance(sid, str) and sid in self._ids
