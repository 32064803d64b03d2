"""The stack as separate processes (`motcua stack up|status|down`): gateway, real Kafka and PostgreSQL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest
from journey_steps import free_port_block

from motcua.infra.ports import free_port
from motcua.infra.postgres import PgServer

pytestmark = [pytest.mark.system, pytest.mark.integration]


@dataclass
class Stack:
    root: Path
    base_port: int
    env: dict[str, str]

    def motcua(self, *args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "motcua.cli", "stack", *args, "--root", str(self.root)],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    @property
    def gateway(self) -> str:
        return f"http://127.0.0.1:{self.base_port}"

    def state(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((self.root / "state.json").read_text())
        return data


@pytest.fixture
def stack(tmp_path: Path, kafka_bootstrap: str, pg_server: PgServer) -> Iterator[Stack]:
    env = {
        **os.environ,
        "MOTCUA_KAFKA_BOOTSTRAP": kafka_bootstrap,
        "MOTCUA_PG_URL": pg_server.url("postgres"),
    }
    stack = Stack(tmp_path / "stack", free_port_block(6), env)
    # Unsupervised: this test kills a service and restarts it by hand (test_system_replicas lets the
    # supervisor do it).
    started = stack.motcua("up", "--base-port", str(stack.base_port), "--no-supervise")
    try:
        assert started.returncode == 0, started.stdout + started.stderr + _logs(stack.root)
        yield stack
    finally:
        stack.motcua("down")


def _logs(root: Path) -> str:
    return "\n".join(f"--- {p.name}\n{p.read_text()[-3000:]}" for p in sorted((root / "logs").glob("*.log")))


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
    assert restarted.returncode == 0, restarted.stdout + restarted.stderr + _logs(stack.root)
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
            for _ in range(120):
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
