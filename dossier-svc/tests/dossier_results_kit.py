"""The signed result's story, told on SQLite (api tier) and on PostgreSQL (integration tier): an officer's
result is a PDF the platform signs with the approving agency's certificate on upload, valid for pyHanko's
own validator, found by its QR code's reference, in the citizen's wallet as issued, and a tampered copy
refused."""

from __future__ import annotations

import io
from typing import Any

from dossier_testkit import (
    AGENCY,
    CITIZEN,
    OFFICER,
    OTHER_OFFICER,
    PDF,
    PNG,
    POLICE_OFFICER,
    Harness,
    problem,
)
from fpdf import FPDF
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from motcua_shared.chassis.signing import Verdicts, verify_pdf


def result_pdf() -> bytes:
    """A result as an agency's software exports it."""
    pdf = FPDF(format="A4")
    pdf.set_compression(False)  # the text stays readable in the file, for the tampering below
    pdf.set_title("Giay khai sinh")
    pdf.add_page()
    pdf.set_font("helvetica", size=14)
    pdf.cell(0, 10, "GIAY KHAI SINH - ban chinh")
    return bytes(pdf.output())


async def upload(harness: Harness, code: str, headers: dict[str, str], data: bytes, name: str) -> Any:
    return await harness.client.post(
        f"/api/v1/dossiers/{code}/documents/result", headers=headers, files={"file": (name, data)}
    )


async def approved(harness: Harness) -> str:
    code: str = (await harness.submit())["code"]
    for action, who in (
        ("receive", OFFICER),
        ("forward", OFFICER),
        ("forward", POLICE_OFFICER),
        ("approve", OFFICER),
    ):
        response = await harness.act(code, action, who)
        assert response.status_code == 200, (action, response.text)
    return code


async def signed_result_scenario(harness: Harness) -> None:
    """The whole story of one signed result, on whichever database ``harness`` runs."""
    code: str = (await harness.submit())["code"]
    early = problem(await upload(harness, code, OFFICER, result_pdf(), "kq.pdf"), 409)
    assert "đã có kết quả" in early["detail"]
    code = await approved(harness)

    assert problem(await upload(harness, code, OFFICER, PNG, "kq.png"), 415)["type"].endswith(
        "/unsupported-file-type"
    ), "an image result is refused, not converted"
    problem(await upload(harness, code, OFFICER, PDF, "broken.pdf"), 415)  # a PDF pyHanko cannot sign
    problem(await upload(harness, code, CITIZEN, result_pdf(), "kq.pdf"), 403)
    problem(await upload(harness, code, POLICE_OFFICER, result_pdf(), "kq.pdf"), 403)
    problem(await upload(harness, code, OTHER_OFFICER, result_pdf(), "kq.pdf"), 404)

    first = await upload(harness, code, OFFICER, result_pdf(), "giay-khai-sinh.pdf")
    assert first.status_code == 201, first.text
    replaced = first.json()["id"]
    issued = await upload(harness, code, OFFICER, result_pdf(), "giay-khai-sinh.pdf")
    assert issued.status_code == 201, issued.text
    result = issued.json()
    assert (result["document_code"], result["signed_by"]) == ("KET-QUA", AGENCY.name)
    problem(await harness.client.get(f"/api/v1/verify/results/{replaced}"), 404)  # replaced before return

    signed = (await harness.client.get(result["href"], headers=CITIZEN)).content
    [embedded] = PdfFileReader(io.BytesIO(signed)).embedded_signatures
    authority = harness.ports.signer.authority
    assert authority is not None
    context = ValidationContext(
        trust_roots=[load_cert_from_pemder(str(authority.ca_path))],
        allow_fetching=False,
        revocation_mode="soft-fail",
    )
    status = await async_validate_pdf_signature(embedded, signer_validation_context=context)
    assert status.bottom_line, "pyHanko's validator accepts the result's signature"
    assert embedded.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    assert "/AP" in embedded.sig_field, "the stamp is visible"
    verdict = await verify_pdf(signed, harness.ports.signer.trust_roots())
    assert verdict.verdict is Verdicts.VALID
    assert (verdict.kind, verdict.reference, verdict.dossier_code) == ("ket-qua", result["id"], code)
    assert verdict.signer == AGENCY.name
    assert verdict.sha256 == result["sha256"]

    tampered = signed.replace(b"GIAY KHAI SINH", b"GIAY KHAI TU ")
    assert tampered != signed
    assert (await verify_pdf(tampered, harness.ports.signer.trust_roots())).verdict is Verdicts.TAMPERED

    record = await harness.client.get(f"/api/v1/verify/results/{result['id']}")  # anyone, no token
    assert record.status_code == 200, record.text
    assert {k: record.json()[k] for k in ("kind", "issuer", "agency_code", "dossier_code", "sha256")} == {
        "kind": "ket-qua",
        "issuer": AGENCY.name,
        "agency_code": AGENCY.code,
        "dossier_code": code,
        "sha256": result["sha256"],
    }
    assert record.json()["returned"] is False
    assert (await harness.act(code, "return-result", OFFICER)).status_code == 200
    assert (await harness.client.get(f"/api/v1/verify/results/{result['id']}")).json()["returned"] is True
    problem(await upload(harness, code, OFFICER, result_pdf(), "kq.pdf"), 409)  # returned: final
    problem(await harness.client.get("/api/v1/verify/results/no-such-result"), 404)

    wallet = (await harness.client.get("/api/v1/wallet/documents", headers=CITIZEN)).json()["items"]
    [kept] = [i for i in wallet if i["document_code"] == "KET-QUA"]
    assert (kept["id"], kept["origin"], kept["signed_by"]) == (result["id"], "issued", AGENCY.name)
