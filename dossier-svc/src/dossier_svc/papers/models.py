"""The forms of Phụ lục I, Thông tư 03/2025/TT-VPCP this service issues, and which moment of a dossier's
history issues each one. Pure; no I/O."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from dossier_svc.dossiers.models import TimelineEntry
from dossier_svc.dossiers.workflow import RUNNING, Action, State

CIRCULAR = "Thông tư số 03/2025/TT-VPCP"


class Paper(StrEnum):
    """A dossier's forms (Mẫu số 01–06); the register (Mẫu số 07) is per unit, not per dossier."""

    RECEIPT = "receipt"
    SUPPLEMENT_REQUEST = "supplement-request"
    REFUSAL = "refusal"
    APOLOGY = "apology"
    STOP = "stop"
    CONTROL = "control"


REGISTER_FORM = "07"
REGISTER_TITLE = "SỔ THEO DÕI HỒ SƠ"

FORM_NUMBERS = {
    Paper.RECEIPT: "01",
    Paper.SUPPLEMENT_REQUEST: "02",
    Paper.REFUSAL: "03",
    Paper.APOLOGY: "04",
    Paper.STOP: "05",
    Paper.CONTROL: "06",
}
TITLES = {
    Paper.RECEIPT: "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
    Paper.SUPPLEMENT_REQUEST: "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ",
    Paper.REFUSAL: "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ",
    Paper.APOLOGY: "VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT",
    Paper.STOP: "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ",
    Paper.CONTROL: "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ",
}
SYMBOLS = {
    Paper.RECEIPT: "TNHS",
    Paper.SUPPLEMENT_REQUEST: "YCBS",
    Paper.REFUSAL: "TCHS",
    Paper.APOLOGY: "XLGH",
    Paper.STOP: "DGQ",
    Paper.CONTROL: "KSQT",
}
"""The symbol after the number on the "Số: …" line (ours: the circular leaves numbering to the unit)."""

A5 = (148.0, 210.0)
A4 = (210.0, 297.0)
SIZES = {paper: A5 for paper in Paper} | {Paper.CONTROL: A4}
"""Paper sizes in millimetres, portrait: 01–05 are A5 notes for the applicant, 06 rides with the dossier on
A4; the register (07) is A4 landscape."""

_PROCESSING = frozenset(s.value for s in (*RUNNING, State.SUPPLEMENT_REQUESTED))


def issues_paper(paper: Paper, entry: TimelineEntry) -> bool:
    """Whether ``entry`` is the moment a ``paper`` was issued.

    01 at receipt; 02 at each supplement request; 03 when an officer refuses the dossier; 04 at each
    extension; 05 when processing stops without a result at the applicant's request (withdrawal after
    receipt) or because the supplement never came (the national status "Dừng xử lý"); 06 exists from receipt
    on and is kept up to date, so its moment is the receipt.
    """
    action = entry.action
    if paper in (Paper.RECEIPT, Paper.CONTROL):
        return action == Action.RECEIVE.value
    if paper is Paper.SUPPLEMENT_REQUEST:
        return action == Action.REQUEST_SUPPLEMENT.value
    if paper is Paper.REFUSAL:
        return action == Action.REJECT.value
    if paper is Paper.APOLOGY:
        return action == Action.EXTEND_DEADLINE.value
    return action == Action.EXPIRE_SUPPLEMENT.value or (
        action == Action.WITHDRAW.value and entry.from_status in _PROCESSING
    )


@dataclass(frozen=True)
class Issue:
    """One paper as issued: the timeline entry that issued it, its ordinal among its kind (1-based), and the
    history up to and including that moment (what the paper may say)."""

    paper: Paper
    entry: TimelineEntry
    ordinal: int
    history: Sequence[TimelineEntry]

    @property
    def number(self) -> str:
        """What the "Số: …" line carries."""
        return f"{self.ordinal:02d}/{SYMBOLS[self.paper]}"


def find_issue(paper: Paper, history: Sequence[TimelineEntry], ordinal: int | None) -> Issue | None:
    """The ``ordinal``-th ``paper`` issued in ``history`` (oldest first); the latest when ``ordinal`` is None.

    The control sheet (06) records the whole process, so its history runs to the end.
    """
    moments = [i for i, entry in enumerate(history) if issues_paper(paper, entry)]
    if not moments:
        return None
    index = len(moments) if ordinal is None else ordinal
    if not 1 <= index <= len(moments):
        return None
    at = moments[index - 1]
    upto = history if paper is Paper.CONTROL else history[: at + 1]
    return Issue(paper=paper, entry=history[at], ordinal=index, history=upto)
