"""Inbox errors."""

from __future__ import annotations

from motcua_shared.chassis.errors import PROBLEM_BASE, NotFound, Unauthenticated


class UnknownNotification(NotFound):
    """No such notification in the caller's inboxes."""


class InvalidStreamTicket(Unauthenticated):
    """A stream ticket that is unknown (forged), already used or expired."""

    type = PROBLEM_BASE + "invalid-stream-ticket"
    title = "Vé kết nối luồng sự kiện không hợp lệ"
    title_en = "Invalid stream ticket"
