"""Errors of the public lookup."""

from __future__ import annotations

from motcua_shared.chassis.errors import NotFound


class LookupNotFound(NotFound):
    """An unknown code and a wrong proof answer exactly alike."""

    def __init__(self) -> None:
        super().__init__("Không tìm thấy hồ sơ với mã và thông tin xác minh đã nhập.")
