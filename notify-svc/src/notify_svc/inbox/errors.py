"""Inbox errors."""

from __future__ import annotations

from motcua_shared.chassis.errors import NotFound


class UnknownNotification(NotFound):
    """No such notification in the caller's inboxes."""
