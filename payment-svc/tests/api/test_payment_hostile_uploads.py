"""Hostile files at payment-svc's two upload paths (issue 20): a transfer slip (the payer's, later opened by
an officer) and a paper to verify (anyone's). Each is judged by its content, bounded in size, never a 5xx."""

from __future__ import annotations

import io
from collections.abc import Callable

import pypdf
import pytest
from payment_testkit import Harness, submitted
from pypdf.generic import DecodedStreamObject

from payment_svc.verify.service import MAX_BYTES

PNG = b"\x89PNG\r\n\x1a\n"
EXECUTABLE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64
POLYGLOT = b"%PDF-1.4\n<html><body><script>alert(document.cookie)</script></body></html>\n%%EOF\n"


def _flate_bomb(expanded: int = 64 * 1024 * 1024) -> bytes:
    """A one-page PDF whose content stream inflates from a few tens of kilobytes to ``expanded`` bytes."""
    writer = pypdf.PdfWriter()
    page = writer.add_blank_page(width=595, height=842)
    content = DecodedStreamObject()
    content.set_data(b"\x00" * expanded)
    page.replace_contents(content.flate_encode(level=9))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


HOSTILE_PAPERS: dict[str, Callable[[], bytes]] = {
    "qua-lon.pdf": lambda: b"%PDF-1.7\n" + b"\x00" * MAX_BYTES,
    "chuong-trinh.pdf": lambda: EXECUTABLE,
    "rac.pdf": lambda: b"%PDF-1.7\n" + bytes(range(256)) * 64,
    "da-ngon.pdf": lambda: POLYGLOT,
    "bom-nen.pdf": _flate_bomb,
}


async def _slip_upload_url(env: Harness) -> str:
    payment = await env.requested(submitted())
    checkout = await env.checkout(payment.id, "manual_transfer")
    assert checkout.status_code == 201, checkout.text
    url: str = checkout.json()["transfer"]["slip_upload_url"]
    return url


async def test_a_slip_is_judged_by_its_content_and_size_and_nothing_refused_is_kept(env: Harness) -> None:
    url = await _slip_upload_url(env)
    limit = env.ports.settings.slip_max_bytes
    for name, data, kind in (
        ("chung-tu.pdf", EXECUTABLE, "application/pdf"),  # an executable under a PDF's name and type
        ("chung-tu.png", b"<svg onload='alert(1)'/>", "image/png"),
        ("chung-tu.png", PNG + b"\x00" * limit, "image/png"),  # over the limit by the PNG's own size
        ("chung-tu.pdf", b"", "application/pdf"),
    ):
        refused = await env.client.post(url, files={"file": (name, data, kind)}, headers=env.citizen())
        assert refused.status_code == 422, (name, len(data), refused.text)
        assert refused.headers["content-type"].startswith("application/problem+json")
    payment_id = url.split("/")[-2]
    answer = await env.client.get(f"/api/v1/payments/{payment_id}", headers=env.citizen())
    assert answer.json()["slips"] == [], "nothing refused was stored"


async def test_a_polyglot_slip_reaches_the_officer_as_a_pdf_never_as_a_page(env: Harness) -> None:
    url = await _slip_upload_url(env)
    stored = await env.client.post(
        url, files={"file": ("chung-tu.html", POLYGLOT, "text/html")}, headers=env.citizen()
    )
    assert stored.status_code == 201, stored.text
    assert stored.json()["content_type"] == "application/pdf", "the type comes from the content, not the name"
    opened = await env.client.get(stored.json()["url"], headers=env.officer())
    assert opened.status_code == 200
    assert opened.headers["content-type"] == "application/pdf"
    assert opened.headers["x-content-type-options"] == "nosniff", "no browser renders it as HTML"


@pytest.mark.parametrize("name", sorted(HOSTILE_PAPERS))
async def test_a_hostile_file_to_verify_is_answered_never_with_a_server_error(
    env: Harness, name: str
) -> None:
    data = HOSTILE_PAPERS[name]()
    answer = await env.client.post("/api/v1/verify", files={"file": (name, data, "application/pdf")})
    assert answer.status_code in (200, 422), answer.text
    if answer.status_code == 200:
        assert answer.json()["verdict"] != "valid", "nothing here carries the platform's signature"
    else:
        assert answer.json()["type"].endswith("/not-a-pdf")
