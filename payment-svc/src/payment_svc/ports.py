"""What the use cases reach outside the database: the gateway provider, settings and the clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from payment_svc.providers.base import GatewayProvider
from payment_svc.settings import Settings


def utc_now() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


@dataclass
class Ports:
    """Built once in the lifespan; tests build their own with fakes."""

    settings: Settings
    gateway: GatewayProvider
    clock: Callable[[], datetime] = field(default=utc_now)

    def now(self) -> datetime:
        """The current time."""
        return self.clock()
