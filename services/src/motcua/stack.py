"""`motcua stack`: Kafka, PostgreSQL, and each service and the gateway as its own uvicorn process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psutil

from motcua.infra.kafka import KafkaBroker
from motcua.infra.ports import port_is_free
from motcua.infra.postgres import PostgresCluster, create_databases
from motcua_shared.chassis.settings import PUBLIC_URL_ENV

# The gateway listens on the base port, the services on the next four.
SERVICES: dict[str, tuple[str, int]] = {
    "catalog": ("catalog_svc", 1),
    "dossier": ("dossier_svc", 2),
    "payment": ("payment_svc", 3),
    "notify": ("notify_svc", 4),
}
BASE_PORT = 8000
# The sandbox payment provider, a process of its own as a real provider would be.
SANDBOX_OFFSET = 5


@dataclass(frozen=True)
class StackPaths:
    """Where the stack keeps its state, data and logs."""

    root: Path

    @property
    def state(self) -> Path:
        """The JSON file naming every process the stack started."""
        return self.root / "state.json"

    @property
    def logs(self) -> Path:
        """One log file per process."""
        return self.root / "logs"

    @property
    def kafka(self) -> Path:
        """The broker's data directory."""
        return self.root / "kafka"

    @property
    def postgres(self) -> Path:
        """The throwaway cluster's data directory."""
        return self.root / "postgres"


def stack_postgres(paths: StackPaths, *, port: int | None = None) -> PostgresCluster:
    """The stack's own PostgreSQL (unless ``MOTCUA_PG_URL`` names one): durable, as a user's data deserves;
    the fast mode is for tests alone."""
    return PostgresCluster(paths.postgres, port=port, fast=False)


OWNERS = [*SERVICES, "gateway"]
"""Who has a database of their own."""


def _database_name(service: str) -> str:
    return f"motcua_{service}"


def _service_env(prefix: str, *, db_url: str, bootstrap: str, port: int, base_port: int) -> dict[str, str]:
    return {
        f"{prefix}_DB__URL": db_url,
        f"{prefix}_BUS__KIND": "kafka",
        f"{prefix}_BUS__BOOTSTRAP_SERVERS": bootstrap,
        f"{prefix}_HTTP__HOST": "127.0.0.1",
        f"{prefix}_HTTP__PORT": str(port),
        f"{prefix}_AUTH__JWKS_URL": f"http://127.0.0.1:{base_port}/.well-known/jwks.json",
    }


def _extra_env(service: str, paths: StackPaths, base_port: int) -> dict[str, str]:
    sandbox = f"http://127.0.0.1:{base_port + SANDBOX_OFFSET}"
    if service == "dossier":
        return {"DOSSIER_DOCUMENTS__STORE_DIR": str(paths.root / "dossier-files")}
    if service == "payment":
        return {
            "PAYMENT_MOUNT_SANDBOX": "false",
            "PAYMENT_SANDBOX__PAY_URL": f"{sandbox}/pay",
            "PAYMENT_SANDBOX__API_URL": f"{sandbox}/api/transaction",
        }
    return {}


def _sandbox_env(base_port: int) -> dict[str, str]:
    return {
        "SANDBOX_HTTP__HOST": "127.0.0.1",
        "SANDBOX_HTTP__PORT": str(base_port + SANDBOX_OFFSET),
    }


def _public_env(base_port: int) -> dict[str, str]:
    """The platform's public base URL for every process: the operator's, else the gateway's address."""
    return {PUBLIC_URL_ENV: os.environ.get(PUBLIC_URL_ENV) or f"http://127.0.0.1:{base_port}"}


def _spawn(name: str, module: str, env: dict[str, str], paths: StackPaths) -> dict[str, Any]:
    paths.logs.mkdir(parents=True, exist_ok=True)
    log = (paths.logs / f"{name}.log").open("ab")
    proc = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", module],
        env={**os.environ, **env},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    return {"name": name, "pid": proc.pid, "create_time": psutil.Process(proc.pid).create_time()}


