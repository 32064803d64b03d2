"""The default templates: version 1 of every (code, channel), seeded when missing, then editable.

Texts are ours, in Vietnamese with full diacritics, addressing the citizen as the papers do ("ông/bà").
SMS texts are written with diacritics too; the SMS channel removes them when sending unless configured not
to, and every default SMS fits two segments whatever the values (free text is cut with ``rut``; see the
README). Every template sees the event's own fields plus ``name``, ``procedure_name``, ``agency_name`` (from
the dossier's contact) and ``link`` (the deployment's look-up page, `NOTIFY_SMS__LINK`).
"""

from __future__ import annotations

from dataclasses import dataclass

from motcua_shared.contracts.dossier import (
    DossierApproved,
    DossierDeadlineExtended,
    DossierDueSoon,
    DossierForwarded,
    DossierLookupAnswered,
    DossierOverdue,
    DossierReceived,
    DossierRejected,
    DossierResultReturned,
    DossierSubmitted,
    DossierSupplemented,
    DossierSupplementRequested,
    DossierWithdrawn,
)
from motcua_shared.contracts.identity import OtpRequested
from motcua_shared.contracts.notify import NotifyChannel
from motcua_shared.contracts.payment import (
    PaymentExpired,
    PaymentFailed,
    PaymentRefunded,
    PaymentRefundProposed,
    PaymentRequested,
    PaymentSucceeded,
)

SMS, EMAIL, PUSH, IN_APP = NotifyChannel.SMS, NotifyChannel.EMAIL, NotifyChannel.PUSH, NotifyChannel.IN_APP
ALL = frozenset({SMS, EMAIL, PUSH, IN_APP})
NO_SMS = frozenset({EMAIL, PUSH, IN_APP})

EMAIL_OPENING = "Kính gửi {{ name }},\n\n"
EMAIL_CLOSING = (
    "\n\nTrân trọng,\n{{ agency_name }}\n\n"
    "Thư này được gửi tự động từ Cổng dịch vụ công motcua, vui lòng không trả lời thư."
)


@dataclass(frozen=True, slots=True)
class TemplateSpec:
    """One notification kind: its code, the event it answers, its channels and its default texts."""

    code: str
    event_type: str
    channels: frozenset[NotifyChannel]
    title: str
    text: str
    sms: str | None = None
    email_more: str = ""
    mandatory: bool = False
    """A legally required notice (or the OTP): sent even on channels the person switched off."""
    prompt: bool = False
    """It asks the citizen to act (supplement, pay, collect the result) or answers what they just did (the
    sign-in code): quiet hours never hold it back, or they would learn it only in the morning."""

    def default(self, channel: NotifyChannel) -> tuple[str | None, str]:
        """Subject and body of version 1 for ``channel``."""
        if channel is SMS:
            return None, self.sms or self.text
        if channel is EMAIL:
            more = f"\n\n{self.email_more}" if self.email_more else ""
            return self.title, EMAIL_OPENING + self.text + more + EMAIL_CLOSING
        return self.title, self.text


