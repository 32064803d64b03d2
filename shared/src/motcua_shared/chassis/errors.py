"""Typed domain errors that carry their HTTP status, rendered once as RFC 9457 problem+json."""

from __future__ import annotations

from typing import Any, ClassVar

PROBLEM_BASE = "https://motcua.vn/problems/"


class DomainError(Exception):
    """An expected failure of a use case; never a 500.

    Its problem is in Vietnamese (``title``, and the raiser's ``detail``), or in English for a caller whose
    ``Accept-Language`` asks for it: ``title_en``, and the raiser's ``detail_en`` or else the kind's
    ``default_detail_en`` — never a Vietnamese title with an English detail, or the reverse."""

    status: ClassVar[int] = 400
    type: ClassVar[str] = PROBLEM_BASE + "bad-request"
    title: ClassVar[str] = "Yêu cầu không hợp lệ"
    title_en: ClassVar[str] = "Bad request"
    default_detail_en: ClassVar[str] = "The request cannot be served as it is."
    default_headers: ClassVar[dict[str, str]] = {}

    def __init__(
        self,
        detail: str,
        *,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
        detail_en: str | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.detail_en = detail_en or self.default_detail_en
        self.errors = errors
        self.headers = {**self.default_headers, **(headers or {})} or None


class MalformedJson(DomainError):
    """The request body is not JSON at all."""

    status = 400
    type = PROBLEM_BASE + "malformed-json"
    title = "JSON không hợp lệ"
    title_en = "Malformed JSON"
    default_detail_en = "The request body is not valid JSON."


class NotFound(DomainError):
    """The resource does not exist, or is not the caller's to see."""

    status = 404
    type = PROBLEM_BASE + "not-found"
    title = "Không tìm thấy"
    title_en = "Not found"
    default_detail_en = "The resource does not exist, or is not yours to see."


class Conflict(DomainError):
    """The request conflicts with the resource's current state."""

    status = 409
    type = PROBLEM_BASE + "conflict"
    title = "Xung đột trạng thái"
    title_en = "Conflict"
    default_detail_en = "The request conflicts with the resource's current state."


class Forbidden(DomainError):
    """The caller is known but may not do this."""

    status = 403
    type = PROBLEM_BASE + "forbidden"
    title = "Không có quyền"
    title_en = "Forbidden"
    default_detail_en = "You may not do this."


class Unauthenticated(DomainError):
    """No valid credentials."""

    status = 401
    type = PROBLEM_BASE + "unauthenticated"
    title = "Chưa xác thực"
    title_en = "Unauthenticated"
    default_detail_en = "Sign in first: a valid access token is needed."
    default_headers: ClassVar[dict[str, str]] = {"WWW-Authenticate": "Bearer"}


class Unprocessable(DomainError):
    """The input is well-formed but breaks a rule."""

    status = 422
    type = PROBLEM_BASE + "validation"
    title = "Dữ liệu không hợp lệ"
    title_en = "Invalid input"
    default_detail_en = "The input breaks a rule; see `errors`."


class RateLimited(DomainError):
    """Too many requests."""

    status = 429
    type = PROBLEM_BASE + "rate-limited"
    title = "Quá nhiều yêu cầu"
    title_en = "Too many requests"
    default_detail_en = "Too many requests; try again later."


class Unavailable(DomainError):
    """A dependency is down; try again later."""

    status = 503
    type = PROBLEM_BASE + "unavailable"
    title = "Dịch vụ tạm thời không khả dụng"
    title_en = "Service unavailable"
    default_detail_en = "A service the platform needs is down; try again later."


class UnsupportedMediaType(DomainError):
    """A body in a format the operation does not take (e.g. ``text/plain`` where JSON is expected)."""

    status = 415
    type = PROBLEM_BASE + "unsupported-media-type"
    title = "Kiểu nội dung không được hỗ trợ"
    title_en = "Unsupported media type"
    default_detail_en = "Send the body as JSON (Content-Type: application/json)."


class MethodNotAllowed(DomainError):
    """The path exists but does not take this method (``Allow`` names those it takes)."""

    status = 405
    type = PROBLEM_BASE + "method-not-allowed"
    title = "Phương thức không được hỗ trợ"
    title_en = "Method not allowed"
    default_detail_en = "This path does not take this method; see the Allow header."


class PermanentError(Exception):
    """Raised by an event handler when retrying can never help (the event goes to the DLQ at once)."""
