"""The channel port: what the dispatcher hands an adapter, and what the adapter answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from motcua_shared.contracts.notify import NotifyChannel


@dataclass(frozen=True, slots=True)
class Job:
    """A claimed delivery, as a plain value: adapters never see the database row."""

    delivery_id: str
    channel: NotifyChannel
    address: str
    subject: str | None
    body: str
    attempt: int
    source_event_id: str
    source_event_type: str
    secrets: tuple[str, ...] = ()
    push_keys: tuple[str, str] | None = None


@dataclass(frozen=True, slots=True)
class Sent:
    """The provider took the message; ``delivered`` when the channel knows it arrived (webhook 2xx)."""

    provider: str
    message_id: str | None = None
    segments: int | None = None
    delivered: bool = False
    status_code: int | None = None


@dataclass(frozen=True, slots=True)
class Failed:
    """It did not go; ``permanent`` when trying again cannot help (bad number, endpoint gone)."""

    provider: str
    error: str
    permanent: bool
    status_code: int | None = None
    extra: dict[str, str] = field(default_factory=dict)


Outcome = Sent | Failed


class ChannelAdapter(Protocol):
    """Sends one message on one channel through one provider."""

    channel: NotifyChannel
    provider: str
    rate_per_second: float

    async def send(self, job: Job) -> Outcome:
        """Send ``job``; never raises for a provider's refusal, only returns :class:`Failed`."""
        ...

    async def aclose(self) -> None:
        """Release connections."""
        ...
