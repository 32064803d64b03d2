"""Sign-in failures, each with its own problem type so that clients (and tests) can tell them apart.

None of them says whether an account, phone or client exists.
"""

from __future__ import annotations

from motcua_shared.chassis.errors import PROBLEM_BASE, Forbidden, Unauthenticated


class InvalidGrant(Unauthenticated):
    """The code, password, secret or refresh token is wrong or unknown."""

    type = PROBLEM_BASE + "invalid-grant"
    title = "Thông tin đăng nhập không đúng"
    title_en = "Invalid credentials"


class WrongOtp(InvalidGrant):
    """A wrong code; the challenge counts the attempt."""

    type = PROBLEM_BASE + "otp-wrong"
    title = "Mã OTP không đúng"
    title_en = "Wrong OTP code"

    def __init__(self, attempts_left: int) -> None:
        super().__init__(f"Mã OTP không đúng; còn {attempts_left} lần thử.")
        self.attempts_left = attempts_left


class OtpExpired(InvalidGrant):
    """The code's five minutes are over."""

    type = PROBLEM_BASE + "otp-expired"
    title = "Mã OTP đã hết hạn"
    title_en = "OTP code expired"

    def __init__(self) -> None:
        super().__init__("Mã OTP đã hết hạn; vui lòng yêu cầu mã mới.")


class OtpLocked(InvalidGrant):
    """The code was used already, or too many wrong codes were tried."""

    type = PROBLEM_BASE + "otp-locked"
    title = "Mã OTP không còn hiệu lực"
    title_en = "OTP code no longer valid"

    def __init__(self) -> None:
        super().__init__("Mã OTP đã được dùng hoặc đã nhập sai quá số lần cho phép; vui lòng yêu cầu mã mới.")


class RefreshReused(InvalidGrant):
    """A refresh token was presented a second time: its whole family is revoked."""

    type = PROBLEM_BASE + "refresh-reused"
    title = "Mã làm mới đã được sử dụng"
    title_en = "Refresh token already used"

    def __init__(self) -> None:
        super().__init__("Mã làm mới đã được dùng trước đó; mọi phiên từ lần đăng nhập này đã bị thu hồi.")


class RefreshExpired(InvalidGrant):
    """The refresh token's life is over, or its family was revoked."""

    type = PROBLEM_BASE + "refresh-expired"
    title = "Phiên đăng nhập đã kết thúc"
    title_en = "Session ended"

    def __init__(self) -> None:
        super().__init__("Phiên đăng nhập đã hết hạn hoặc đã bị thu hồi; vui lòng đăng nhập lại.")


class ScopeNotAllowed(Forbidden):
    """An integrator asked for a scope it was not granted."""

    type = PROBLEM_BASE + "invalid-scope"
    title = "Phạm vi không được cấp"
    title_en = "Scope not granted"
