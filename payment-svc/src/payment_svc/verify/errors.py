"""Errors of paper verification."""

from __future__ import annotations

from motcua_shared.chassis.errors import PROBLEM_BASE, NotFound, Unprocessable


class NotAPdfFile(Unprocessable):
    """The uploaded file is not a readable PDF (or is too large to be one of our papers)."""

    type = PROBLEM_BASE + "not-a-pdf"
    title = "Tệp không phải PDF"
    title_en = "Not a PDF"
    default_detail_en = "The uploaded file is not a readable PDF paper."


class PaperNotFound(NotFound):
    """No paper the platform issued answers to this reference."""

    type = PROBLEM_BASE + "paper-not-found"
    title = "Không tìm thấy giấy tờ"
    title_en = "Paper not found"
    default_detail_en = "No paper issued by the platform has this reference."

    def __init__(self) -> None:
        super().__init__("Không tìm thấy giấy tờ nào do hệ thống phát hành với mã này.")
