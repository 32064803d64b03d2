"""The retention purge on real PostgreSQL: a citizen's uploads to a dossier closed longer than the retention
period go, with their bytes unless another document still holds them; results, counter scans and open
dossiers' uploads stay; without a retention setting nothing goes."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from dossier_testkit import CITIZEN, OFFICER, PDF, HarnessFactory, published, snapshot

from dossier_svc.documents.service import purge_expired
from dossier_svc.settings import DocumentSettings
from motcua_shared.chassis.settings import DbSettings

pytestmark = pytest.mark.integration


async def test_expired_uploads_are_purged_once_unreferenced(
    make_harness: HarnessFactory, fresh_pg_url: str, tmp_path: Path
) -> None:
    store = tmp_path / "purge-files"
    harness = await make_harness(
        db=DbSettings(url=fresh_pg_url),
        documents=DocumentSettings(store_dir=str(store), upload_retention_days=30, purge_grace=0),
    )
    await harness.deliver(published(snapshot()))
    closed = await harness.submit(files={"to-khai": PDF + b"%tk", "giay-chung-sinh": PDF + b"%gcs"})
    scan = await harness.client.post(
        f"/api/v1/dossiers/{closed['code']}/documents",
        headers=OFFICER,
        data={"document_code": "to-khai"},
        files={"file": ("scan.pdf", PDF + b"%scan", "application/pdf")},
    )
    assert scan.status_code == 201, scan.text
    assert (await harness.act(closed["code"], "withdraw", CITIZEN, reason="Nộp nhầm")).status_code == 200
    by_code = {d["document_code"]: d for d in closed["documents"]}
    # The form is reused in a dossier still open: its bytes must outlive the expired upload.
    reused = await harness.client.post(
        "/api/v1/dossiers/drafts",
        headers=CITIZEN,
        json={"procedure_code": "1.001193", "applicant": closed["applicant"]},
    )
    later = reused.json()["code"]
    attached = await harness.client.post(
        f"/api/v1/dossiers/{later}/documents/reuse",
        headers=CITIZEN,
        json={"document_id": by_code["to-khai"]["id"], "document_code": "to-khai"},
    )
    assert attached.status_code == 201, attached.text
    is_open = await harness.submit()
    files = harness.ports.files
    settings = harness.settings.documents
    now = harness.ports.clock.now()

    assert await purge_expired(harness.uow, files, settings, now=now) == 0, "not yet expired"
    off = settings.model_copy(update={"upload_retention_days": None})
    assert await purge_expired(harness.uow, files, off, now=now + timedelta(days=365)) == 0

    assert await purge_expired(harness.uow, files, settings, now=now + timedelta(days=31)) == 2
    left = await harness.client.get(f"/api/v1/dossiers/{closed['code']}/documents", headers=OFFICER)
    assert [d["id"] for d in left.json()["items"]] == [scan.json()["id"]], "the agency's scan stays"
    assert not await files.exists(by_code["giay-chung-sinh"]["sha256"])
    assert await files.exists(by_code["to-khai"]["sha256"]), "still held by the reuse"
    download = await harness.client.get(attached.json()["href"], headers=CITIZEN)
    assert download.content == PDF + b"%tk"
    mine = await harness.client.get(f"/api/v1/dossiers/{is_open['code']}/documents", headers=CITIZEN)
    assert mine.json()["total"] == 2, "an open dossier's uploads stay"
    assert await purge_expired(harness.uow, files, settings, now=now + timedelta(days=31)) == 0
