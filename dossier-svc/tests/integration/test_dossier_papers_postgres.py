"""Papers and the clock on real PostgreSQL: the cut-off filed through the one-statement filing and applied at
receipt, a supplement request printed again from its stored history after the supplement, the register's
query by unit and period; a signed result (dossier_results_kit)."""

from __future__ import annotations

import io
from datetime import time, timedelta

import pytest
from dossier_results_kit import signed_result_scenario
from dossier_testkit import AGENCY, CITIZEN, OFFICER, HarnessFactory, published, snapshot
from pypdf import PdfReader

from motcua_shared.chassis.settings import DbSettings

pytestmark = pytest.mark.integration


def as_rendered(content: bytes) -> bytes:
    """The paper as drawn, before the signature's incremental update (each print is signed anew)."""
    end = content.index(b"%%EOF") + len(b"%%EOF")
    return content[:end]


def text(content: bytes) -> str:
    return " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(content)).pages)


async def test_papers_from_history_and_the_cut_off_on_postgresql(
    make_harness: HarnessFactory, fresh_pg_url: str
) -> None:
    harness = await make_harness(db=DbSettings(url=fresh_pg_url))
    # A cut-off at midnight: whenever the test runs, the dossier is received after it.
    await harness.deliver(published(snapshot(days=0, same_day_cutoff=time(0, 0))))
    code = (await harness.submit())["code"]
    assert (await harness.act(code, "receive", OFFICER)).status_code == 200
    dossier = await harness.dossier(code)
    cal = harness.ports.calendar
    assert dossier.same_day_cutoff == "00:00"
    assert dossier.received_at is not None
    assert dossier.clock_started_at == cal.next_working_day(dossier.received_at)
    assert dossier.due_at == cal.due(cal.next_working_day(dossier.received_at), 0)
    papers = f"/api/v1/dossiers/{code}/papers"
    receipt = text((await harness.client.get(f"{papers}/receipt", headers=CITIZEN)).content)
    assert "Hồ sơ nhận sau 00:00 giờ: thời gian giải quyết tính từ" in receipt

    asked = await harness.act(code, "request-supplement", OFFICER, reason="Thiếu bản sao CCCD", days=5)
    assert asked.status_code == 200
    before = (await harness.client.get(f"{papers}/supplement-request", headers=CITIZEN)).content
    assert (await harness.act(code, "supplement", CITIZEN)).status_code == 200
    assert (await harness.dossier(code)).respond_by is None
    after = (await harness.client.get(f"{papers}/supplement-request", headers=CITIZEN)).content
    assert as_rendered(after) == as_rendered(before)
    assert "Hạn bổ sung: …" not in text(after)

    day = cal.local(dossier.received_at).date()
    query = {"agency": AGENCY.code, "from": day.isoformat(), "to": day.isoformat()}
    register = await harness.client.get("/api/v1/papers/register", params=query, headers=OFFICER)
    assert register.status_code == 200
    assert "Tổng số hồ sơ: 1" in text(register.content)
    earlier = {
        **query,
        "from": (day - timedelta(days=3)).isoformat(),
        "to": (day - timedelta(days=1)).isoformat(),
    }
    none = await harness.client.get("/api/v1/papers/register", params=earlier, headers=OFFICER)
    assert "Tổng số hồ sơ: 0" in text(none.content)


async def test_a_signed_result_on_postgresql(make_harness: HarnessFactory, fresh_pg_url: str) -> None:
    harness = await make_harness(db=DbSettings(url=fresh_pg_url))
    await harness.deliver(published(snapshot()))
    await signed_result_scenario(harness)
