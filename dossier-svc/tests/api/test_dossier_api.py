"""dossier-svc over ASGI: filing, the lifecycle, documents, papers, lookup, statistics and every denial."""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import os
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from dossier_testkit import (
    ADMIN,
    AGENCY,
    CITIZEN,
    OFFICER,
    OTHER_CITIZEN,
    OTHER_OFFICER,
    PDF,
    PNG,
    POLICE_OFFICER,
    Harness,
    HarnessFactory,
    applicant,
    multipart,
    problem,
    published,
    snapshot,
    submission,
)
from pypdf import PdfReader

from dossier_svc.deadlines.service import UNPAID_REASON, sweep
from dossier_svc.documents.service import INLINE_HASH_BYTES
from dossier_svc.documents.store import LocalFileStore
from dossier_svc.settings import DeadlineSettings
from motcua_shared.contracts.catalog import ProcedureWithdrawn
from motcua_shared.contracts.common import FeeTiming
from motcua_shared.contracts.payment import PaymentMethod, PaymentSucceeded


async def test_full_lifecycle_with_events_timeline_papers_and_rating(harness: Harness) -> None:
    dossier = await harness.submit()
    code = dossier["code"]
    assert code.startswith("hue.xa.thuan-hoa-")
    assert code.endswith("-0001")
    assert dossier["status"] == "submitted"
    assert dossier["national_status"] == 1
    assert {d["document_code"] for d in dossier["documents"]} == {"to-khai", "giay-chung-sinh"}
    assert dossier["applicant"]["phone"] == "+84912345678"

    for action, who, body in (
        ("receive", OFFICER, {}),
        ("forward", OFFICER, {"note": "Chuyển Công an xác minh cư trú"}),
        ("forward", POLICE_OFFICER, {}),
        ("approve", OFFICER, {}),
        ("return-result", OFFICER, {}),
    ):
        response = await harness.act(code, action, who, **body)
        assert response.status_code == 200, (action, response.text)
    final = response.json()
    assert final["status"] == "returned"
    assert final["national_status"] == 10
    assert final["timeliness"] in ("early", "on_time")

    types = [e["type"].split(".")[-2] for e in await harness.events()]
    assert types == ["submitted", "received", "forwarded", "forwarded", "approved", "result_returned"]
    submitted = (await harness.events("submitted"))[0]
    assert submitted["applicant"]["phone"] == "+84912345678"
    assert submitted["fee_timing"] == "submission"

    timeline = (await harness.client.get(f"/api/v1/dossiers/{code}/timeline", headers=CITIZEN)).json()
    assert [i["action"] for i in timeline["items"]] == [
        "submit",
        "receive",
        "forward",
        "forward",
        "approve",
        "return-result",
    ]
    assert timeline["items"][2]["note"] == "Chuyển Công an xác minh cư trú"

    receipt = await harness.client.get(f"/api/v1/dossiers/{code}/papers/receipt", headers=CITIZEN)
    assert receipt.status_code == 200
    assert receipt.headers["content-type"] == "application/pdf"
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(receipt.content)).pages)
    assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in text
    assert "Nguyễn Thị Hương" in text
    assert code in text
    problem(await harness.client.get(f"/api/v1/dossiers/{code}/papers/refusal", headers=CITIZEN), 409)

    rated = await harness.client.post(
        f"/api/v1/dossiers/{code}/rating", headers=CITIZEN, json={"rating": "satisfied", "comment": "Nhanh"}
    )
    assert rated.status_code == 201
    problem(
        await harness.client.post(
            f"/api/v1/dossiers/{code}/rating", headers=CITIZEN, json={"rating": "acceptable"}
        ),
        409,
    )
    assert (await harness.events("rated"))[0]["rating"] == "satisfied"

    stats = (await harness.client.get("/api/v1/stats")).json()
    assert stats["received"] == 1
    assert stats["finished"] == 1
    assert stats["satisfaction"]["satisfied"] == 1
    assert stats["satisfaction"]["satisfied_share"] == 1.0
    assert stats["by_month"][0]["received"] == 1


