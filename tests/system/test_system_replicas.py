"""The stack with two replicas of every service and of the gateway behind nginx, supervised: replicas that
agree on limits, a killed replica taken out of the balance and brought back by the supervisor."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest
from stack_kit import Stack, logs, running_stack

from motcua.infra.postgres import PgServer

pytestmark = [pytest.mark.system, pytest.mark.integration]

REPLICAS = 2
APPS = ("gateway", "catalog", "dossier", "payment", "notify")


@pytest.fixture
def stack(tmp_path: Path, kafka_bootstrap: str, pg_server: PgServer) -> Iterator[Stack]:
    with running_stack(
        tmp_path / "stack", kafka_bootstrap, pg_server, "--replicas", str(REPLICAS), ports=10 * (REPLICAS + 1)
    ) as stack:
        yield stack


def test_replicas_behind_nginx_agree_and_the_supervisor_brings_one_back(stack: Stack) -> None:
    procs = stack.processes()
    assert {f"{app}-{r}" for app in APPS for r in (1, 2)} | {"balancer", "payment-sandbox"} == set(procs)
    with httpx.Client(base_url=stack.gateway, timeout=15) as client:
        ready = client.get("/readyz")
        assert ready.status_code == 200, ready.text

        # One budget for a phone, whichever gateway replica nginx picks (3 at once, then 429).
        answers = [
            client.post("/api/v1/auth/otp", json={"phone": "0905123456"}).status_code for _ in range(6)
        ]
        assert answers == [202, 202, 202, 429, 429, 429], "three per phone in all, not three per replica"

        # A catalogue replica dies: nginx sends the requests to the other, the supervisor restarts it.
        victim = procs["catalog-1"]
        os.kill(victim["pid"], signal.SIGKILL)
        psutil.Process(victim["pid"]).wait(10)
        statuses = [
            client.get("/api/v1/procedures", params={"q": "khai sinh"}).status_code for _ in range(10)
        ]
        assert statuses == [200] * 10, "the surviving replica answers every request"

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        catalog = stack.processes()["catalog-1"]
        if catalog["pid"] != victim["pid"] and stack.motcua("status").returncode == 0:
            break
        time.sleep(1)
    else:
        pytest.fail("the supervisor did not bring catalog-1 back:\n" + logs(stack.root))
    assert catalog.get("restarts") == 1
    assert "catalog-1" in (status := stack.motcua("status").stdout)
    assert "restarted 1×" in status

    stopped = stack.motcua("down")
    assert stopped.returncode == 0, stopped.stderr
    assert "supervisor" in stopped.stdout
    for proc in [*procs.values(), catalog]:
        assert (
            not psutil.pid_exists(proc["pid"]) or psutil.Process(proc["pid"]).status() == psutil.STATUS_ZOMBIE
        )
