"""Domain errors of payments, each carrying its HTTP status and problem type."""

from __future__ import annotations

from motcua_shared.chassis.errors import PROBLEM_BASE, Conflict, DomainError, NotFound, Unprocessable


class PaymentNotFound(NotFound):
    """No such payment, or not one the caller may see (the two are not told apart)."""

    type = PROBLEM_BASE + "payment-not-found"

    def __init__(self) -> None:
        super().__init__("Không tìm thấy khoản thanh toán.")


class IllegalTransition(Conflict):
    """The payment's state does not allow this."""

    type = PROBLEM_BASE + "payment-state"

    def __init__(self, current: str, wanted: str) -> None:
        super().__init__(
            f"Khoản thanh toán đang ở trạng thái '{current}', không thể chuyển sang '{wanted}'.",
            errors=[{"field": "status", "current": current, "wanted": wanted}],
        )
        self.current = current
        self.wanted = wanted


class IdempotencyKeyReused(Conflict):
    """The same `Idempotency-Key` came with another request body."""

    type = PROBLEM_BASE + "idempotency-key-reused"

    def __init__(self) -> None:
        super().__init__("Idempotency-Key này đã được dùng cho một yêu cầu khác.")


class IdempotencyKeyMissing(DomainError):
    """A POST that moves money came without an `Idempotency-Key`."""

    status = 400
    type = PROBLEM_BASE + "idempotency-key-missing"
    title = "Thiếu Idempotency-Key"

    def __init__(self) -> None:
        super().__init__(
            "Yêu cầu này cần tiêu đề Idempotency-Key (1–255 ký tự).",
            errors=[{"field": "Idempotency-Key", "in": "header", "message": "required"}],
        )


class RefundTooLarge(Unprocessable):
    """A refund would return more than was paid."""

    type = PROBLEM_BASE + "refund-exceeds-payment"

    def __init__(self, refundable: int) -> None:
        super().__init__(
            f"Số tiền hoàn vượt quá số còn có thể hoàn ({refundable} đồng).",
            errors=[{"field": "amount", "message": f"at most {refundable}", "code": "too_large"}],
        )


class SlipRejected(Unprocessable):
    """An uploaded slip is not an acceptable file."""

    type = PROBLEM_BASE + "slip-invalid"


class NothingToReview(Conflict):
    """No slip awaits a decision."""

    type = PROBLEM_BASE + "slip-none"

    def __init__(self) -> None:
        super().__init__("Không có chứng từ chuyển khoản nào đang chờ xác nhận.")


class BadSignature(DomainError):
    """A provider message whose signature, merchant or timestamp does not hold: refused, nothing changed."""

    status = 400
    type = PROBLEM_BASE + "bad-signature"
    title = "Chữ ký không hợp lệ"
