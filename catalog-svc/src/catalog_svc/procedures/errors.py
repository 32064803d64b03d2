"""Domain errors of the procedure catalogue."""

from __future__ import annotations

from typing import Any

from motcua_shared.chassis.errors import Conflict, NotFound, Unprocessable


class ProcedureNotFound(NotFound):
    """No procedure with that code (or not one the caller may see)."""

    def __init__(self, code: str, version: int | None = None) -> None:
        what = f"phiên bản {version} của thủ tục '{code}'" if version else f"thủ tục '{code}'"
        super().__init__(f"Không tìm thấy {what}.")


class ProcedureExists(Conflict):
    """A procedure with that code already exists."""

    def __init__(self, code: str) -> None:
        super().__init__(f"Thủ tục mã '{code}' đã tồn tại; dùng PUT để sửa.")


class NothingToPublish(Conflict):
    """The working copy equals the published version."""

    def __init__(self, code: str, version: int) -> None:
        super().__init__(f"Thủ tục '{code}' không có thay đổi nào so với phiên bản {version} đã công bố.")


class NotPublished(Conflict):
    """Only a published procedure can be withdrawn."""

    def __init__(self, code: str, status: str) -> None:
        super().__init__(f"Thủ tục '{code}' đang ở trạng thái '{status}', không thể thu hồi.")


class InvalidProcedure(Unprocessable):
    """The procedure breaks a rule of the catalogue; ``errors`` has one entry per problem."""

    def __init__(self, errors: list[dict[str, Any]], detail: str | None = None) -> None:
        super().__init__(detail or f"Thủ tục không hợp lệ: {len(errors)} lỗi.", errors=errors)


class SynonymNotFound(NotFound):
    """No synonym with that term."""

    def __init__(self, term: str) -> None:
        super().__init__(f"Không có từ đồng nghĩa '{term}'.")


class InvalidSynonym(Unprocessable):
    """A term or expansion with no letter or digit, or a term longer than the search reads."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(
            "Từ đồng nghĩa không hợp lệ.", errors=[{"field": field, "message": message, "code": "invalid"}]
        )