CITIZEN: tuple[TemplateSpec, ...] = (
    TemplateSpec(
        "dossier.submitted",
        DossierSubmitted.TYPE,
        NO_SMS,
        "Đã nộp hồ sơ {{ dossier_code }}",
        "Hồ sơ {{ procedure_name }} của ông/bà đã được gửi tới {{ agency_name }} với mã {{ dossier_code }} "
        "và đang chờ tiếp nhận.",
        email_more="Vui lòng giữ mã hồ sơ để tra cứu tình trạng giải quyết."
        "{% if fee_total %} Phí, lệ phí phải nộp: {{ fee_total|vnd }}.{% endif %}",
    ),
    TemplateSpec(
        "dossier.received",
        DossierReceived.TYPE,
        ALL,
        "Hồ sơ {{ dossier_code }} đã được tiếp nhận",
        "{{ agency_name }} đã tiếp nhận hồ sơ {{ dossier_code }} ({{ procedure_name }}). "
        "Ngày hẹn trả kết quả: {{ due_at|ngay }}.",
        sms="Hồ sơ {{ dossier_code }} đã được tiếp nhận. Hẹn trả kết quả {{ due_at|ngay }}. "
        "Tra cứu tại {{ link }}",
    ),
    TemplateSpec(
        "dossier.supplement_requested",
        DossierSupplementRequested.TYPE,
        ALL,
        "Cần bổ sung hồ sơ {{ dossier_code }}",
        "{{ agency_name }} đề nghị bổ sung hồ sơ {{ dossier_code }}: {{ reason }}"
        "{% if respond_by %} Hạn bổ sung: {{ respond_by|ngay }}.{% endif %}",
        sms="Hồ sơ {{ dossier_code }} cần bổ sung: {{ reason|rut(120) }}"
        "{% if respond_by %} Hạn {{ respond_by|ngay }}.{% endif %} Chi tiết: {{ link }}",
        email_more="Thời gian bổ sung hồ sơ không tính vào thời hạn giải quyết.",
        mandatory=True,
        prompt=True,
    ),
    TemplateSpec(
        "dossier.supplemented",
        DossierSupplemented.TYPE,
        NO_SMS,
        "Đã nhận hồ sơ bổ sung {{ dossier_code }}",
        "Hồ sơ {{ dossier_code }} đã được bổ sung và tiếp tục được giải quyết. "
        "Ngày hẹn trả kết quả: {{ due_at|ngay }}.",
    ),
    TemplateSpec(
        "dossier.forwarded",
        DossierForwarded.TYPE,
        frozenset({IN_APP}),
        "Hồ sơ {{ dossier_code }} chuyển bước xử lý",
        "Hồ sơ {{ dossier_code }} đang ở bước {{ step_order }}/{{ step_count }}: {{ step_name }}.",
    ),
    TemplateSpec(
        "dossier.result_ready",
        DossierApproved.TYPE,
        ALL,
        "Đã có kết quả hồ sơ {{ dossier_code }}",
        "Hồ sơ {{ dossier_code }} ({{ procedure_name }}) đã có kết quả"
        "{% if result %}: {{ result }}{% endif %}. Mời ông/bà nhận kết quả theo hình thức đã đăng ký.",
        sms="Hồ sơ {{ dossier_code }} đã có kết quả. Mời ông/bà nhận kết quả theo hình thức đã đăng ký. "
        "Tra cứu tại {{ link }}",
        prompt=True,
    ),
    TemplateSpec(
        "dossier.rejected",
        DossierRejected.TYPE,
        NO_SMS,
        "Hồ sơ {{ dossier_code }} không được giải quyết",
        "{{ agency_name }} từ chối giải quyết hồ sơ {{ dossier_code }}. Lý do: {{ reason }}",
        mandatory=True,
    ),
    TemplateSpec(
        "dossier.result_returned",
        DossierResultReturned.TYPE,
        NO_SMS,
        "Đã trả kết quả hồ sơ {{ dossier_code }}",
        "Hồ sơ {{ dossier_code }} đã hoàn thành và trả kết quả. "
        "Mời ông/bà đánh giá mức độ hài lòng về việc giải quyết hồ sơ.",
    ),
    TemplateSpec(
        "dossier.withdrawn",
        DossierWithdrawn.TYPE,
        frozenset({IN_APP, EMAIL}),
        "Đã rút hồ sơ {{ dossier_code }}",
        "Hồ sơ {{ dossier_code }} đã được rút theo yêu cầu của ông/bà.",
    ),
    TemplateSpec(
        "dossier.deadline_extended",
        DossierDeadlineExtended.TYPE,
        ALL,
        "{% if occurred_at >= previous_due_at %}Thư xin lỗi: hồ sơ {{ dossier_code }} trễ hẹn"
        "{% else %}Hẹn lại ngày trả kết quả hồ sơ {{ dossier_code }}{% endif %}",
        "{% if occurred_at >= previous_due_at %}{{ agency_name }} xin lỗi ông/bà vì hồ sơ {{ dossier_code }} "
        "đã quá hẹn trả kết quả {{ previous_due_at|ngay }}."
        "{% else %}{{ agency_name }} thông báo hồ sơ {{ dossier_code }} không thể trả kết quả vào "
        "{{ previous_due_at|ngay }} như đã hẹn.{% endif %} Lý do: {{ reason }} "
        "Thời gian hẹn trả kết quả mới: {{ due_at|ngay }}.",
        sms="{% if occurred_at >= previous_due_at %}Xin lỗi ông/bà: hồ sơ {{ dossier_code }} đã trễ hẹn. "
        "{% else %}Hồ sơ {{ dossier_code }} được hẹn lại ngày trả kết quả. {% endif %}"
        "Hẹn mới {{ due_at|ngay }}. Lý do: {{ reason|rut(70) }} Tra cứu tại {{ link }}",
        mandatory=True,
    ),
    TemplateSpec(
        "payment.requested",
        PaymentRequested.TYPE,
        ALL,
        "Thanh toán phí, lệ phí hồ sơ {{ dossier_code }}",
        "Hồ sơ {{ dossier_code }} cần thanh toán {{ amount|vnd }}. Nội dung chuyển khoản: {{ reference }}."
        "{% if expires_at %} Hạn thanh toán: {{ expires_at|ngay }}.{% endif %}",
        sms="Hồ sơ {{ dossier_code }} cần thanh toán {{ amount|vnd }}, "
        "nội dung chuyển khoản {{ reference }}.",
        prompt=True,
    ),
    TemplateSpec(
        "payment.succeeded",
        PaymentSucceeded.TYPE,
        NO_SMS,
        "Đã thanh toán {{ amount|vnd }}",
        "Đã nhận thanh toán {{ amount|vnd }} cho hồ sơ {{ dossier_code }}"
        "{% if receipt_number %}, biên lai số {{ receipt_number }}{% endif %}.",
    ),
    TemplateSpec(
        "payment.failed",
        PaymentFailed.TYPE,
        frozenset({IN_APP, PUSH}),
        "Thanh toán chưa thành công",
        "Giao dịch thanh toán {{ amount|vnd }} cho hồ sơ {{ dossier_code }} chưa thành công. "
        "Ông/bà có thể thanh toán lại.",
    ),
    TemplateSpec(
        "payment.expired",
        PaymentExpired.TYPE,
        frozenset({IN_APP, EMAIL}),
        "Yêu cầu thanh toán đã hết hạn",
        "Yêu cầu thanh toán {{ amount|vnd }} cho hồ sơ {{ dossier_code }} đã hết hạn.",
    ),
    TemplateSpec(
        "payment.refund_proposed",
        PaymentRefundProposed.TYPE,
        NO_SMS,
        "Đề nghị hoàn tiền hồ sơ {{ dossier_code }}",
        "Hồ sơ {{ dossier_code }} {{ 'bị từ chối' if cause == 'rejected' else 'đã được rút' }} "
        "sau khi đã nộp phí, lệ phí: khoản {{ proposed_amount|vnd }} được đề nghị hoàn lại "
        "và đang chờ cán bộ phê duyệt.",
    ),
    TemplateSpec(
        "payment.refunded",
        PaymentRefunded.TYPE,
        NO_SMS,
        "Đã hoàn tiền {{ refunded_amount|vnd }}",
        "Đã hoàn {{ refunded_amount|vnd }} cho hồ sơ {{ dossier_code }}. Lý do: {{ reason }}",
    ),
)

