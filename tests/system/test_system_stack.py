"""The stack as separate processes (`motcua stack up|status|down`): gateway, real Kafka and PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest
from stack_kit import Stack, logs, running_stack

from motcua.infra.ports import free_port
from motcua.infra.postgres import PgServer

pytestmark = [pytest.mark.system, pytest.mark.integration]


@pytest.fixture
def stack(tmp_path: Path, kafka_bootstrap: str, pg_server: PgServer) -> Iterator[Stack]:
    # Unsupervised: this test kills a service and restarts it by hand (test_system_replicas lets the
    # supervisor do it).
    with running_stack(tmp_path / "stack", kafka_bootstrap, pg_server, "--no-supervise") as stack:
        yield stack


def test_stack_runs_each_service_as_its_own_process_behind_the_gateway(stack: Stack) -> None:
    status = stack.motcua("status")
    assert status.returncode == 0, status.stdout
    for name in ("gateway", "catalog", "dossier", "payment", "notify", "payment-sandbox"):
        assert name in status.stdout
    pids = {p["name"]: p["pid"] for p in stack.state()["processes"]}
    assert len(set(pids.values())) == 6, "one process per service, the gateway and the payment sandbox"

    with httpx.Client(base_url=stack.gateway, timeout=10) as client:
        ready = client.get("/readyz")
        assert ready.status_code == 200, ready.text
        assert ready.json()["checks"] == {s: "up" for s in ("catalog", "dossier", "payment", "notify")}
        keys = client.get("/.well-known/jwks.json").json()["keys"]
        assert keys
        assert keys[0]["alg"] == "EdDSA"
        unknown = client.get("/api/v1/nothing", headers={"X-Request-ID": "sys-1"})
        assert unknown.status_code == 404
        assert unknown.headers["content-type"] == "application/problem+json"
        assert unknown.headers["x-request-id"] == "sys-1"
        assert client.get("/ops/catalog/dlq").status_code == 401, "ops is admin-only through the gateway too"

        os.kill(pids["catalog"], signal.SIGKILL)
        psutil.Process(pids["catalog"]).wait(10)
        down = client.get("/api/v1/procedures")
        assert down.status_code == 503
        assert down.headers["content-type"] == "application/problem+json"
        assert client.get("/readyz").json()["checks"]["catalog"] == "down"

    assert stack.motcua("status").returncode == 1, "status reports the dead service"
    restarted = stack.motcua("restart", "catalog")
    assert restarted.returncode == 0, restarted.stdout + restarted.stderr + logs(stack.root)
    [catalog] = [p for p in stack.state()["processes"] if p["name"] == "catalog"]
    assert catalog["pid"] != pids["catalog"]
    assert catalog["restarts"] == 1
    with httpx.Client(base_url=stack.gateway, timeout=10) as client:
        assert client.get("/api/v1/procedures").status_code == 200, "back on the port the gateway knows"
    status = stack.motcua("status")
    assert status.returncode == 0, status.stdout
    assert "restarted 1×" in status.stdout
    pids["catalog (restarted)"] = catalog["pid"]
    assert stack.motcua("restart", "nothing").returncode == 1

    stopped = stack.motcua("down")
    assert stopped.returncode == 0
    for name, pid in pids.items():
        assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE, name
    assert not (stack.root / "state.json").exists()


def test_embedded_platform_is_one_process(tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "run.log"
    proc = subprocess.Popen(
        [sys.executable, "-m", "motcua.cli", "run", "--port", str(port), "--var-dir", str(tmp_path / "var")],
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
            # A deadline, not a count of tries: under load, start-up (hashing the demo passwords) is slow.
            deadline = time.monotonic() + 180
            while time.monotonic() < deadline:
                try:
                    if client.get("/readyz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                proc.poll()
                if proc.returncode is not None:
                    pytest.fail(f"motcua run exited with {proc.returncode}:\n{log.read_text()[-4000:]}")
                time.sleep(0.5)
            ready = client.get("/readyz")
            assert ready.status_code == 200
            assert set(ready.json()["checks"]) == {"catalog", "dossier", "payment", "notify"}
        for name in ("catalog", "dossier", "payment", "notify", "bus"):
            assert (tmp_path / "var" / f"{name}.db").exists()
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(20)
    # uvicorn re-raises the signal after a graceful shutdown, so -SIGTERM is a clean exit.
    assert proc.returncode in (0, -signal.SIGTERM)
    assert "Application shutdown complete" in log.read_text()