async def test_illegal_actions_are_409_and_wrong_parties_403(harness: Harness) -> None:
    code = (await harness.submit())["code"]
    body = problem(await harness.act(code, "approve", OFFICER), 409)
    assert body["type"].endswith("/illegal-action")
    problem(await harness.act(code, "receive", CITIZEN), 403)
    problem(await harness.act(code, "expire-supplement", OFFICER), 403)
    problem(await harness.act(code, "reject", OFFICER), 422)  # a refusal needs its reason
    problem(await harness.act(code, "dance", OFFICER), 422)
    assert (
        await harness.act(code, "reject", OFFICER, reason="Đã đăng ký khai sinh ở nơi khác")
    ).status_code == 200
    refusal = await harness.client.get(f"/api/v1/dossiers/{code}/papers/refusal", headers=OFFICER)
    assert "PHIẾU TỪ CHỐI" in " ".join(PdfReader(io.BytesIO(refusal.content)).pages[0].extract_text().split())


async def test_the_denial_matrix_for_every_route(harness: Harness) -> None:
    code = (await harness.submit())["code"]
    doc_id = (await harness.dossier(code)).id and (
        await harness.client.get(f"/api/v1/dossiers/{code}/documents", headers=CITIZEN)
    ).json()["items"][0]["id"]
    routes: list[tuple[str, str, dict[str, Any]]] = [
        ("GET", f"/api/v1/dossiers/{code}", {}),
        ("GET", f"/api/v1/dossiers/{code}/timeline", {}),
        ("GET", f"/api/v1/dossiers/{code}/documents", {}),
        ("GET", f"/api/v1/dossiers/{code}/documents/{doc_id}", {}),
        ("GET", f"/api/v1/dossiers/{code}/papers/receipt", {}),
        ("POST", f"/api/v1/dossiers/{code}/actions/withdraw", {"json": {}}),
        ("POST", f"/api/v1/dossiers/{code}/rating", {"json": {"rating": "satisfied"}}),
        (
            "POST",
            f"/api/v1/dossiers/{code}/documents",
            {"data": {"document_code": "to-khai"}, "files": {"file": ("a.pdf", PDF)}},
        ),
        ("PATCH", f"/api/v1/dossiers/{code}", {"json": {}}),
        ("DELETE", f"/api/v1/dossiers/{code}", {}),
    ]
    for method, url, kwargs in routes:
        problem(await harness.client.request(method, url, **kwargs), 401)
        for stranger in (OTHER_CITIZEN, OTHER_OFFICER):
            # Another citizen's or agency's dossier does not exist for them.
            problem(await harness.client.request(method, url, headers=stranger, **kwargs), 404)
    problem(await harness.client.get("/api/v1/dossiers"), 401)
    problem(await harness.client.post("/api/v1/dossiers", json=submission()), 401)
    problem(await harness.client.post("/api/v1/dossiers/drafts", json={"procedure_code": "1.001193"}), 401)
    # An officer does not file for another agency's procedure, nor does an integrator file at all.
    counter = submission(channel="counter")
    problem(
        await harness.client.post(
            "/api/v1/dossiers", headers={**OTHER_OFFICER, "Idempotency-Key": "k"}, **multipart(counter)
        ),
        403,
    )
    # The police only see the dossier once it reaches them.
    problem(await harness.client.get(f"/api/v1/dossiers/{code}", headers=POLICE_OFFICER), 404)
    await harness.act(code, "receive", OFFICER)
    await harness.act(code, "forward", OFFICER)
    assert (await harness.client.get(f"/api/v1/dossiers/{code}", headers=POLICE_OFFICER)).status_code == 200
    assert (await harness.client.get(f"/api/v1/dossiers/{code}", headers=ADMIN)).status_code == 200
    # The queue shows an officer only their agency's dossiers.
    assert (await harness.client.get("/api/v1/dossiers", headers=OTHER_OFFICER)).json()["total"] == 0
    queue = (await harness.client.get("/api/v1/dossiers", headers=POLICE_OFFICER)).json()
    assert [d["code"] for d in queue["items"]] == [code]
    assert queue["items"][0]["time_left"]["label"].startswith("còn")
    assert (await harness.client.get("/api/v1/dossiers", headers=OTHER_CITIZEN)).json()["total"] == 0


