"""Typed domain errors that carry their HTTP status, rendered once as RFC 9457 problem+json."""

from __future__ import annotations

from typing import Any, ClassVar

PROBLEM_BASE = "https://motcua.vn/problems/"


class DomainError(Exception):
    """An expected failure of a use case; never a 500."""

    status: ClassVar[int] = 400
    type: ClassVar[str] = PROBLEM_BASE + "bad-request"
    title: ClassVar[str] = "Yêu cầu không hợp lệ"
    default_headers: ClassVar[dict[str, str]] = {}

    def __init__(
        self,
        detail: str,
        *,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors
        self.headers = {**self.default_headers, **(headers or {})} or None


class MalformedJson(DomainError):
    """The request body is not JSON at all."""

    status = 400
    type = PROBLEM_BASE + "malformed-json"
    title = "JSON không hợp lệ"


class NotFound(DomainError):
    """The resource does not exist, or is not the caller's to see."""

    status = 404
    type = PROBLEM_BASE + "not-found"
    title = "Không tìm thấy"


class Conflict(DomainError):
    """The request conflicts with the resource's current state."""

    status = 409
    type = PROBLEM_BASE + "conflict"
    title = "Xung đột trạng thái"


class Forbidden(DomainError):
    """The caller is known but may not do this."""

    status = 403
    type = PROBLEM_BASE + "forbidden"
    title = "Không có quyền"


class Unauthenticated(DomainError):
    """No valid credentials."""

    status = 401
    type = PROBLEM_BASE + "unauthenticated"
    title = "Chưa xác thực"
    default_headers: ClassVar[dict[str, str]] = {"WWW-Authenticate": "Bearer"}


class Unprocessable(DomainError):
    """The input is well-formed but breaks a rule."""

    status = 422
    type = PROBLEM_BASE + "validation"
    title = "Dữ liệu không hợp lệ"


class RateLimited(DomainError):
    """Too many requests."""

    status = 429
    type = PROBLEM_BASE + "rate-limited"
    title = "Quá nhiều yêu cầu"


class Unavailable(DomainError):
    """A dependency is down; try again later."""

    status = 503
    type = PROBLEM_BASE + "unavailable"
    title = "Dịch vụ tạm thời không khả dụng"


class PermanentError(Exception):
    """Raised by an event handler when retrying can never help (the event goes to the DLQ at once)."""
