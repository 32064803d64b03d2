"""`/api/v1/verify`: anyone checks a receipt by uploading it or by its QR code's reference."""

from __future__ import annotations

import io
import re
from urllib.parse import urlsplit

import pypdf
from payment_testkit import Harness, submitted

from payment_svc.receipts.service import verify_url


async def receipt(env: Harness) -> tuple[str, bytes]:
    payment = await env.paid()
    answer = await env.client.get(f"/api/v1/payments/{payment.id}/receipt.pdf", headers=env.citizen())
    assert answer.status_code == 200, answer.text
    return payment.id, answer.content


async def upload(env: Harness, data: bytes, name: str = "bien-lai.pdf") -> dict[str, object]:
    answer = await env.client.post("/api/v1/verify", files={"file": (name, data, "application/pdf")})
    assert answer.status_code == 200, answer.text
    body: dict[str, object] = answer.json()
    return body


async def test_an_uploaded_receipt_says_who_signed_when_and_which_receipt(env: Harness) -> None:
    payment_id, document = await receipt(env)
    number = (await env.client.get(f"/api/v1/payments/{payment_id}", headers=env.citizen())).json()[
        "receipt_number"
    ]
    body = await upload(env, document)
    assert body["verdict"] == "valid"
    assert body["intact"] is True
    assert body["trusted"] is True
    signer = body["signer"]
    assert isinstance(signer, dict)
    assert signer == {
        "name": "Ủy ban nhân dân phường Thuận Hóa",
        "organization": "Ủy ban nhân dân phường Thuận Hóa",
        "certificate_serial": signer["certificate_serial"],
        "certificate_issuer": "motcua CA thử nghiệm",
    }
    assert re.fullmatch(r".*\+07:00", str(body["signed_at"]))
    paid = (await env.client.get(f"/api/v1/payments/{payment_id}", headers=env.citizen())).json()
    assert body["paper"] == {
        "kind": "bien-lai",
        "reference": number,
        "dossier_code": paid["dossier_code"],
        "reason": f"Biên lai thu phí, lệ phí số {number}",
    }
    assert str(body["summary"]).startswith(
        "Giấy tờ nguyên vẹn, được ký số bởi Ủy ban nhân dân phường Thuận Hóa"
    )


async def test_a_tampered_receipt_is_reported_as_such(env: Harness) -> None:
    _, document = await receipt(env)
    at = document.index(b"/MotcuaReference (") + len(b"/MotcuaReference (AA-")
    tampered = bytearray(document)
    tampered[at] ^= 0x01
    body = await upload(env, bytes(tampered))
    assert body["verdict"] == "tampered"
    assert body["intact"] is False
    assert body["paper"] is None, "nothing the broken signature covers is repeated"
    assert body["signer"] is None
    assert "bị sửa đổi" in str(body["summary"])


async def test_an_unsigned_pdf_and_a_file_that_is_no_pdf(env: Harness) -> None:
    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=420, height=595)
    plain = io.BytesIO()
    writer.write(plain)
    assert (await upload(env, plain.getvalue()))["verdict"] == "unsigned"
    refused = await env.client.post(
        "/api/v1/verify", files={"file": ("anh.png", b"\x89PNG\r\n\x1a\n....", "image/png")}
    )
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["type"].endswith("/not-a-pdf")


async def test_the_qr_reference_finds_the_receipt_without_signing_in(env: Harness) -> None:
    payment_id, _ = await receipt(env)
    # The QR code opens the citizen app's verify screen, which reads the record from the API by reference.
    assert urlsplit(verify_url(env.ports, payment_id)).path == f"/xac-thuc/bien-lai/{payment_id}"
    answer = await env.client.get(f"/api/v1/verify/{payment_id}")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    paid = (await env.client.get(f"/api/v1/payments/{payment_id}", headers=env.citizen())).json()
    assert body["number"] == paid["receipt_number"]
    assert body["form_number"] == "01BLP0-001"
    assert body["series"] == paid["receipt_number"].rsplit("-", 1)[0]
    assert body["payer"] == "Nguyễn T. H."
    assert body["amount"] == 38000
    assert body["amount_in_words"] == "Ba mươi tám nghìn đồng"
    assert body["issuer"] == "Ủy ban nhân dân phường Thuận Hóa"
    unknown = await env.client.get("/api/v1/verify/pay-0000000000")
    assert unknown.status_code == 404
    assert unknown.json()["type"].endswith("/paper-not-found")
    unpaid = await env.requested(submitted())
    assert (await env.client.get(f"/api/v1/verify/{unpaid.id}")).status_code == 404


async def test_a_browser_on_an_api_link_is_sent_to_the_verify_screen(env: Harness) -> None:
    """A receipt printed when its QR code held the API's address still opens a page for people."""
    payment_id, _ = await receipt(env)
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    sent = await env.client.get(f"/api/v1/verify/{payment_id}", headers={"Accept": browser})
    assert sent.status_code == 303
    assert sent.headers["location"] == verify_url(env.ports, payment_id)
    for machine in ("application/json", "application/json, text/html", "*/*", ""):
        answer = await env.client.get(f"/api/v1/verify/{payment_id}", headers={"Accept": machine})
        assert answer.status_code == 200, machine
        assert answer.json()["reference"] == payment_id
