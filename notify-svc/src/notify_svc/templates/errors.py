"""Template errors."""

from __future__ import annotations

from motcua_shared.chassis.errors import NotFound, Unprocessable


class UnknownTemplate(NotFound):
    """No such (code, channel)."""


class InvalidTemplate(Unprocessable):
    """The template does not compile or does not render against its example event."""
