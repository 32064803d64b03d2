"""Errors of the inbound SMS webhook: refused before anything is read or changed.

403, not 401: the provider's signature is not the caller's credentials (a caller with a valid token is never
told 401 on this platform), it proves the message came from the provider."""

from __future__ import annotations

from motcua_shared.chassis.errors import PROBLEM_BASE, Forbidden, NotFound


class BadSmsSignature(Forbidden):
    """The message is not signed with the provider's key (or its signature headers are missing)."""

    type = PROBLEM_BASE + "bad-sms-signature"
    title = "Chữ ký tin nhắn không hợp lệ"
    title_en = "Invalid message signature"
    default_detail_en = "The message is not signed with the SMS provider's key."


class StaleSmsMessage(Forbidden):
    """A correctly signed message whose timestamp is outside the window: a replay, or a clock far off."""

    type = PROBLEM_BASE + "stale-sms-message"
    title = "Tin nhắn quá hạn"
    title_en = "Stale message"
    default_detail_en = "The message's signed timestamp is outside the accepted window (a replay?)."


class SandboxPhoneDisabled(NotFound):
    """There is no sandbox phone under production settings (answered as a plain 404)."""

    def __init__(self) -> None:
        super().__init__("Không có điện thoại thử nghiệm ở cấu hình này.")
