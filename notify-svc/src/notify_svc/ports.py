"""What the use cases need beyond the database: settings, the clock, caches and wake-ups."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from motcua_shared.chassis.clock import Clock
from motcua_shared.contracts.notify import NotifyChannel
from notify_svc.directory.models import QuietWindow
from notify_svc.inbox.hub import Hub
from notify_svc.settings import Settings


@dataclass(frozen=True, slots=True)
class CachedTemplate:
    """The current version of one (code, channel)."""

    version: int
    subject: str | None
    body: str


@dataclass
class TemplateCache:
    """Current templates by (code, channel), for ``ttl`` seconds (an edit elsewhere shows within it)."""

    ttl: float = 5.0
    _entries: dict[tuple[str, str], tuple[float, CachedTemplate]] = field(default_factory=dict)

    def get(self, code: str, channel: str) -> CachedTemplate | None:
        """The cached template, if fresh."""
        entry = self._entries.get((code, channel))
        if entry is None or time.monotonic() - entry[0] > self.ttl:
            return None
        return entry[1]

    def put(self, code: str, channel: str, template: CachedTemplate) -> None:
        """Remember the current version."""
        self._entries[(code, channel)] = (time.monotonic(), template)

    def clear(self) -> None:
        """Forget everything (after an edit)."""
        self._entries.clear()


@dataclass
class Ports:
    """What notify's use cases reach besides the unit of work, built once by the composition root."""

    settings: Settings
    clock: Clock
    hub: Hub = field(default_factory=Hub)
    templates: TemplateCache = field(default_factory=TemplateCache)
    wake_dispatcher: Callable[[], None] = lambda: None

    @property
    def channels(self) -> frozenset[NotifyChannel]:
        """The channels configured here (e-mail needs an SMTP host, push a VAPID key)."""
        enabled = {NotifyChannel.IN_APP, NotifyChannel.SMS, NotifyChannel.WEBHOOK}
        if self.settings.email.host:
            enabled.add(NotifyChannel.EMAIL)
        if self.settings.push.vapid_private_key is not None:
            enabled.add(NotifyChannel.PUSH)
        return frozenset(enabled)

    @property
    def default_quiet(self) -> QuietWindow:
        """The quiet hours of anyone who did not choose."""
        return QuietWindow.parse(self.settings.quiet_hours.start, self.settings.quiet_hours.end)
