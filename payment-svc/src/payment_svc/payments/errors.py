"""Domain errors of payments, each carrying its HTTP status and problem type."""

from __future__ import annotations

from enum import StrEnum

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


class RefundTooLarge(Unprocessable):
    """A refund would return more than was paid."""

    type = PROBLEM_BASE + "refund-exceeds-payment"

    def __init__(self, refundable: int) -> None:
        super().__init__(
            f"Số tiền hoàn vượt quá số còn có thể hoàn ({refundable} đồng).",
            errors=[{"field": "amount", "message": f"at most {refundable}", "code": "too_large"}],
        )


class RefundNotFound(NotFound):
    """No such refund on this payment."""

    type = PROBLEM_BASE + "refund-not-found"

    def __init__(self) -> None:
        super().__init__("Không tìm thấy khoản hoàn tiền này.")


class RefundDecided(Conflict):
    """A proposed refund was already approved or declined."""

    type = PROBLEM_BASE + "refund-decided"

    def __init__(self, status: str) -> None:
        super().__init__(
            f"Đề nghị hoàn tiền này đã được quyết định (trạng thái '{status}').",
            errors=[{"field": "status", "current": status}],
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
    title_en = "Invalid signature"


class RenewalRefusal(StrEnum):
    """Why a payment request cannot be renewed (the `reason` of the 409's error entry)."""

    STILL_PAYABLE = "still_payable"
    """It is pending and not yet expired: pay it."""
    SUPERSEDED = "superseded"
    """A newer request of the same fee exists: renew or pay that one."""
    PAID = "paid"
    """The fee was paid (by this request or another one)."""
    DOSSIER_ENDED = "dossier_ended"
    """The dossier was withdrawn, refused or stopped: it owes nothing any more."""


_REFUSALS = {
    RenewalRefusal.STILL_PAYABLE: "Yêu cầu thanh toán này vẫn còn hạn; hãy thanh toán yêu cầu này.",
    RenewalRefusal.SUPERSEDED: "Đã có yêu cầu thanh toán mới hơn cho khoản phí này.",
    RenewalRefusal.PAID: "Khoản phí này đã được thanh toán.",
    RenewalRefusal.DOSSIER_ENDED: (
        "Hồ sơ đã được rút, bị từ chối hoặc đã dừng xử lý; không còn phải nộp khoản phí này."
    ),
}


class NotRenewable(Conflict):
    """The payment request cannot be renewed; ``reason`` says why, ``current`` names the fee's current request
    (newer or paid) when there is one."""

    type = PROBLEM_BASE + "payment-not-renewable"

    def __init__(self, reason: RenewalRefusal, *, current: str | None = None) -> None:
        entry: dict[str, str] = {"field": "payment_id", "reason": reason.value}
        if current is not None:
            entry["current_payment_id"] = current
        super().__init__(_REFUSALS[reason], errors=[entry])
        self.reason = reason
        self.current = current


class FeeAlreadyPaid(Conflict):
    """Late money cannot be accepted for a fee another request already collected: it must be refunded."""

    type = PROBLEM_BASE + "fee-already-paid"

    def __init__(self, paid_by: str) -> None:
        super().__init__(
            "Khoản phí này đã được thanh toán qua một yêu cầu khác; giao dịch này cần được hoàn lại.",
            errors=[{"field": "payment_id", "paid_by": paid_by}],
        )
        self.paid_by = paid_by
