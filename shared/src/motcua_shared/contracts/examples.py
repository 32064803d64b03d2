"""One illustrative instance of every event type, for the AsyncAPI document and for tests.

The story: a birth registration (procedure ``1.001193``) filed late at a commune-level agency of Huế,
with an 8,000 VND charge. Names, codes and numbers are illustrative; they are not catalogue data.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from motcua_shared.chassis.clock import PLATFORM_TZ
from motcua_shared.contracts import topics
from motcua_shared.contracts.base import CloudEvent, Event
from motcua_shared.contracts.catalog import (
    AdminLevel,
    AgencyRef,
    ApplicantKind,
    ChannelTerms,
    FieldRef,
    OnlineMode,
    ProcedureCase,
    ProcedureFeeItem,
    ProcedurePublished,
    ProcedureSnapshot,
    ProcedureStep,
    ProcedureWithdrawn,
    RequiredDocument,
)
from motcua_shared.contracts.common import Actor, ActorRole, Channel, Contact, FeeItem, FeeKind, FeeTiming
from motcua_shared.contracts.dossier import (
    DossierApproved,
    DossierDeadlineExtended,
    DossierDueSoon,
    DossierForwarded,
    DossierLookupAnswered,
    DossierOverdue,
    DossierRated,
    DossierReceived,
    DossierRejected,
    DossierResultReturned,
    DossierStatus,
    DossierSubmitted,
    DossierSupplemented,
    DossierSupplementRequested,
    DossierWithdrawn,
    LookupOutcome,
    Rating,
    Timeliness,
)
from motcua_shared.contracts.identity import OtpPurpose, OtpRequested
from motcua_shared.contracts.notify import NotificationFailed, NotificationSent, NotifyChannel
from motcua_shared.contracts.payment import (
    PaymentExpired,
    PaymentFailed,
    PaymentMethod,
    PaymentRefunded,
    PaymentRefundProposed,
    PaymentRequested,
    PaymentSucceeded,
    RefundCause,
)

T0 = datetime(2025, 8, 4, 8, 15, tzinfo=PLATFORM_TZ)
"""The moment the story starts (a Monday morning, Huế time)."""

EXAMPLE_SUMMARY = "A late birth registration at a commune-level agency of Huế (illustrative data)."
_EXAMPLE_IDS = uuid.UUID("6f1c2a8e-3b5d-4e7f-9a10-2b3c4d5e6f70")

AGENCY = AgencyRef(code="hue.xa.thuan-hoa", name="Ủy ban nhân dân phường Thuận Hóa", electronic_id=None)
"""The ward as the catalogue names it: no source gives its electronic identifier (Quyết định 20/2020/QĐ-TTg;
only the city's, 000.00.00.H57, is known), so its platform code stands in, in its dossier codes too."""
DOSSIER_CODE = "hue.xa.thuan-hoa-250804-0118"
APPLICANT_ID = "citizen-7f3a9c"
OFFICER = Actor(id="officer-thuanhoa-01", role=ActorRole.OFFICER, agency_code=AGENCY.code)
APPLICANT = Actor(id=APPLICANT_ID, role=ActorRole.CITIZEN)
SYSTEM = Actor(id="system", role=ActorRole.SYSTEM)
LATE_CHARGE = FeeItem(name="Lệ phí đăng ký khai sinh không đúng hạn", kind=FeeKind.LE_PHI, amount=8_000)


def procedure() -> ProcedureSnapshot:
    """The procedure of the story, as catalog-svc publishes it."""
    free = ChannelTerms(channel=Channel.ONLINE, processing_days=0)
    charged = (
        ProcedureFeeItem(
            name=LATE_CHARGE.name,
            kind=FeeKind.LE_PHI,
            amount=LATE_CHARGE.amount,
            exemption="Miễn cho người thuộc gia đình có công với cách mạng, hộ nghèo, người khuyết tật.",
        ),
    )
    return ProcedureSnapshot(
        code="1.001193",
        version=3,
        name="Đăng ký khai sinh",
        field=FieldRef(code="hotich", name="Hộ tịch"),
        levels=(AdminLevel.COMMUNE,),
        implementing_agency=AGENCY,
        online_level=4,
        online_mode=OnlineMode.FULL,
        applicant_kinds=(ApplicantKind.CITIZEN,),
        cases=(
            ProcedureCase(
                code="dung-han",
                name="Đăng ký khai sinh đúng hạn",
                channels=(free, free.model_copy(update={"channel": Channel.COUNTER})),
            ),
            ProcedureCase(
                code="khong-dung-han",
                name="Đăng ký khai sinh không đúng hạn",
                channels=(
                    ChannelTerms(channel=Channel.ONLINE, processing_days=1, fee_items=charged),
                    ChannelTerms(channel=Channel.COUNTER, processing_days=1, fee_items=charged),
                ),
            ),
        ),
        documents=(
            RequiredDocument(
                code="to-khai",
                name="Tờ khai đăng ký khai sinh",
                originals=1,
                copies=0,
                form_ref="mau-to-khai-dang-ky-khai-sinh",
            ),
            RequiredDocument(code="giay-chung-sinh", name="Giấy chứng sinh", originals=1, copies=0),
        ),
        steps=(
            ProcedureStep(order=1, name="Tiếp nhận hồ sơ", role="one_stop", share_percent=25),
            ProcedureStep(order=2, name="Thẩm định, ghi sổ hộ tịch", role="specialist", share_percent=50),
            ProcedureStep(order=3, name="Ký Giấy khai sinh", role="leader", share_percent=25),
        ),
        fee_timing=FeeTiming.SUBMISSION,
        result="Giấy khai sinh (bản chính)",
        legal_basis=("Luật Hộ tịch số 60/2014/QH13", "Nghị định số 123/2015/NĐ-CP"),
    )


def _dossier(status: DossierStatus, national_status: int, at: datetime, actor: Actor) -> dict[str, Any]:
    return {
        "dossier_code": DOSSIER_CODE,
        "procedure_code": "1.001193",
        "agency_code": AGENCY.code,
        "applicant_id": APPLICANT_ID,
        "status": status,
        "national_status": national_status,
        "occurred_at": at,
        "actor": actor,
    }


def _payment(at: datetime) -> dict[str, Any]:
    return {
        "payment_id": "pay-5d2e81",
        "dossier_code": DOSSIER_CODE,
        "applicant_id": APPLICANT_ID,
        "amount": LATE_CHARGE.amount,
        "occurred_at": at,
    }


def _delivery(at: datetime) -> dict[str, Any]:
    return {
        "delivery_id": "dlv-0c41b7",
        "channel": NotifyChannel.SMS,
        "source_event_id": str(uuid.uuid5(_EXAMPLE_IDS, DossierReceived.TYPE)),
        "source_event_type": DossierReceived.TYPE,
        "recipient_id": APPLICANT_ID,
        "dossier_code": DOSSIER_CODE,
        "template": "dossier.received",
        "template_version": 1,
        "provider": "sandbox-sms",
        "occurred_at": at,
    }


def examples() -> dict[str, Event]:
    """One example event of every type, by type name."""
    minutes = timedelta(minutes=1)
    due = datetime(2025, 8, 5, 8, 15, tzinfo=PLATFORM_TZ)
    events: list[Event] = [
        ProcedurePublished(code="1.001193", version=3, published_at=T0 - 30 * minutes, procedure=procedure()),
        ProcedureWithdrawn(
            code="1.001193",
            version=3,
            withdrawn_at=T0 + timedelta(days=90),
            reason="Thay thế bằng thủ tục liên thông đăng ký khai sinh, thường trú, cấp thẻ BHYT.",
        ),
        DossierSubmitted(
            **_dossier(DossierStatus.SUBMITTED, 1, T0, APPLICANT),
            procedure_version=3,
            procedure_name="Đăng ký khai sinh",
            agency_name=AGENCY.name,
            case_code="khong-dung-han",
            channel=Channel.ONLINE,
            applicant=Contact(name="Trần Thị Thu Hà", phone="+84905123456", email="thuha.tran@example.vn"),
            fee_items=(LATE_CHARGE,),
            fee_total=LATE_CHARGE.payable(),
            fee_timing=FeeTiming.SUBMISSION,
            processing_days=1,
            due_at=due,
        ),
        DossierReceived(
            **_dossier(DossierStatus.RECEIVED, 2, T0 + 20 * minutes, OFFICER),
            due_at=due + 20 * minutes,
            processing_days=1,
        ),
        DossierSupplementRequested(
            **_dossier(DossierStatus.SUPPLEMENT_REQUESTED, 5, T0 + 60 * minutes, OFFICER),
            reason="Giấy chứng sinh chụp mờ, không đọc được họ tên người mẹ.",
            documents=("giay-chung-sinh",),
            respond_by=T0 + timedelta(days=3),
        ),
        DossierSupplemented(
            **_dossier(DossierStatus.IN_PROGRESS, 4, T0 + 120 * minutes, APPLICANT),
            documents=("giay-chung-sinh",),
            due_at=due + 120 * minutes,
        ),
        DossierForwarded(
            **_dossier(DossierStatus.IN_PROGRESS, 4, T0 + 150 * minutes, OFFICER),
            from_agency_code=AGENCY.code,
            to_agency_code=AGENCY.code,
            step_order=3,
            step_count=3,
            step_name="Ký Giấy khai sinh",
            step_due_at=due + 120 * minutes,
            note="Đã thẩm định, đề nghị lãnh đạo ký.",
        ),
        DossierApproved(
            **_dossier(DossierStatus.RESULT_READY, 4, T0 + 180 * minutes, OFFICER),
            result="Giấy khai sinh (bản chính)",
            due_at=due + 120 * minutes,
        ),
        DossierRejected(
            **_dossier(DossierStatus.REJECTED, 3, T0 + 60 * minutes, OFFICER),
            reason="Việc sinh đã được đăng ký tại Ủy ban nhân dân xã khác.",
        ),
        DossierResultReturned(
            **_dossier(DossierStatus.RETURNED, 10, T0 + 240 * minutes, OFFICER),
            due_at=due + 120 * minutes,
            timeliness=Timeliness.EARLY,
        ),
        DossierWithdrawn(
            **_dossier(DossierStatus.WITHDRAWN, 7, T0 + 30 * minutes, APPLICANT),
            reason="Nộp nhầm thủ tục.",
        ),
        DossierDueSoon(
            **_dossier(DossierStatus.IN_PROGRESS, 4, due - timedelta(hours=8), SYSTEM),
            step_order=2,
            step_name="Thẩm định, ghi sổ hộ tịch",
            responsible_agency_code=AGENCY.code,
            due_at=due,
        ),
        DossierOverdue(
            **_dossier(DossierStatus.IN_PROGRESS, 4, due + minutes, SYSTEM),
            step_order=2,
            step_name="Thẩm định, ghi sổ hộ tịch",
            responsible_agency_code=AGENCY.code,
            due_at=due,
        ),
        DossierDeadlineExtended(
            **_dossier(DossierStatus.IN_PROGRESS, 4, due - timedelta(hours=2), OFFICER),
            previous_due_at=due,
            due_at=due + timedelta(days=1),
            reason="Cần xác minh thông tin nơi cư trú của người mẹ với Công an phường.",
        ),
        DossierRated(
            **_dossier(DossierStatus.RETURNED, 10, T0 + timedelta(days=1), APPLICANT),
            rating=Rating.SATISFIED,
            comment="Cán bộ hướng dẫn tận tình, nhận kết quả sớm hơn hẹn.",
        ),
        PaymentRequested(
            **_payment(T0 + minutes),
            procedure_code="1.001193",
            agency_code=AGENCY.code,
            items=(LATE_CHARGE,),
            fee_timing=FeeTiming.SUBMISSION,
            payer=Contact(name="Trần Thị Thu Hà", phone="+84905123456", email="thuha.tran@example.vn"),
            reference="MC5D2E81",
            expires_at=T0 + timedelta(days=1),
        ),
        PaymentSucceeded(
            **_payment(T0 + 10 * minutes),
            provider="sandbox",
            provider_txn_id="SBX-14032718",
            method=PaymentMethod.VIETQR,
            receipt_number="AA-25E-0000118",
        ),
        PaymentFailed(
            **_payment(T0 + 5 * minutes),
            provider="sandbox",
            provider_txn_id="SBX-14032702",
            reason="24: Khách hàng hủy giao dịch",
        ),
        PaymentExpired(**_payment(T0 + timedelta(days=1))),
        PaymentRefundProposed(
            **_payment(T0 + timedelta(days=2) - 5 * minutes),
            refund_id="rfd-91a0",
            proposed_amount=LATE_CHARGE.amount,
            agency_code=AGENCY.code,
            cause=RefundCause.REJECTED,
            reason="Hồ sơ bị từ chối sau khi đã nộp phí: đề nghị hoàn lại khoản đã nộp.",
        ),
        PaymentRefunded(
            **_payment(T0 + timedelta(days=2)),
            refund_id="rfd-91a0",
            refunded_amount=LATE_CHARGE.amount,
            total_refunded=LATE_CHARGE.amount,
            provider="sandbox",
            provider_txn_id="SBX-R-2207",
            reason="Hồ sơ bị từ chối, hoàn lại lệ phí đã nộp.",
            actor=OFFICER,
        ),
        NotificationSent(**_delivery(T0 + 21 * minutes), provider_message_id="sms-88412", segments=2),
        NotificationFailed(
            **_delivery(T0 + 40 * minutes),
            reason="Số thuê bao không liên lạc được",
            attempts=5,
            permanent=True,
        ),
        DossierLookupAnswered(
            message_id="mo-20250805-77120",
            phone="+84905123456",
            outcome=LookupOutcome.FOUND,
            dossier_code=DOSSIER_CODE,
            status_label="Đang xử lý",
            due_at=T0 + timedelta(days=3),
            next_step="Cơ quan đang giải quyết ở bước Thẩm định hồ sơ.",
            answered_at=T0 + timedelta(days=1),
        ),
        OtpRequested(
            challenge_id="otp-3c9e55",
            phone="+84905123456",
            code="482915",
            purpose=OtpPurpose.SIGN_IN,
            expires_at=T0 + timedelta(minutes=5),
            requested_at=T0,
        ),
    ]
    return {event.TYPE: event for event in events}


def example_envelope(event: Event) -> CloudEvent:
    """``event`` in an envelope with a stable id and time, as its producer would send it."""
    producer = topics.PRODUCERS[event.TOPIC].removesuffix("-svc")
    return CloudEvent.wrap(
        event,
        source=f"/motcua/{producer}",
        event_id=str(uuid.uuid5(_EXAMPLE_IDS, event.TYPE)),
        time=T0,
        request_id="req-2f6b1d0a",
    )