OTP = TemplateSpec(
    "identity.otp",
    OtpRequested.TYPE,
    frozenset({SMS}),
    "Mã xác thực",
    "{{ code }} là mã xác thực đăng nhập Cổng dịch vụ công của ông/bà, có hiệu lực {{ ttl_minutes }} phút. "
    "Không chia sẻ mã này với bất kỳ ai.",
    mandatory=True,
    prompt=True,
)

LOOKUP_REPLY = TemplateSpec(
    "dossier.lookup_answered",
    DossierLookupAnswered.TYPE,
    frozenset({SMS}),
    "Trả lời tra cứu hồ sơ",
    "{% if outcome == 'found' %}Hồ sơ {{ dossier_code }}: {{ status_label }}."
    "{% if due_at %} Hẹn trả kết quả {{ due_at|ngay }}.{% endif %} {{ next_step|rut(80) }}"
    "{% elif outcome == 'not_found' %}Không tìm thấy hồ sơ với mã và thông tin xác minh đã gửi. "
    "Ông/bà kiểm tra lại mã hồ sơ và 4 số cuối điện thoại hoặc mã tra cứu trên giấy biên nhận."
    "{% elif outcome == 'limited' %}Ông/bà đã tra cứu quá nhiều lần. Vui lòng thử lại sau, "
    "hoặc dùng mã tra cứu in trên giấy biên nhận."
    "{% else %}Để tra cứu hồ sơ, soạn: TRACUU <mã hồ sơ> <4 số cuối điện thoại hoặc mã tra cứu>."
    "{% endif %} Tra cứu tại {{ link }}",
    mandatory=True,
    prompt=True,
)
"""The answer to a look-up by SMS, to the phone that asked: status, due date and next step, or the same
refusal for an unknown code and a wrong proof."""

