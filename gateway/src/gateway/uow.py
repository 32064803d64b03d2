"""The gateway's unit of work: identity's repository on the chassis's session, outbox and inbox."""

from __future__ import annotations

from gateway.identity.repository import IdentityRepository
from motcua_shared.chassis.uow import UnitOfWork


class GatewayUnitOfWork(UnitOfWork):
    """``async with uow: ...; await uow.commit()`` with ``uow.identity``."""

    identity: IdentityRepository

    def open(self) -> None:
        """Build the repositories on this transaction's session."""
        self.identity = IdentityRepository(self.session)
