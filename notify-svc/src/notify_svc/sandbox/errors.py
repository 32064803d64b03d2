"""Errors of the sandbox SMS inbox."""

from __future__ import annotations

from motcua_shared.chassis.errors import NotFound


class SandboxDisabled(NotFound):
    """The sandbox inbox does not exist under production settings (answered as a plain 404)."""

    def __init__(self) -> None:
        super().__init__("Không có hộp thư thử nghiệm ở cấu hình này.")
