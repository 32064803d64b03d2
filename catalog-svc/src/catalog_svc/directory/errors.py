"""Errors of the directory of agencies, fields and levels."""

from __future__ import annotations

from motcua_shared.chassis.errors import NotFound


class AgencyNotFound(NotFound):
    """No agency has that code."""

    def __init__(self, code: str) -> None:
        super().__init__(f"Không có cơ quan mã '{code}'.")