def _ready(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def up(paths: StackPaths, *, base_port: int = BASE_PORT, timeout: float = 120) -> dict[str, Any]:
    """Start Kafka (or use ``MOTCUA_KAFKA_BOOTSTRAP``), PostgreSQL (or ``MOTCUA_PG_URL``), then the apps."""
    if paths.state.exists():
        raise RuntimeError(f"a stack is already up (see {paths.state}); run `motcua stack down` first")
    for port in (
        base_port,
        base_port + SANDBOX_OFFSET,
        *(base_port + offset for _, offset in SERVICES.values()),
    ):
        if not port_is_free(port):
            raise RuntimeError(f"port {port} is taken")
    state: dict[str, Any] = {"processes": [], "base_port": base_port}
    paths.root.mkdir(parents=True, exist_ok=True)
    bootstrap = os.environ.get("MOTCUA_KAFKA_BOOTSTRAP")
    if not bootstrap:
        # Recorded before it starts: an `up` failing after this point leaves a state `down` can stop.
        state["kafka"] = {"data_dir": str(paths.kafka)}
        paths.state.write_text(json.dumps(state, indent=2))
        broker = KafkaBroker(paths.kafka)
        broker.start()
        bootstrap = broker.bootstrap
    pg_url = os.environ.get("MOTCUA_PG_URL")
    names = [_database_name(s) for s in OWNERS]
    if pg_url:
        create_databases(pg_url, names)
    else:
        cluster = stack_postgres(paths)
        state["postgres"] = {"data_dir": str(paths.postgres), "port": cluster.port}
        paths.state.write_text(json.dumps(state, indent=2))
        cluster.start()
        for name in names:
            cluster.create_database(name)
    state["bootstrap"] = bootstrap
    paths.state.write_text(json.dumps(state, indent=2))
    for app in _apps(paths, state):
        state["processes"].append({**_spawn(app.name, app.module, app.env, paths), "port": app.port})
    paths.state.write_text(json.dumps(state, indent=2))
    _wait_ready(state["processes"], timeout, paths)
    return state


@dataclass(frozen=True)
class _App:
    name: str
    module: str
    env: dict[str, str]
    port: int


def _database_urls(state: dict[str, Any]) -> dict[str, str]:
    """Each owner's database URL: on the stack's own cluster, else on ``MOTCUA_PG_URL``'s server."""
    if "postgres" in state:
        cluster = PostgresCluster(Path(state["postgres"]["data_dir"]), port=state["postgres"]["port"])
        return {s: cluster.url(_database_name(s)) for s in OWNERS}
    pg_url = os.environ.get("MOTCUA_PG_URL")
    if not pg_url:
        raise RuntimeError("this stack runs on MOTCUA_PG_URL's PostgreSQL: set it as for `stack up`")
    base = pg_url.rsplit("/", 1)[0]
    return {s: f"{base}/{_database_name(s)}" for s in OWNERS}


def _apps(paths: StackPaths, state: dict[str, Any]) -> list[_App]:
    """The stack's processes and how each is started: the same ports and settings every time."""
    base_port, bootstrap = int(state["base_port"]), str(state["bootstrap"])
    urls = _database_urls(state)
    public = _public_env(base_port)
    apps: list[_App] = []
    for service, (module, offset) in SERVICES.items():
        port = base_port + offset
        env = _service_env(
            service.upper(), db_url=urls[service], bootstrap=bootstrap, port=port, base_port=base_port
        ) | _extra_env(service, paths, base_port)
        apps.append(_App(service, module, env | public, port))
    apps.append(
        _App(
            "payment-sandbox",
            "payment_svc.sandbox",
            _sandbox_env(base_port) | public,
            base_port + SANDBOX_OFFSET,
        )
    )
    gateway_env = {
        f"GATEWAY_UPSTREAMS__{name.upper()}": f"http://127.0.0.1:{base_port + offset}"
        for name, (_, offset) in SERVICES.items()
    }
    gateway_env |= {"GATEWAY_HTTP__PORT": str(base_port), "GATEWAY_HTTP__HOST": "127.0.0.1"}
    gateway_env["GATEWAY_IDENTITY__SIGNING_KEY_PATH"] = str(paths.root / "gateway" / "signing-key.pem")
    gateway_env |= {
        "GATEWAY_DB__URL": urls["gateway"],
        "GATEWAY_BUS__KIND": "kafka",
        "GATEWAY_BUS__BOOTSTRAP_SERVERS": bootstrap,
    }
    if "GATEWAY_IDENTITY__DEMO_ACCOUNTS" not in os.environ:
        # A development stack, like `motcua run`: the README's demo officers and admin exist, or nobody
        # could ever sign in as staff (creating staff needs an admin).
        gateway_env["GATEWAY_IDENTITY__DEMO_ACCOUNTS"] = "true"
    gateway_env |= public
    apps.append(_App("gateway", "gateway", gateway_env, base_port))
    return apps


def _wait_ready(processes: list[dict[str, Any]], timeout: float, paths: StackPaths) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(_ready(f"http://127.0.0.1:{p['port']}/readyz") for p in processes):
            return
        time.sleep(0.5)
    raise RuntimeError(f"the stack did not become ready in {timeout:.0f} s; see {paths.logs}")


def restart(paths: StackPaths, part: str, *, timeout: float = 120, grace: float = 15) -> None:
    """Restart one part of a running stack (``kafka``, ``postgres``, a service, the sandbox or the gateway)
    on the same ports with the same settings, whether it still runs or died; the state then names the new
    process, so `status` and `down` know it."""
    if not paths.state.exists():
        raise RuntimeError("no stack is up")
    state = json.loads(paths.state.read_text())
    if part == "kafka":
        if "kafka" not in state:
            raise RuntimeError("this stack's Kafka is MOTCUA_KAFKA_BOOTSTRAP's, not its own")
        data_dir = Path(state["kafka"]["data_dir"])
        running = KafkaBroker.adopt(data_dir)
        if running is not None:
            running.stop(timeout=grace)
        broker = KafkaBroker(data_dir)
        if broker.bootstrap != state["bootstrap"]:
            raise RuntimeError(f"Kafka's port {state['bootstrap']} is taken; the services know no other")
        broker.start()
    elif part == "postgres":
        if "postgres" not in state:
            raise RuntimeError("this stack's PostgreSQL is MOTCUA_PG_URL's, not its own")
        cluster = stack_postgres(paths, port=int(state["postgres"]["port"]))
        if cluster.running:
            cluster.stop()
        cluster.start()
    else:
        procs = {p["name"]: p for p in state["processes"]}
        if part not in procs:
            raise RuntimeError(f"no part {part!r}; the parts: {', '.join(['kafka', 'postgres', *procs])}")
        proc = procs[part]
        _stop(proc, grace)
        [app] = [a for a in _apps(paths, state) if a.name == part]
        proc.update(_spawn(app.name, app.module, app.env, paths), port=app.port)
        proc["restarts"] = int(proc.get("restarts", 0)) + 1
        paths.state.write_text(json.dumps(state, indent=2))
        _wait_ready([proc], timeout, paths)


def status(paths: StackPaths) -> list[dict[str, Any]]:
    """Each process the stack started, whether it runs, and whether it is ready."""
    if not paths.state.exists():
        return []
    state = json.loads(paths.state.read_text())
    rows: list[dict[str, Any]] = []
    if "kafka" in state:
        broker = KafkaBroker.adopt(Path(state["kafka"]["data_dir"]))
        rows.append(
            {
                "name": "kafka",
                "pid": broker.pid if broker else None,
                "running": bool(broker and broker.running),
                "ready": bool(broker and broker.running),
                "address": state.get("bootstrap", "-"),
            }
        )
    if "postgres" in state:
        cluster = PostgresCluster(Path(state["postgres"]["data_dir"]), port=state["postgres"]["port"])
        rows.append(
            {
                "name": "postgres",
                "pid": cluster.pid,
                "running": cluster.running,
                "ready": cluster.running,
                "address": f"127.0.0.1:{cluster.port}",
            }
        )
    for proc in state["processes"]:
        alive = _alive(proc)
        rows.append(
            {
                "name": proc["name"],
                "pid": proc["pid"],
                "running": alive,
                "ready": alive and _ready(f"http://127.0.0.1:{proc['port']}/readyz"),
                "address": f"http://127.0.0.1:{proc['port']}",
                "restarts": int(proc.get("restarts", 0)),
            }
        )
    return rows


def _alive(proc: dict[str, Any]) -> bool:
    try:
        p = psutil.Process(proc["pid"])
    except psutil.NoSuchProcess:
        return False
    return abs(p.create_time() - proc["create_time"]) < 1 and p.status() != psutil.STATUS_ZOMBIE


def _stop(proc: dict[str, Any], grace: float) -> bool:
    """Stop one of the stack's processes by its id (SIGTERM, then SIGKILL after ``grace``); whether it ran."""
    if not _alive(proc):
        return False
    os.kill(proc["pid"], signal.SIGTERM)
    try:
        psutil.Process(proc["pid"]).wait(grace)
    except psutil.TimeoutExpired:
        os.kill(proc["pid"], signal.SIGKILL)
    except psutil.NoSuchProcess:
        pass
    return True


def down(paths: StackPaths, *, grace: float = 15) -> list[str]:
    """Stop, by process id, everything ``up`` started; returns what was stopped."""
    if not paths.state.exists():
        return []
    state = json.loads(paths.state.read_text())
    stopped: list[str] = []
    for proc in reversed(state["processes"]):
        if _stop(proc, grace):
            stopped.append(proc["name"])
    if "kafka" in state:
        broker = KafkaBroker.adopt(Path(state["kafka"]["data_dir"]))
        if broker is not None:
            broker.stop()
            stopped.append("kafka")
    if "postgres" in state:
        cluster = PostgresCluster(Path(state["postgres"]["data_dir"]), port=state["postgres"]["port"])
        if cluster.running:
            cluster.stop()
            stopped.append("postgres")
    paths.state.unlink()
    return stopped
