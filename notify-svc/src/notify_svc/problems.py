"""The problem+json responses routers document."""

from __future__ import annotations

from typing import Any

_PROBLEM: dict[str, Any] = {"content": {"application/problem+json": {}}}

PROBLEMS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Chưa xác thực", **_PROBLEM},
    403: {"description": "Không có quyền", **_PROBLEM},
    404: {"description": "Không tìm thấy", **_PROBLEM},
    422: {"description": "Dữ liệu không hợp lệ", **_PROBLEM},
}
