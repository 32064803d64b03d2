"""Steps the audit-trail tests share on SQLite and on PostgreSQL: officers' and admins' reads and changes
leave records an admin can query; nothing changes or removes a record."""

from __future__ import annotations

from typing import Any

from dossier_testkit import ADMIN, AGENCY, CITIZEN, OFFICER, PDF, Harness, published, snapshot, submission

from motcua_shared.testing import audit_trail

AT_THE_DESK = {**OFFICER, "X-Forwarded-For": "198.51.100.1, 203.0.113.7", "X-Request-ID": "req-audit-1"}


async def trail(harness: Harness, **params: Any) -> list[dict[str, Any]]:
    """The admin's view of the dossiers' trail (every page), newest first."""
    return await audit_trail(harness.client, "dossiers", ADMIN, **params)


async def officer_reads_and_changes(harness: Harness) -> str:
    """A citizen files and reads their dossier; an officer files one at the counter, reads the citizen's
    (detail, documents, a download, the timeline, the queue) and receives it. The citizen's dossier code."""
    await harness.deliver(published(snapshot()))
    code = str((await harness.submit(files={"to-khai": PDF, "giay-chung-sinh": PDF}))["code"])
    assert (await harness.client.get(f"/api/v1/dossiers/{code}", headers=CITIZEN)).status_code == 200
    counter = await harness.submit(submission(channel="counter"), headers=OFFICER)
    client = harness.client
    assert (await client.get(f"/api/v1/dossiers/{code}", headers=AT_THE_DESK)).status_code == 200
    documents = await client.get(f"/api/v1/dossiers/{code}/documents", headers=OFFICER)
    assert documents.status_code == 200
    document_id = documents.json()["items"][0]["id"]
    download = await client.get(f"/api/v1/dossiers/{code}/documents/{document_id}", headers=OFFICER)
    assert download.status_code == 200
    assert (await client.get(f"/api/v1/dossiers/{code}/timeline", headers=OFFICER)).status_code == 200
    queue = await client.get("/api/v1/dossiers", headers=OFFICER)
    assert {d["code"] for d in queue.json()["items"]} == {code, counter["code"]}
    assert (await harness.act(code, "receive", OFFICER)).status_code == 200
    return code


async def assert_recorded(harness: Harness, code: str) -> None:
    """What :func:`officer_reads_and_changes` left in the trail of the citizen's dossier."""
    records = await trail(harness, dossier=code)
    assert [r["action"] for r in records] == [
        "dossier.receive",
        "dossier.list",
        "dossier.timeline",
        "document.download",
        "document.list",
        "dossier.read",
    ], "the officer's reads and change, newest first; none of the citizen's own"
    read = records[-1]
    assert (read["subject"], read["role"], read["agency_code"]) == ("officer-1", "officer", AGENCY.code)
    assert (read["resource"], read["resource_id"]) == ("dossier", code)
    assert read["client"] == "203.0.113.7", "the address the gateway appended, not what the client claimed"
    assert read["request_id"] == "req-audit-1"
    assert records[3]["detail"], "a download names the document"
    filed = await trail(harness, action="dossier.file")
    assert [f["detail"] for f in filed] == ["counter"]
    assert await trail(harness, subject="citizen-1") == []