async def test_idempotency_key_replays_and_refuses_reuse(harness: Harness) -> None:
    headers = {**CITIZEN, "Idempotency-Key": "same-key"}
    first = await harness.client.post("/api/v1/dossiers", headers=headers, **multipart(submission()))
    again = await harness.client.post("/api/v1/dossiers", headers=headers, **multipart(submission()))
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    other = submission(form_data={"ten_tre": "Khác"})
    body = problem(await harness.client.post("/api/v1/dossiers", headers=headers, **multipart(other)), 409)
    assert body["type"].endswith("/idempotency-key-reused")
    problem(await harness.client.post("/api/v1/dossiers", headers=CITIZEN, **multipart(submission())), 400)
    assert len(await harness.events("submitted")) == 1


async def test_submission_rules(harness: Harness) -> None:
    async def post(body: dict[str, Any], files: dict[str, bytes] | None = None) -> Any:
        return await harness.client.post(
            "/api/v1/dossiers",
            headers={**CITIZEN, "Idempotency-Key": uuid.uuid4().hex},
            **multipart(body, files),
        )

    missing = problem(await post(submission(), {"to-khai": PDF}), 422)
    assert missing["errors"] == [
        {"field": "documents.giay-chung-sinh", "message": "required document missing"}
    ]
    problem(await post(submission(procedure_code="9.999999")), 422)
    bad = problem(
        await post({**submission(), "applicant": {**applicant(), "cccd": "123", "phone": "12345"}}), 422
    )
    assert {e["field"] for e in bad["errors"]} == {"dossier.applicant.cccd", "dossier.applicant.phone"}
    assert "046190001234" not in str(bad)  # no personal data echoed back
    problem(await post(submission(channel="counter")), 422)
    problem(await post(submission(fee_exemptions=["Không có"])), 422)
    await harness.deliver(
        ProcedureWithdrawn(code="1.001193", version=1, withdrawn_at=datetime.now(UTC), reason="Bãi bỏ")
    )
    problem(await post(submission()), 422)


async def test_upload_limits_and_types_are_checked_by_content_with_nothing_stored(harness: Harness) -> None:
    async def post(files: dict[str, bytes]) -> Any:
        return await harness.client.post(
            "/api/v1/dossiers",
            headers={**CITIZEN, "Idempotency-Key": uuid.uuid4().hex},
            **multipart(submission(), files),
        )

    problem(await post({"to-khai": b"MZ\x90\x00 not a pdf", "giay-chung-sinh": PNG}), 415)
    problem(await post({"to-khai": PDF + b"\x00" * (64 * 1024), "giay-chung-sinh": PNG}), 413)
    problem(await post({"to-khai": b"", "giay-chung-sinh": PNG}), 415)
    problem(await post({"to-khai": PDF, "giay-chung-sinh": PNG, "../../etc/passwd": PDF}), 422)
    assert not harness.files_dir.exists() or not any(p.is_file() for p in harness.files_dir.rglob("*"))
    assert await harness.events() == []


async def test_malformed_and_oversized_multipart_bodies_are_refused_with_nothing_stored(
    harness: Harness,
) -> None:
    boundary = "b-" + uuid.uuid4().hex
    content_type = f"multipart/form-data; boundary={boundary}"

    def body(*parts: tuple[str, str | None, bytes]) -> bytes:
        out = b""
        for name, filename, data in parts:
            disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
            out += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\n".encode() + data + b"\r\n"
        return out + f"--{boundary}--\r\n".encode()

    async def post(content: Any, kind: str = content_type) -> Any:
        headers = {**CITIZEN, "Idempotency-Key": uuid.uuid4().hex, "Content-Type": kind}
        return await harness.client.post("/api/v1/dossiers", headers=headers, content=content)

    dossier = json.dumps(submission()).encode()
    good = body(("dossier", None, dossier), ("to-khai", "a.pdf", PDF), ("giay-chung-sinh", "b.png", PNG))
    problem(await post(good[:-20]), 400)  # cut short: no closing boundary
    problem(await post(good, "multipart/form-data"), 400)  # no boundary
    problem(await post(body(("to-khai", "a.pdf", PDF), ("giay-chung-sinh", "b.png", PNG))), 422)
    problem(await post(body(("dossier", "d.json", dossier), ("to-khai", "a.pdf", PDF))), 422)
    many = [("to-khai", f"{i}.pdf", PDF) for i in range(21)]
    problem(await post(body(("dossier", None, dossier), *many)), 400)

    async def chunked() -> Any:  # no Content-Length: the limit is enforced while reading
        yield good[:100]
        for _ in range(40):
            yield b"\x00" * (64 * 1024)

    problem(await post(chunked()), 413)
    assert not harness.files_dir.exists() or not any(p.is_file() for p in harness.files_dir.rglob("*"))
    assert await harness.events() == []
    # The same body, whole, is filed.
    assert (await post(good)).status_code == 201


