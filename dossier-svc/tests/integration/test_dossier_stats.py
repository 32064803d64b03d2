"""The statistics' aggregate queries on real PostgreSQL: dossiers filed online and at the counter, paid
online and by a confirmed transfer slip, finished and overdue, rated, then read back by agency and month."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from dossier_testkit import (
    CITIZEN,
    OFFICER,
    POLICE_OFFICER,
    Harness,
    HarnessFactory,
    published,
    snapshot,
    submission,
)

from motcua_shared.chassis.settings import DbSettings
from motcua_shared.contracts import examples
from motcua_shared.contracts.payment import PaymentMethod, PaymentSucceeded

pytestmark = pytest.mark.integration

FEE = 50_000
PAID_CODE = "1.001193"  # full-process online (level 4), with a fee
FREE_CODE = "2.000001"  # partly online (level 3), free


async def _pay(harness: Harness, code: str, method: PaymentMethod) -> None:
    example = examples.examples()[PaymentSucceeded.TYPE]
    assert isinstance(example, PaymentSucceeded)
    await harness.deliver(
        example.model_copy(
            update={"dossier_code": code, "amount": FEE, "payment_id": f"pay-{code}", "method": method}
        )
    )


async def _through(harness: Harness, code: str, *actions: tuple[str, dict[str, str]]) -> None:
    for action, who in actions:
        response = await harness.act(code, action, who)
        assert response.status_code == 200, (action, response.text)


FINISH = (("forward", OFFICER), ("forward", POLICE_OFFICER), ("approve", OFFICER))


async def test_the_figures_by_agency_and_month_on_postgresql(
    make_harness: HarnessFactory, fresh_pg_url: str
) -> None:
    harness: Harness = await make_harness(db=DbSettings(url=fresh_pg_url))
    await harness.deliver(published(snapshot(code=PAID_CODE, fee=FEE)))
    await harness.deliver(published(snapshot(code=FREE_CODE, online_level=3)))

    # Online, paid by VietQR, finished and returned, rated unsatisfied.
    first = (await harness.submit(submission(PAID_CODE)))["code"]
    await _pay(harness, first, PaymentMethod.VIETQR)
    await _through(harness, first, ("receive", OFFICER), *FINISH, ("return-result", OFFICER))
    rated = await harness.client.post(
        f"/api/v1/dossiers/{first}/rating", headers=CITIZEN, json={"rating": "unsatisfied"}
    )
    assert rated.status_code == 201
    # Online, paid by a transfer slip an officer confirmed, received and left to run overdue.
    second = (await harness.submit(submission(PAID_CODE)))["code"]
    await _pay(harness, second, PaymentMethod.MANUAL_TRANSFER)
    await _through(harness, second, ("receive", OFFICER))
    async with harness.uow() as uow:
        dossier = await uow.dossiers.by_code(second)
        assert dossier is not None
        dossier.due_at = datetime.now(UTC) - timedelta(hours=1)
        await uow.commit()
    # At the counter, free, under a partly-online procedure, finished.
    third = (
        await harness.submit(
            submission(FREE_CODE, channel="counter", applicant_account_id="citizen-1"), headers=OFFICER
        )
    )["code"]
    await _through(harness, third, ("receive", OFFICER), *FINISH)
    # Filed but never received: not in the figures.
    await harness.submit(submission(FREE_CODE))

    stats: dict[str, Any] = (await harness.client.get("/api/v1/stats")).json()
    assert (stats["received"], stats["finished"], stats["overdue_in_progress"]) == (3, 2, 1)
    assert stats["channels"] == {
        "online": 2,
        "counter": 1,
        "postal": 0,
        "online_share": round(2 / 3, 4),
        "full_online": 2,
        "full_online_share": round(2 / 3, 4),
    }
    assert stats["payments"] == {"with_fees": 2, "paid_online": 1, "online_share": 0.5}
    assert stats["digitisation"] == {"digitised": 3, "share": 1.0}
    timely = stats["timeliness"]["early"] + stats["timeliness"]["on_time"]
    assert timely == 2
    assert stats["timely_rate"] == round(2 / (2 + 1), 4)
    assert stats["satisfaction"]["unsatisfied"] == 1
    assert stats["satisfaction_rate"] == 0.5
    (month,) = stats["by_month"]
    (agency,) = stats["by_agency"]
    assert agency["agency_code"] == "hue.xa.thuan-hoa"
    assert agency["by_month"] == [month]
    for cut in (month, agency):
        for name in ("received", "finished", "overdue_in_progress", "channels", "payments", "digitisation"):
            assert cut[name] == stats[name], name
    other = (await harness.client.get("/api/v1/stats", params={"agency": "hue.so-tu-phap"})).json()
    assert (other["received"], other["by_agency"], other["by_month"]) == (0, [], [])