AGENCY: tuple[TemplateSpec, ...] = (
    TemplateSpec(
        "agency.dossier_submitted",
        DossierSubmitted.TYPE,
        frozenset({IN_APP}),
        "Hồ sơ mới {{ dossier_code }}",
        "Có hồ sơ mới chờ tiếp nhận: {{ dossier_code }} – {{ procedure_name }}.",
    ),
    TemplateSpec(
        "agency.dossier_forwarded",
        DossierForwarded.TYPE,
        frozenset({IN_APP}),
        "Hồ sơ {{ dossier_code }} được chuyển đến",
        "Hồ sơ {{ dossier_code }} được chuyển đến đơn vị ở bước {{ step_name }}"
        "{% if step_due_at %}, hạn xử lý {{ step_due_at|ngay }}{% endif %}.",
    ),
    TemplateSpec(
        "agency.dossier_supplemented",
        DossierSupplemented.TYPE,
        frozenset({IN_APP}),
        "Hồ sơ {{ dossier_code }} đã được bổ sung",
        "Người nộp đã bổ sung hồ sơ {{ dossier_code }}; hồ sơ tiếp tục được giải quyết, "
        "hẹn trả kết quả {{ due_at|ngay }}.",
    ),
    TemplateSpec(
        "agency.dossier_withdrawn",
        DossierWithdrawn.TYPE,
        frozenset({IN_APP}),
        "Hồ sơ {{ dossier_code }} đã bị rút",
        "Người nộp đã rút hồ sơ {{ dossier_code }}.",
    ),
    TemplateSpec(
        "agency.refund_proposed",
        PaymentRefundProposed.TYPE,
        frozenset({IN_APP}),
        "Đề nghị hoàn tiền chờ duyệt: {{ dossier_code }}",
        "Hồ sơ {{ dossier_code }} {{ 'bị từ chối' if cause == 'rejected' else 'đã được rút' }} "
        "sau khi đã nộp {{ proposed_amount|vnd }}: đề nghị hoàn tiền {{ refund_id }} "
        "chờ cán bộ phê duyệt hoặc từ chối.",
    ),
    TemplateSpec(
        "agency.dossier_due_soon",
        DossierDueSoon.TYPE,
        frozenset({IN_APP}),
        "Hồ sơ {{ dossier_code }} sắp đến hạn",
        "Hồ sơ {{ dossier_code }}{% if step_name %} (bước {{ step_name }}){% endif %} đến hạn lúc "
        "{{ due_at|ngay }}; còn chưa đầy một ngày làm việc.",
    ),
    TemplateSpec(
        "agency.dossier_overdue",
        DossierOverdue.TYPE,
        frozenset({IN_APP}),
        "Hồ sơ {{ dossier_code }} đã quá hạn",
        "Hồ sơ {{ dossier_code }} đã quá hạn giải quyết từ {{ due_at|ngay }}.",
    ),
)

SPECS: dict[str, TemplateSpec] = {spec.code: spec for spec in (*CITIZEN, OTP, LOOKUP_REPLY, *AGENCY)}
