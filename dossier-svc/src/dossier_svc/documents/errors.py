"""Errors of document uploads."""

from __future__ import annotations

from motcua_shared.chassis.errors import PROBLEM_BASE, DomainError


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
