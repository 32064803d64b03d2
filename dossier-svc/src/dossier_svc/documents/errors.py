"""Errors of document uploads."""

from __future__ import annotations

from motcua_shared.chassis.errors import PROBLEM_BASE, Conflict, DomainError, NotFound


class FileTooLarge(DomainError):
    """The file exceeds the size limit."""

    status = 413
    type = PROBLEM_BASE + "file-too-large"
    title = "Tệp quá lớn"
    title_en = "File too large"


class UnsupportedFileType(DomainError):
    """The content is not a PDF, JPEG or PNG (whatever its name says)."""

    status = 415
    type = PROBLEM_BASE + "unsupported-file-type"
    title = "Định dạng tệp không được chấp nhận"
    title_en = "File type not accepted"


class DocumentNotFound(NotFound):
    """No such document in the caller's wallet (another citizen's is not told apart)."""

    type = PROBLEM_BASE + "document-not-found"

    def __init__(self) -> None:
        super().__init__("Không tìm thấy giấy tờ này trong kho của ông/bà.")


class ResultNotFound(NotFound):
    """No signed result under this reference (never issued, or replaced before it was returned)."""

    type = PROBLEM_BASE + "result-not-found"
    title = "Không tìm thấy kết quả"
    title_en = "Result not found"
    default_detail_en = "No result issued by the platform has this reference."

    def __init__(self) -> None:
        super().__init__("Không tìm thấy kết quả nào do nền tảng ban hành với mã này.")


class DocumentKept(Conflict):
    """The document cannot leave the wallet: it is a public record, or its dossier is being decided."""

    type = PROBLEM_BASE + "document-kept"
    title = "Không xóa được giấy tờ"
    title_en = "Document kept"