async def test_drafts_supplements_and_downloads(harness: Harness) -> None:
    draft = await harness.client.post(
        "/api/v1/dossiers/drafts",
        headers=CITIZEN,
        json={"procedure_code": "1.001193", "applicant": {"name": "Hương"}},
    )
    assert draft.status_code == 201
    code = draft.json()["code"]
    assert code.startswith("draft-")
    assert draft.json()["national_status"] is None
    problem(await harness.client.get(f"/api/v1/dossiers/{code}", headers=OFFICER), 404)
    incomplete = problem(await harness.act(code, "submit", CITIZEN), 422)
    assert any(e["field"].startswith("applicant.") for e in incomplete["errors"])
    patched = await harness.client.patch(
        f"/api/v1/dossiers/{code}", headers=CITIZEN, json={"applicant": applicant()}
    )
    assert patched.status_code == 200
    problem(await harness.act(code, "submit", CITIZEN), 422)  # documents missing
    for doc, data, name in (
        ("to-khai", PDF, "C:\\Users\\h\\tờ khai.pdf"),
        ("giay-chung-sinh", PNG, "gcs.png"),
    ):
        uploaded = await harness.client.post(
            f"/api/v1/dossiers/{code}/documents",
            headers=CITIZEN,
            data={"document_code": doc},
            files={"file": (name, data, "application/pdf")},
        )
        assert uploaded.status_code == 201, uploaded.text
    assert uploaded.json()["content_type"] == "image/png"  # the content decides, not the client's label
    submitted = await harness.act(code, "submit", CITIZEN)
    assert submitted.status_code == 200
    real = submitted.json()["code"]
    assert real.startswith("hue.xa.thuan-hoa-")
    assert real != code
    problem(await harness.client.patch(f"/api/v1/dossiers/{real}", headers=CITIZEN, json={}), 409)

    await harness.act(real, "receive", OFFICER)
    asked = await harness.act(
        real, "request-supplement", OFFICER, reason="Tờ khai thiếu chữ ký", documents=["to-khai"]
    )
    assert asked.json()["national_status"] == 5
    problem(await harness.act(real, "supplement", CITIZEN), 409)
    await harness.client.post(
        f"/api/v1/dossiers/{real}/documents",
        headers=CITIZEN,
        data={"document_code": "to-khai"},
        files={"file": ("moi.pdf", PDF + b"%2", "application/pdf")},
    )
    resumed = await harness.act(real, "supplement", CITIZEN)
    assert resumed.status_code == 200
    assert resumed.json()["status"] == "in_progress"
    supplemented = (await harness.events("supplemented"))[0]
    assert supplemented["documents"] == ["to-khai"]
    docs = (await harness.client.get(f"/api/v1/dossiers/{real}/documents", headers=OFFICER)).json()["items"]
    first = docs[0]
    assert first["filename"] == "tờ khai.pdf"
    download = await harness.client.get(first["href"], headers=OFFICER)
    assert download.content == PDF
    assert download.headers["x-content-type-options"] == "nosniff"
    paper = await harness.client.get(f"/api/v1/dossiers/{real}/papers/supplement-request", headers=CITIZEN)
    assert "Tờ khai thiếu chữ ký" in " ".join(
        PdfReader(io.BytesIO(paper.content)).pages[0].extract_text().split()
    )


async def test_fee_at_submission_waits_for_the_payment_service(harness: Harness) -> None:
    await harness.deliver(published(snapshot(code="1.000894", fee=75_000)))
    dossier = await harness.submit(submission(procedure_code="1.000894"))
    code = dossier["code"]
    assert dossier["national_status"] == 6
    assert dossier["fees"]["outstanding"]
    seen = await harness.client.get(f"/api/v1/dossiers/{code}", headers=OFFICER)
    assert "receive" not in seen.json()["allowed_actions"], "what would be refused is not offered"
    body = problem(await harness.act(code, "receive", OFFICER), 409)
    assert body["type"].endswith("/precondition-unmet")
    await harness.deliver(
        PaymentSucceeded(
            payment_id="pay-1",
            dossier_code=code,
            applicant_id="citizen-1",
            amount=75_000,
            occurred_at=datetime.now(UTC),
            provider="sandbox",
            provider_txn_id="txn-1",
            method=PaymentMethod.VIETQR,
        )
    )
    seen = await harness.client.get(f"/api/v1/dossiers/{code}", headers=OFFICER)
    assert "receive" in seen.json()["allowed_actions"]
    assert (await harness.act(code, "receive", OFFICER)).status_code == 200


