"""What the gateway's lifespan builds, reached by requests through :mod:`gateway.deps`."""

from __future__ import annotations

from dataclasses import dataclass

from gateway.docs.openapi import OpenApiMerger
from gateway.identity.service import Identity
from gateway.ratelimit.limiter import TokenBucketLimiter
from gateway.routing.proxy import Upstreams
from gateway.settings import Settings
from gateway.uow import GatewayUnitOfWork
from motcua_shared.chassis.auth import JwksVerifier
from motcua_shared.chassis.bus.base import Bus
from motcua_shared.chassis.db import Database
from motcua_shared.chassis.messaging.outbox import OutboxRelay


@dataclass
class GatewayRuntime:
    """The gateway's resources for one lifespan."""

    settings: Settings
    db: Database
    bus: Bus
    relay: OutboxRelay
    upstreams: Upstreams
    limiter: TokenBucketLimiter
    identity: Identity
    verifier: JwksVerifier
    docs: OpenApiMerger

    def uow(self) -> GatewayUnitOfWork:
        """A new unit of work on the gateway's database."""
        return GatewayUnitOfWork(self.db, source=self.settings.source, on_commit=self.relay.wake)
