"""Errors of the calendar feature."""

from __future__ import annotations

from motcua_shared.chassis.errors import Unprocessable


class CalendarRangeTooLong(Unprocessable):
    """The asked range spans more than the API computes."""