def _paid(code: str, amount: int, payment_id: str = "pay-1") -> PaymentSucceeded:
    return PaymentSucceeded(
        payment_id=payment_id,
        dossier_code=code,
        applicant_id="citizen-1",
        amount=amount,
        occurred_at=datetime.now(UTC),
        provider="sandbox",
        provider_txn_id=f"txn-{payment_id}",
        method=PaymentMethod.VIETQR,
    )


async def _at_last_step_with_fee_at_supplement(harness: Harness, fee: int = 120_000) -> str:
    await harness.deliver(published(snapshot(code="1.004227", fee=fee, fee_timing=FeeTiming.SUPPLEMENT)))
    filed = await harness.submit(submission(procedure_code="1.004227"))
    code: str = filed["code"]
    assert (filed["national_status"], filed["fees"]["outstanding"]) == (1, False), "nothing owed yet"
    for action, who in (("receive", OFFICER), ("forward", OFFICER), ("forward", POLICE_OFFICER)):
        assert (await harness.act(code, action, who)).status_code == 200
    return code


async def test_a_fee_due_at_supplement_is_asked_paid_and_the_dossier_resumes(harness: Harness) -> None:
    code = await _at_last_step_with_fee_at_supplement(harness)
    refused = problem(await harness.act(code, "approve", OFFICER), 409)
    assert refused["type"].endswith("/precondition-unmet")
    assert "request-supplement" in refused["detail"]

    asked = await harness.act(code, "request-supplement", OFFICER, reason="Thực hiện nghĩa vụ tài chính")
    assert asked.status_code == 200, asked.text
    dossier = asked.json()
    assert (dossier["status"], dossier["national_status"]) == ("supplement_requested", 6)
    assert dossier["fees"]["outstanding"]
    assert dossier["supplement"]["fee_total"] == 120_000
    assert dossier["supplement"]["documents"] == []
    lookup = (await harness.client.get(f"/api/v1/lookup/{code}", params={"proof": "5678"})).json()
    assert (lookup["national_status"], lookup["fee_outstanding"]) == (6, True)
    assert lookup["national_status_label"] == "Yêu cầu thực hiện nghĩa vụ tài chính"
    for who in (CITIZEN, OFFICER):
        unpaid = problem(await harness.act(code, "supplement", who), 409)
        assert unpaid["type"].endswith("/precondition-unmet")
    problem(await harness.act(code, "resume", OFFICER), 403)  # the system's, never the API's
    paper = await harness.client.get(f"/api/v1/dossiers/{code}/papers/supplement-request", headers=CITIZEN)
    text = " ".join(PdfReader(io.BytesIO(paper.content)).pages[0].extract_text().split())
    assert "Nghĩa vụ tài chính cần thực hiện: nộp phí, lệ phí 120.000 đồng" in text
    assert (await harness.dossier(code)).clock_started_at is None

    await harness.deliver(_paid(code, 120_000))
    await harness.deliver(_paid(code, 120_000))  # a second confirmation changes nothing
    resumed = (await harness.client.get(f"/api/v1/dossiers/{code}", headers=CITIZEN)).json()
    assert (resumed["status"], resumed["national_status"]) == ("in_progress", 4)
    assert not resumed["fees"]["outstanding"]
    supplemented = await harness.events("supplemented")
    assert len(supplemented) == 1
    assert supplemented[0]["actor"]["role"] == "system"
    assert supplemented[0]["documents"] == []
    timeline = (await harness.client.get(f"/api/v1/dossiers/{code}/timeline", headers=CITIZEN)).json()
    assert [i["action"] for i in timeline["items"]][-3:] == [
        "request-supplement",
        "payment-confirmed",
        "resume",
    ]
    assert [i["national_status"] for i in timeline["items"]][-3:] == [6, 5, 4]
    approved = await harness.act(code, "approve", OFFICER)
    assert (approved.status_code, approved.json()["national_status"]) == (200, 9)


