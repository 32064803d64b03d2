"""Directory errors."""

from __future__ import annotations

from motcua_shared.chassis.errors import NotFound, Unprocessable


class UnknownPushSubscription(NotFound):
    """No such push subscription, or not the caller's."""


class InvalidPreferences(Unprocessable):
    """Preferences that break a rule."""


class InvalidPushEndpoint(Unprocessable):
    """A push endpoint that is not one of the push services'."""
