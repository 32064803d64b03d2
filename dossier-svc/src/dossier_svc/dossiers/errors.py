"""Errors of the dossier lifecycle."""

from __future__ import annotations

from motcua_shared.chassis.errors import (
    PROBLEM_BASE,
    Conflict,
    Forbidden,
    NotFound,
    Unprocessable,
)


class DossierNotFound(NotFound):
    """No such dossier, or not the caller's to see (the two answer alike)."""

    def __init__(self) -> None:
        super().__init__("Không tìm thấy hồ sơ.")


class IllegalAction(Conflict):
    """The action is not allowed in the dossier's current state."""

    type = PROBLEM_BASE + "illegal-action"
    title = "Thao tác không hợp lệ ở trạng thái hiện tại"
    title_en = "Action not allowed in the current state"


class GuardRefused(Conflict):
    """The action is allowed in this state, but a condition is not met yet (e.g. the fee is unpaid)."""

    type = PROBLEM_BASE + "precondition-unmet"
    title = "Chưa đủ điều kiện thực hiện thao tác"
    title_en = "Precondition not met"


class ActionForbidden(Forbidden):
    """The caller's party may not perform this action on this dossier."""


class StaleDossier(Conflict):
    """Someone else changed the dossier at the same moment; read it again and retry."""

    type = PROBLEM_BASE + "concurrent-change"
    title = "Hồ sơ vừa được thay đổi"
    title_en = "The dossier was just changed"


class InvalidDossier(Unprocessable):
    """The dossier's content breaks a rule of its procedure."""


class AlreadyRated(Conflict):
    """The dossier was rated already."""