async def test_documents_asked_with_the_fee_wait_for_the_applicant(harness: Harness) -> None:
    code = await _at_last_step_with_fee_at_supplement(harness)
    await harness.act(
        code, "request-supplement", OFFICER, reason="Bổ sung tờ khai, nộp lệ phí", documents=["to-khai"]
    )
    await harness.client.post(
        f"/api/v1/dossiers/{code}/documents",
        headers=CITIZEN,
        data={"document_code": "to-khai"},
        files={"file": ("moi.pdf", PDF + b"%2", "application/pdf")},
    )
    problem(await harness.act(code, "supplement", CITIZEN), 409)  # uploaded, but not paid
    await harness.deliver(_paid(code, 120_000))
    waiting = (await harness.client.get(f"/api/v1/dossiers/{code}", headers=CITIZEN)).json()
    assert (waiting["status"], waiting["national_status"]) == ("supplement_requested", 5)
    assert "supplement" in waiting["allowed_actions"]
    assert (await harness.act(code, "supplement", CITIZEN)).json()["status"] == "in_progress"
    assert (await harness.events("supplemented"))[0]["actor"]["role"] == "citizen"


async def test_an_unpaid_financial_obligation_stops_the_dossier_whatever_the_policy(
    make_harness: HarnessFactory,
) -> None:
    harness: Harness = await make_harness(
        deadlines=DeadlineSettings(enabled=False, supplement_expiry="resume")
    )
    code = await _at_last_step_with_fee_at_supplement(harness)
    await harness.act(code, "request-supplement", OFFICER, reason="Thực hiện nghĩa vụ tài chính", days=2)
    respond_by = (await harness.dossier(code)).respond_by
    assert respond_by is not None
    swept = await sweep(harness.uow, harness.ports.calendar, harness.settings.deadlines, now=respond_by)
    assert swept.expired == 1
    after = (await harness.client.get(f"/api/v1/dossiers/{code}", headers=CITIZEN)).json()
    assert (after["status"], after["national_status"]) == ("rejected", 8)
    assert after["close_reason"] == UNPAID_REASON


async def test_lookup_needs_proof_answers_alike_and_is_rate_limited(harness: Harness) -> None:
    dossier = await harness.submit()
    code, secret = dossier["code"], dossier["lookup_secret"]
    by_phone = await harness.client.get(f"/api/v1/lookup/{code}", params={"proof": "5678"})
    assert by_phone.status_code == 200
    assert "applicant" not in by_phone.json()
    assert "Nguyễn" not in by_phone.text
    by_secret = await harness.client.get(f"/api/v1/lookup/{code}", headers={"X-Lookup-Proof": secret.lower()})
    assert by_secret.json()["national_status_label"] == "Mới đăng ký"
    wrong = await harness.client.get(f"/api/v1/lookup/{code}", params={"proof": "0000"})
    unknown = await harness.client.get(f"/api/v1/lookup/{AGENCY.code}-991231-9999", params={"proof": "0000"})
    assert wrong.status_code == unknown.status_code == 404
    alike = {"instance", "request_id"}
    assert {k: v for k, v in wrong.json().items() if k not in alike} == {
        k: v for k, v in unknown.json().items() if k not in alike
    }
    for _ in range(4):
        await harness.client.get(f"/api/v1/lookup/{code}", params={"proof": "1111"})
    limited = problem(await harness.client.get(f"/api/v1/lookup/{code}", params={"proof": "5678"}), 429)
    assert limited["type"].endswith("/rate-limited")


