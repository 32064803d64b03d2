"""What the use cases reach outside the database: the gateway provider, settings and the clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from motcua_shared.chassis.clock import SYSTEM_CLOCK, Clock
from motcua_shared.chassis.signing import PaperSigner
from payment_svc.providers.base import GatewayProvider
from payment_svc.settings import Settings


@dataclass
class Ports:
    """Built once in the lifespan; tests build their own with fakes."""

    settings: Settings
    gateway: GatewayProvider
    signer: PaperSigner
    clock: Clock = SYSTEM_CLOCK

    def now(self) -> datetime:
        """The current time."""
        return self.clock.now()
