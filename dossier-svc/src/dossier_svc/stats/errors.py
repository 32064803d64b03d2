"""Errors of the statistics."""

from __future__ import annotations

from motcua_shared.chassis.errors import Unprocessable


class InvalidPeriod(Unprocessable):
    """The period is reversed or too long."""
