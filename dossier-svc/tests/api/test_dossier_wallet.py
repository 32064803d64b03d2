"""The citizen's document wallet: every document of their dossiers, reusable by reference in a later one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dossier_testkit import CITIZEN, OFFICER, OTHER_CITIZEN, PDF, Harness, applicant, problem


def stored(files_dir: Path) -> int:
    return sum(1 for path in files_dir.rglob("*") if path.is_file())


async def draft(harness: Harness, headers: dict[str, str]) -> str:
    created = await harness.client.post(
        "/api/v1/dossiers/drafts",
        headers=headers,
        json={"procedure_code": "1.001193", "applicant": applicant()},
    )
    assert created.status_code == 201, created.text
    code: str = created.json()["code"]
    return code


async def reuse(harness: Harness, code: str, document_id: str, headers: dict[str, str]) -> Any:
    return await harness.client.post(
        f"/api/v1/dossiers/{code}/documents/reuse",
        headers=headers,
        json={"document_id": document_id, "document_code": "to-khai"},
    )


async def test_a_document_is_reused_in_a_second_dossier_without_a_second_upload(harness: Harness) -> None:
    first = await harness.submit()
    wallet = (await harness.client.get("/api/v1/wallet/documents", headers=CITIZEN)).json()
    assert wallet["total"] == 2
    assert {i["dossier_code"] for i in wallet["items"]} == {first["code"]}
    assert {i["origin"] for i in wallet["items"]} == {"uploaded"}
    [form] = [i for i in wallet["items"] if i["document_code"] == "to-khai"]
    files_before = stored(harness.files_dir)

    second = await draft(harness, CITIZEN)
    reused = await reuse(harness, second, form["id"], CITIZEN)
    assert reused.status_code == 201, reused.text
    assert reused.json()["sha256"] == form["sha256"]
    assert reused.json()["reused_from"] == {"document_id": form["id"], "dossier_code": first["code"]}
    assert stored(harness.files_dir) == files_before, "no byte was uploaded or copied"
    download = await harness.client.get(reused.json()["href"], headers=CITIZEN)
    assert download.content == PDF

    # The other document is uploaded as usual, then the officer sees which one was reused, and from where.
    await harness.client.post(
        f"/api/v1/dossiers/{second}/documents",
        headers=CITIZEN,
        data={"document_code": "giay-chung-sinh"},
        files={"file": ("gcs.pdf", PDF + b"%gcs", "application/pdf")},
    )
    submitted = await harness.act(second, "submit", CITIZEN)
    assert submitted.status_code == 200, submitted.text
    code = submitted.json()["code"]
    seen = (await harness.client.get(f"/api/v1/dossiers/{code}/documents", headers=OFFICER)).json()["items"]
    by_code = {d["document_code"]: d for d in seen}
    assert by_code["to-khai"]["reused_from"] == {"document_id": form["id"], "dossier_code": first["code"]}
    assert by_code["giay-chung-sinh"]["reused_from"] is None

    page = (await harness.client.get("/api/v1/wallet/documents?limit=3", headers=CITIZEN)).json()
    assert (page["total"], len(page["items"])) == (4, 3)
    rest = await harness.client.get(
        "/api/v1/wallet/documents", params={"limit": 3, "cursor": page["next_cursor"]}, headers=CITIZEN
    )
    assert len(rest.json()["items"]) == 1
    assert rest.json()["next_cursor"] is None
    ids = [i["id"] for i in page["items"] + rest.json()["items"]]
    assert len(set(ids)) == 4


async def test_another_citizens_document_cannot_be_reused_or_seen(harness: Harness) -> None:
    first = await harness.submit()
    form = next(d for d in first["documents"] if d["document_code"] == "to-khai")
    theirs = await draft(harness, OTHER_CITIZEN)
    denied = problem(await reuse(harness, theirs, form["id"], OTHER_CITIZEN), 404)
    assert denied["type"].endswith("/document-not-found")
    assert (await harness.client.get("/api/v1/wallet/documents", headers=OTHER_CITIZEN)).json()["total"] == 0
    problem(await reuse(harness, first["code"], form["id"], OTHER_CITIZEN), 404)  # nor into my dossier
    problem(await harness.client.get("/api/v1/wallet/documents", headers=OFFICER), 403)
    mine = await draft(harness, CITIZEN)
    problem(await reuse(harness, mine, "doc-does-not-exist", CITIZEN), 404)


async def remove(harness: Harness, document_id: str, headers: dict[str, str]) -> Any:
    return await harness.client.delete(f"/api/v1/wallet/documents/{document_id}", headers=headers)


async def wallet_ids(harness: Harness) -> set[str]:
    items = (await harness.client.get("/api/v1/wallet/documents", headers=CITIZEN)).json()["items"]
    return {i["id"] for i in items}


async def test_a_citizen_removes_their_uploads_by_the_rule(harness: Harness) -> None:
    # A draft's upload is deleted with it gone from the draft.
    mine = await draft(harness, CITIZEN)
    uploaded = await harness.client.post(
        f"/api/v1/dossiers/{mine}/documents",
        headers=CITIZEN,
        data={"document_code": "to-khai"},
        files={"file": ("tk.pdf", PDF, "application/pdf")},
    )
    assert uploaded.status_code == 201, uploaded.text
    draft_doc = uploaded.json()["id"]
    problem(await remove(harness, draft_doc, OTHER_CITIZEN), 404)
    problem(await remove(harness, draft_doc, OFFICER), 403)
    assert (await remove(harness, draft_doc, CITIZEN)).status_code == 204
    assert draft_doc not in await wallet_ids(harness)
    listed = (await harness.client.get(f"/api/v1/dossiers/{mine}/documents", headers=CITIZEN)).json()
    assert listed["total"] == 0
    problem(await remove(harness, draft_doc, CITIZEN), 404)

    # A dossier being decided keeps its documents; once it is closed, the upload leaves the wallet only.
    filed = await harness.submit()
    form = next(d for d in filed["documents"] if d["document_code"] == "to-khai")
    kept = problem(await remove(harness, form["id"], CITIZEN), 409)
    assert kept["type"].endswith("/document-kept")
    problem(await remove(harness, form["id"], OTHER_CITIZEN), 404)
    problem(await remove(harness, form["id"], OFFICER), 403)
    assert (await harness.act(filed["code"], "withdraw", CITIZEN, reason="Nộp nhầm")).status_code == 200
    assert (await remove(harness, form["id"], CITIZEN)).status_code == 204
    assert form["id"] not in await wallet_ids(harness)
    seen = await harness.client.get(f"/api/v1/dossiers/{filed['code']}/documents", headers=OFFICER)
    assert form["id"] in {d["id"] for d in seen.json()["items"]}, "it stays with the closed dossier"
    problem(await reuse(harness, mine, form["id"], CITIZEN), 404)  # nor can it be reused any more
    problem(await remove(harness, form["id"], CITIZEN), 404)


async def test_an_issued_document_is_a_public_record(harness: Harness) -> None:
    filed = await harness.submit()
    scan = await harness.client.post(
        f"/api/v1/dossiers/{filed['code']}/documents",
        headers=OFFICER,
        data={"document_code": "to-khai"},
        files={"file": ("scan.pdf", PDF + b"%scan", "application/pdf")},
    )
    assert scan.status_code == 201, scan.text
    await harness.act(filed["code"], "withdraw", CITIZEN, reason="Nộp nhầm")
    refused = problem(await remove(harness, scan.json()["id"], CITIZEN), 409)
    assert "hồ sơ công" in refused["detail"]
    assert scan.json()["id"] in await wallet_ids(harness)