async def test_the_deadline_job_announces_once_and_stats_attribute_lateness(harness: Harness) -> None:
    code = (await harness.submit())["code"]
    await harness.act(code, "receive", OFFICER)
    due = datetime.fromisoformat(
        (await harness.client.get(f"/api/v1/dossiers/{code}", headers=OFFICER)).json()["due_at"]
    )
    settings = harness.settings.deadlines
    first = await sweep(harness.uow, harness.ports.calendar, settings, now=due - timedelta(hours=1))
    assert first.due_soon == 1
    later = await sweep(harness.uow, harness.ports.calendar, settings, now=due + timedelta(hours=1))
    again = await sweep(harness.uow, harness.ports.calendar, settings, now=due + timedelta(hours=2))
    assert (later.overdue, again.overdue, again.due_soon) == (1, 0, 0)
    overdue = await harness.events("overdue")
    assert len(overdue) == 1
    assert overdue[0]["responsible_agency_code"] == "hue.xa.thuan-hoa"
    # Move the deadlines into the past (as if days had gone by), then let the holder finish late.
    async with harness.uow() as uow:
        dossier = await uow.dossiers.by_code(code)
        assert dossier is not None
        past = datetime.now(UTC) - timedelta(hours=1)
        dossier.due_at = past
        for step in dossier.steps:
            step.due_at = past
        await uow.commit()
    stats = (await harness.client.get("/api/v1/stats", params={"agency": "hue.xa.thuan-hoa"})).json()
    assert stats["overdue_in_progress"] == 1
    await harness.act(code, "forward", OFFICER)
    await harness.act(code, "forward", POLICE_OFFICER)
    await harness.act(code, "approve", OFFICER)
    stats = (await harness.client.get("/api/v1/stats")).json()
    assert stats["timeliness"]["late"] == 1
    assert stats["timeliness"]["late_rate"] == 1.0
    assert stats["overdue_in_progress"] == 0
    attributed = {(s["agency_code"], s["step_name"]): s["late"] for s in stats["late_by_step"]}
    # Only the step that sat past its sub-deadline is blamed; the later steps kept theirs.
    assert attributed == {("hue.xa.thuan-hoa", "Tiếp nhận hồ sơ"): 1}


async def test_an_unanswered_supplement_request_stops_the_dossier(harness: Harness) -> None:
    code = (await harness.submit())["code"]
    await harness.act(code, "receive", OFFICER)
    await harness.act(code, "request-supplement", OFFICER, reason="Thiếu giấy chứng sinh", days=2)
    respond_by = (await harness.dossier(code)).respond_by
    assert respond_by is not None
    result = await sweep(
        harness.uow, harness.ports.calendar, harness.settings.deadlines, now=respond_by + timedelta(minutes=1)
    )
    assert result.expired == 1
    after = (await harness.client.get(f"/api/v1/dossiers/{code}", headers=CITIZEN)).json()
    assert after["status"] == "rejected"
    assert after["national_status"] == 8


async def test_concurrent_submissions_get_distinct_sequential_codes(harness: Harness) -> None:
    async def one() -> str:
        return str((await harness.submit())["code"])

    codes = await asyncio.gather(*(one() for _ in range(100)))
    assert len(set(codes)) == 100
    assert sorted(int(c.rsplit("-", 1)[1]) for c in codes) == list(range(1, 101))


async def test_calendar_api(harness: Harness) -> None:
    response = await harness.client.get(
        "/api/v1/calendar/due-date", params={"start": "2026-02-13T09:00:00+07:00", "days": 5}
    )
    body = response.json()
    assert body["due_at"] == "2026-02-27T09:00:00+07:00"
    assert "Tết Nguyên Đán" in {d["reason"] for d in body["days_off"]}
    problem(await harness.client.get("/api/v1/calendar/due-date", params={"start": "x", "days": 1}), 422)
    problem(
        await harness.client.get("/api/v1/calendar/due-date", params={"start": "2026-01-01", "days": -1}), 422
    )


@pytest.mark.parametrize("version", [1, 2])
async def test_the_replica_keeps_the_newest_version(make_harness: HarnessFactory, version: int) -> None:
    h: Harness = await make_harness()
    await h.deliver(published(snapshot(version=2, days=7)))
    await h.deliver(published(snapshot(version=version, days=1)))  # stale or redelivered
    dossier = await h.submit()
    assert dossier["procedure_version"] == 2
    assert dossier["processing_days"] == 7


async def test_filings_follow_a_newly_published_version(harness: Harness) -> None:
    first = await harness.submit()
    assert (first["procedure_version"], first["processing_days"]) == (1, 3)
    await harness.deliver(published(snapshot(version=2, days=7)))
    second = await harness.submit()
    assert (second["procedure_version"], second["processing_days"]) == (2, 7)
    assert (await harness.submit())["procedure_version"] == 2


