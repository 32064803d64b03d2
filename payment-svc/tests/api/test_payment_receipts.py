"""The electronic fee receipt: its fields, its numbering, and the collecting agency's PAdES signature
checked by pyHanko's own validator (not by the platform's verification code)."""

from __future__ import annotations

import asyncio
import io
import re

import pypdf
from payment_testkit import AGENCY, Harness
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from payment_svc.receipts.service import KIND, verify_url

AGENCY_NAME = "Ủy ban nhân dân phường Thuận Hóa"


async def signed_receipt(env: Harness) -> tuple[str, bytes]:
    payment = await env.paid()
    answer = await env.client.get(f"/api/v1/payments/{payment.id}/receipt.pdf", headers=env.citizen())
    assert answer.status_code == 200, answer.text
    return payment.id, answer.content


def independent_context(env: Harness) -> ValidationContext:
    """Trust exactly the development CA's certificate, read from its file."""
    authority = env.ports.signer.authority
    assert authority is not None
    root = load_cert_from_pemder(str(authority.ensure_ca()))
    return ValidationContext(trust_roots=[root], allow_fetching=False, revocation_mode="soft-fail")


async def test_the_receipt_carries_form_series_number_payer_amounts_and_todays_names(env: Harness) -> None:
    payment_id, document = await signed_receipt(env)
    number = (await env.client.get(f"/api/v1/payments/{payment_id}", headers=env.citizen())).json()[
        "receipt_number"
    ]
    series, sequence = number.rsplit("-", 1)
    assert re.fullmatch(r"AA-\d{2}E", series)
    assert re.fullmatch(r"\d{7}", sequence)
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(document)).pages)
    text = " ".join(text.split())
    for expected in (
        "ỦY BAN NHÂN DÂN THÀNH PHỐ HUẾ",
        "Mẫu số: 01BLP0-001",
        f"Ký hiệu: {series}",
        f"Số: {sequence}",
        "BIÊN LAI THU PHÍ, LỆ PHÍ",
        "(Biên lai điện tử)",
        f"Đơn vị thu: {AGENCY_NAME}",
        "KHO BAC NHA NUOC KHU VUC",
        "Người nộp: Nguyễn Thị Hương",
        "38.000 đồng",
        "Bằng chữ: Ba mươi tám nghìn đồng.",
    ):
        assert expected in text, expected
    assert "Thừa Thiên" not in text
    assert "THUA THIEN" not in text
    assert verify_url(env.ports, payment_id).endswith(f"/xac-thuc/bien-lai/{payment_id}")


async def test_pyhanko_validates_the_agencys_signature_and_refuses_a_tampered_copy(env: Harness) -> None:
    _, document = await signed_receipt(env)
    [signature] = PdfFileReader(io.BytesIO(document)).embedded_signatures
    status = await async_validate_pdf_signature(signature, signer_validation_context=independent_context(env))
    assert status.intact
    assert status.valid
    assert status.trusted
    assert status.bottom_line
    assert status.coverage is SignatureCoverageLevel.ENTIRE_FILE
    assert signature.signer_cert.subject.native["organization_name"] == AGENCY_NAME
    assert signature.signer_cert.subject.native["organizational_unit_name"] == AGENCY
    assert signature.sig_object["/SubFilter"] == "/ETSI.CAdES.detached", "PAdES, not adbe.pkcs7"
    info = PdfFileReader(io.BytesIO(document)).trailer["/Info"]
    assert info["/MotcuaKind"] == KIND

    start, length = signature.byte_range[0], signature.byte_range[1]
    at = document.index(b"/MotcuaReference", start, start + length)
    tampered = bytearray(document)
    tampered[at + len(b"/MotcuaReference (AA-")] ^= 0x01  # one bit of the signed receipt number
    [forged] = PdfFileReader(io.BytesIO(bytes(tampered))).embedded_signatures
    context = independent_context(env)
    forged_status = await async_validate_pdf_signature(forged, signer_validation_context=context)
    assert not forged_status.intact
    assert not forged_status.bottom_line


async def test_numbers_follow_each_other_in_the_series_and_are_never_given_twice(env: Harness) -> None:
    payments = await asyncio.gather(*(env.paid(f"citizen-{i}") for i in range(6)))
    numbers = [
        (await env.client.get(f"/api/v1/payments/{p.id}", headers=env.citizen(f"citizen-{i}"))).json()[
            "receipt_number"
        ]
        for i, p in enumerate(payments)
    ]
    assert len(set(numbers)) == 6
    assert sorted(int(n.rsplit("-", 1)[1]) for n in numbers) == list(range(1, 7))
