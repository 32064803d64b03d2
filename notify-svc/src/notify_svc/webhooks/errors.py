"""Webhook errors."""

from __future__ import annotations

from motcua_shared.chassis.errors import NotFound, Unprocessable


class UnknownSubscription(NotFound):
    """No such subscription, or not the caller's."""


class InvalidSubscription(Unprocessable):
    """A URL or event type that cannot be accepted."""