async def test_a_large_document_is_stored_once_with_its_digest(make_harness: HarnessFactory) -> None:
    h: Harness = await make_harness(max_bytes=4 * 1024 * 1024)
    await h.deliver(published(snapshot()))
    large = b"%PDF-1.7\n" + os.urandom(INLINE_HASH_BYTES + 512 * 1024)  # hashed off the event loop
    first = await h.submit(files={"to-khai": large, "giay-chung-sinh": PNG})
    again = await h.submit(files={"to-khai": large, "giay-chung-sinh": PNG})
    assert first["code"] != again["code"]
    document = next(d for d in first["documents"] if d["document_code"] == "to-khai")
    assert document["sha256"] == hashlib.sha256(large).hexdigest()
    assert document["size"] == len(large)
    download = await h.client.get(document["href"], headers=CITIZEN)
    assert download.status_code == 200
    assert download.content == large
    store = h.ports.files
    assert isinstance(store, LocalFileStore)
    assert store.count() == 2  # the same bytes twice are one blob


async def test_the_answer_to_a_filing_is_its_stored_record(harness: Harness) -> None:
    headers = {**CITIZEN, "Idempotency-Key": uuid.uuid4().hex}
    answer = await harness.client.post("/api/v1/dossiers", headers=headers, **multipart(submission()))
    assert answer.status_code == 201
    assert answer.headers["content-type"] == "application/json"
    body = answer.json()
    assert answer.headers["Location"] == f"/api/v1/dossiers/{body['code']}"
    read = (await harness.client.get(f"/api/v1/dossiers/{body['code']}", headers=CITIZEN)).json()

    def comparable(dossier: dict[str, Any]) -> dict[str, Any]:
        # One filing's documents share its time; their order among themselves is not part of the answer.
        documents = sorted(dossier["documents"], key=lambda d: d["id"])
        return {**{k: v for k, v in dossier.items() if k != "time_left"}, "documents": documents}

    assert comparable(read) == comparable(body)
    (event,) = await harness.events("submitted")
    assert event["dossier_code"] == body["code"]


async def test_one_instant_is_spelled_one_way_at_plus_seven(harness: Harness) -> None:
    """``due_at`` just computed (the action's answer) and read back from the database (stored in UTC) are the
    same string, at the platform's +07:00; so are the list's and the calendar's."""
    code = (await harness.submit())["code"]
    received = await harness.act(code, "receive", OFFICER)
    assert received.status_code == 200, received.text
    due = received.json()["due_at"]
    assert due.endswith("+07:00"), due
    again = (await harness.client.get(f"/api/v1/dossiers/{code}", headers=CITIZEN)).json()
    assert again["due_at"] == due
    assert again["received_at"].endswith("+07:00")
    assert all(s["due_at"] is None or s["due_at"].endswith("+07:00") for s in again["steps"])
    listed = (await harness.client.get("/api/v1/dossiers", headers=CITIZEN)).json()["items"]
    assert [d["due_at"] for d in listed if d["code"] == code] == [due]
    computed = await harness.client.get(
        "/api/v1/calendar/due-date", params={"start": "2026-02-13T02:00:00Z", "days": 5}
    )
    assert computed.json()["due_at"].endswith("+07:00"), computed.text


async def test_the_queue_filters_by_channel_and_by_deadline(harness: Harness) -> None:
    online = (await harness.submit())["code"]
    counter = (await harness.submit(submission(channel="counter"), headers=OFFICER))["code"]
    soon, late = (await harness.submit())["code"], (await harness.submit())["code"]
    for code in (online, counter, soon, late):
        assert (await harness.act(code, "receive", OFFICER)).status_code == 200
    # Move two deadlines as if days had gone by: one is in its last working day, one is past.
    now = datetime.now(UTC)
    async with harness.uow() as uow:
        for code, due in ((soon, now + timedelta(hours=2)), (late, now - timedelta(hours=1))):
            dossier = await uow.dossiers.by_code(code)
            assert dossier is not None
            dossier.due_at, dossier.due_soon_at = due, due - timedelta(hours=8)
        await uow.commit()

    async def queue(**params: str) -> list[str]:
        page = await harness.client.get("/api/v1/dossiers", params=params, headers=OFFICER)
        assert page.status_code == 200, page.text
        return [item["code"] for item in page.json()["items"]]

    assert await queue(channel="counter") == [counter]
    assert set(await queue(channel="online")) == {online, soon, late}
    assert await queue(due="soon") == [soon]
    assert await queue(due="overdue") == [late]
    assert await queue(due="overdue", channel="counter") == []
    assert (await queue())[:2] == [late, soon], "soonest due first"
    problem(await harness.client.get("/api/v1/dossiers", params={"due": "later"}, headers=OFFICER), 422)
