"""Every default SMS fits two segments with the longest realistic values; the wording follows the papers."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from motcua_shared.chassis.settings import DbSettings
from motcua_shared.contracts.dossier import DossierDeadlineExtended, LookupOutcome
from notify_svc.channels.smstext import MAX_SEGMENTS, measure, prepare
from notify_svc.settings import Settings, SmsSettings, WebhookSettings
from notify_svc.templates.defaults import SMS, SPECS, TemplateSpec
from notify_svc.templates.rendering import render_text, rut
from notify_svc.templates.service import example_context

SMS_SPECS = sorted((spec for spec in SPECS.values() if SMS in spec.channels), key=lambda s: s.code)
SUPPLEMENT_REASON = (
    "Đề nghị ông/bà bổ sung bản sao có chứng thực Giấy chứng nhận quyền sử dụng đất, bản vẽ sơ đồ thửa đất "
    "có xác nhận của Ủy ban nhân dân xã, phường, thị trấn nơi có đất và văn bản ủy quyền hợp lệ của các "
    "đồng thừa kế theo quy định tại Điều 60 Nghị định số 101/2024/NĐ-CP."
)
LONGEST: dict[str, Any] = {
    # An agency identifier of Quyết định 20/2020/QĐ-TTg at its longest, the date and the day's number.
    "dossier_code": "000.00.00.H56.01.02-261231-9999",
    "agency_name": "Sở Nông nghiệp và Phát triển nông thôn tỉnh Thừa Thiên Huế",
    "procedure_name": "Cấp Giấy chứng nhận quyền sử dụng đất, quyền sở hữu nhà ở và tài sản khác gắn liền "
    "với đất",
    "name": "Công Tôn Nữ Thị Hoàng Phương Thảo",
    "reason": SUPPLEMENT_REASON,
    "amount": 99_999_999,
    "reference": "MC7A30F9QX",
    "code": "482915",
    "ttl_minutes": 10,
    "link": "https://dichvucong.thuathienhue.gov.vn/tra-cuu-ho-so",
    "result": "Giấy chứng nhận quyền sử dụng đất số CS 123456",
}


def longest_context(spec: TemplateSpec) -> dict[str, Any]:
    context = example_context(spec)
    context.update({k: v for k, v in LONGEST.items() if k in context or k == "link"})
    return context


@pytest.mark.parametrize("spec", SMS_SPECS, ids=lambda s: s.code)
@pytest.mark.parametrize("strip", [True, False], ids=["without-diacritics", "with-diacritics-asked"])
def test_every_sms_fits_two_segments_with_the_longest_values(spec: TemplateSpec, strip: bool) -> None:
    _, body = spec.default(SMS)
    text = render_text(body, longest_context(spec))
    assert LONGEST["dossier_code"] in text or "dossier_code" not in body
    sms = prepare(text, strip=strip)
    assert sms.segments <= MAX_SEGMENTS, f"{spec.code}: {sms.units} units in {sms.segments} segments"
    if strip:
        assert sms.encoding == "gsm7", "Vietnamese without diacritics is GSM-7 (160, or 153 a part)"


def test_the_sms_templates_are_the_ones_with_sms() -> None:
    codes = {spec.code for spec in SMS_SPECS}
    assert {"dossier.received", "dossier.supplement_requested", "identity.otp", "payment.requested"} <= codes


def test_with_diacritics_a_text_is_kept_only_while_it_fits() -> None:
    short = "Hồ sơ đã được tiếp nhận."
    assert prepare(short, strip=False).encoding == "ucs2"
    assert measure("ồ" * 134).segments == 2  # 67 a part when concatenated
    assert measure("ồ" * 135).segments == 3
    long = prepare("ồ" * 135, strip=False)
    assert (long.encoding, long.segments, long.text) == ("gsm7", 1, "o" * 135)


def test_free_text_is_cut_at_a_word_with_a_gsm_mark() -> None:
    assert rut("ngắn", 10) == "ngắn"
    cut = rut(SUPPLEMENT_REASON, 60)
    assert len(cut) <= 60
    assert cut.endswith("...")
    assert SUPPLEMENT_REASON.startswith(cut.removesuffix("..."))


@pytest.mark.parametrize("spec", [SPECS[code] for code in sorted(SPECS)], ids=sorted(SPECS))
def test_the_citizen_is_addressed_as_the_papers_do(spec: TemplateSpec) -> None:
    for channel in spec.channels:
        subject, body = spec.default(channel)
        words = f"{subject or ''} {body}".lower().replace(",", " ").replace(".", " ").split()
        assert "bạn" not in words, f"{spec.code} ({channel}): ông/bà, as the papers say"


def _apology(occurred_offset: timedelta) -> tuple[str, str]:
    spec = SPECS["dossier.deadline_extended"]
    context = example_context(spec)
    assert isinstance(context["previous_due_at"], type(context["occurred_at"]))
    context["occurred_at"] = context["previous_due_at"] + occurred_offset
    _, sms = spec.default(SMS)
    return render_text(spec.title, context), render_text(sms, context)


def test_the_apology_only_once_the_appointment_has_passed() -> None:
    assert SPECS["dossier.deadline_extended"].event_type == DossierDeadlineExtended.TYPE
    title, sms = _apology(-timedelta(days=1))
    assert "xin lỗi" not in sms.lower()
    assert "trễ hẹn" not in f"{title} {sms}"
    assert "hẹn lại" in sms
    title, sms = _apology(timedelta(hours=2))
    assert sms.startswith("Xin lỗi ông/bà")
    assert "trễ hẹn" in title


def test_the_sender_and_the_link_come_from_the_deployment() -> None:
    default = Settings()
    assert default.sms_link == f"{default.public_url}/tra-cuu"
    own = Settings(sms=SmsSettings(brandname="DVC HUE", link="https://dichvucong.thuathienhue.gov.vn"))
    assert (own.sms.brandname, own.sms_link) == ("DVC HUE", "https://dichvucong.thuathienhue.gov.vn")
    real = {"provider": "http", "api_url": "https://sms.example.vn/api", "api_key": "k"}
    db = DbSettings(url="postgresql+asyncpg://notify@db/notify")
    secure = WebhookSettings(allow_insecure_urls=False)
    with pytest.raises(ValidationError, match="NOTIFY_SMS__BRANDNAME"):
        Settings(env="production", sms=SmsSettings(**real), db=db, webhooks=secure)
    deployed = Settings(
        env="production", sms=SmsSettings(**real, brandname="DVC HUE"), db=db, webhooks=secure
    )
    assert deployed.sms.brandname == "DVC HUE"
    with pytest.raises(ValidationError):
        SmsSettings(brandname="QUA MUOI MOT KY TU")


@pytest.mark.parametrize("outcome", list(LookupOutcome), ids=lambda o: o.value)
@pytest.mark.parametrize("strip", [True, False], ids=["without-diacritics", "with-diacritics-asked"])
def test_every_sms_look_up_answer_fits_two_segments(outcome: LookupOutcome, strip: bool) -> None:
    """Each outcome of the look-up reply, with the longest status label, due date and a step name far
    longer than any in the catalogue."""
    spec = SPECS["dossier.lookup_answered"]
    context = longest_context(spec) | {"outcome": outcome}
    context |= {
        "status_label": "Yêu cầu thực hiện nghĩa vụ tài chính",
        "next_step": "Đang giải quyết ở bước " + SUPPLEMENT_REASON,
    }
    _, body = spec.default(SMS)
    text = render_text(body, context)
    sms = prepare(text, strip=strip)
    assert sms.segments <= MAX_SEGMENTS, f"{outcome}: {sms.units} units in {sms.segments} segments"
    if outcome is LookupOutcome.FOUND:
        assert LONGEST["dossier_code"] in text
        assert "Hẹn trả kết quả" in text
        assert re.search(r"\b\d{2}/\d{2}/\d{4}\b", text), "the due date as dd/mm/yyyy"
    else:
        assert LONGEST["dossier_code"] not in text, "a refusal names no dossier"
