"""`motcua stack`: Kafka, PostgreSQL, and each service and the gateway as its own uvicorn process.

With ``--replicas N`` each service and the gateway run N processes behind nginx (:mod:`motcua.infra.
balancer`), which listens on the usual ports. A supervisor process (:func:`supervise`) restarts whatever
dies — a service, the balancer, the broker, PostgreSQL — on the same ports with the same settings, and
counts the restarts that `status` shows. Every change to the state file happens under one lock, so the
supervisor, `restart` and `down` never act on a process at the same time. With ``--proxy`` the services reach
Kafka and PostgreSQL through Toxiproxy (:mod:`motcua.infra.toxiproxy`), where a fault test adds latency or
resets connections; each broker then advertises its proxy's address, so no client bypasses it.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
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

from motcua.infra import balancer, toxiproxy
from motcua.infra.kafka import KafkaBroker, KafkaCluster
from motcua.infra.ports import free_ports, port_is_free
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
# With replicas, replica r (from 1) of the app at offset o listens on base + REPLICA_STRIDE·r + o, and
# nginx on base + o.
REPLICA_STRIDE = 10

# glibc's malloc for every process the stack starts (the Dockerfile sets the same for the images): at most
# two arenas instead of one per thread that ever allocated (each worker thread — DNS look-ups on reconnect,
# argon2 — otherwise keeps its own, and its freed memory, for the process's life), and large blocks
# (Kafka fetch buffers, big result sets) mmapped and returned when freed rather than stranded in the heap.
# Measured in notify-svc's README; the operator's environment wins.
MALLOC_ENV = {"MALLOC_ARENA_MAX": "2", "MALLOC_MMAP_THRESHOLD_": "131072"}

log = logging.getLogger(__name__)


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

    @property
    def balancer(self) -> Path:
        """nginx's configuration, pid, logs and temporary files."""
        return self.root / "balancer"

    @property
    def proxy(self) -> Path:
        """Toxiproxy's configuration (the proxies it creates at start)."""
        return self.root / "proxy"

    @property
    def lock(self) -> Path:
        """Held while the state changes (see the module's docstring)."""
        return self.root / "state.lock"


@contextlib.contextmanager
def _locked(paths: StackPaths) -> Iterator[None]:
    paths.root.mkdir(parents=True, exist_ok=True)
    with paths.lock.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _port(base_port: int, offset: int, replica: int, replicas: int) -> int:
    """Where replica ``replica`` (from 1) of the app at ``offset`` listens."""
    return base_port + offset if replicas == 1 else base_port + REPLICA_STRIDE * replica + offset


def stack_postgres(paths: StackPaths, *, port: int | None = None) -> PostgresCluster:
    """The stack's own PostgreSQL (unless ``MOTCUA_PG_URL`` names one): durable, as a user's data deserves;
    the fast mode is for tests alone."""
    return PostgresCluster(paths.postgres, port=port, fast=False)


OWNERS = [*SERVICES, "gateway"]
"""Who has a database of their own."""


def _database_name(service: str) -> str:
    return f"motcua_{service}"


def _brokers(state: dict[str, Any]) -> list[tuple[str, Path]]:
    """The stack's own brokers, by part name (``kafka``, or ``kafka-1``… in a cluster) and data directory."""
    if "kafka" not in state:
        return []
    data_dir = Path(state["kafka"]["data_dir"])
    size = int(state["kafka"].get("brokers", 1))
    if size == 1:
        return [("kafka", data_dir)]
    return [(f"kafka-{node}", data_dir / f"broker-{node}") for node in range(1, size + 1)]


def _service_env(prefix: str, *, db_url: str, bootstrap: str, port: int, base_port: int) -> dict[str, str]:
    return {
        f"{prefix}_DB__URL": db_url,
        f"{prefix}_BUS__KIND": "kafka",
        f"{prefix}_BUS__BOOTSTRAP_SERVERS": bootstrap,
        # The topics a service creates get a copy on each of up to three brokers.
        f"{prefix}_BUS__REPLICATION_FACTOR": str(min(3, len(bootstrap.split(",")))),
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


def _spawn(name: str, argv: list[str], env: dict[str, str], paths: StackPaths) -> dict[str, Any]:
    paths.logs.mkdir(parents=True, exist_ok=True)
    with (paths.logs / f"{name}.log").open("ab") as out:
        proc = subprocess.Popen(  # noqa: S603 - our own interpreter and modules, or the system's nginx
            argv,
            env=_process_env(env),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return {"name": name, "pid": proc.pid, "create_time": psutil.Process(proc.pid).create_time()}


def _process_env(env: dict[str, str]) -> dict[str, str]:
    """The environment of a process the stack starts: the malloc settings, the operator's, then its own."""
    return {**MALLOC_ENV, **os.environ, **env}


def _python(module: str, *args: str) -> list[str]:
    return [sys.executable, "-m", module, *args]


def _health_url(proc: dict[str, Any]) -> str:
    return f"http://127.0.0.1:{proc['port']}{proc.get('health', '/readyz')}"


def _ready(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def up(
    paths: StackPaths,
    *,
    base_port: int = BASE_PORT,
    replicas: int = 1,
    brokers: int = 1,
    supervise: bool = True,
    proxy: bool = False,
    timeout: float = 120,
) -> dict[str, Any]:
    """Start Kafka (or use ``MOTCUA_KAFKA_BOOTSTRAP``), PostgreSQL (or ``MOTCUA_PG_URL``), then the apps
    (``replicas`` of each behind nginx when more than one), then the supervisor. ``brokers`` 3 or more runs
    Kafka as a KRaft cluster (three copies of every partition, two in sync to acknowledge). ``proxy`` puts
    Toxiproxy between the apps and the stack's own Kafka and PostgreSQL."""
    if paths.state.exists():
        raise RuntimeError(f"a stack is already up (see {paths.state}); run `motcua stack down` first")
    if replicas < 1:
        raise RuntimeError("--replicas must be at least 1")
    if replicas > 1:
        balancer.nginx_binary()
    if proxy:
        toxiproxy.toxiproxy_binary()
        if os.environ.get("MOTCUA_KAFKA_BOOTSTRAP") or os.environ.get("MOTCUA_PG_URL"):
            raise RuntimeError(
                "--proxy needs the stack's own Kafka and PostgreSQL (unset MOTCUA_KAFKA_BOOTSTRAP/PG_URL)"
            )
    offsets = [0, *(offset for _, offset in SERVICES.values())]
    ports = [base_port + SANDBOX_OFFSET, *(base_port + o for o in offsets)]
    if replicas > 1:
        ports += [_port(base_port, o, r, replicas) for o in offsets for r in range(1, replicas + 1)]
    for port in ports:
        if not port_is_free(port):
            raise RuntimeError(f"port {port} is taken")
    state: dict[str, Any] = {"processes": [], "base_port": base_port, "replicas": replicas}
    paths.root.mkdir(parents=True, exist_ok=True)
    # Recorded before anything starts, and again before each next part starts: whatever is running when
    # `up` fails (or is killed) is in the state, which the failure path below and a later `down` stop.
    paths.state.write_text(json.dumps(state, indent=2))
    try:
        return _start(paths, state, brokers=brokers, supervise=supervise, proxy=proxy, timeout=timeout)
    except BaseException:
        log.warning("stack up failed; stopping what it had started")
        down(paths)
        raise


def _start(
    paths: StackPaths, state: dict[str, Any], *, brokers: int, supervise: bool, proxy: bool, timeout: float
) -> dict[str, Any]:
    """`up` once its state file exists: each part recorded in it before the next one starts."""
    bootstrap = os.environ.get("MOTCUA_KAFKA_BOOTSTRAP")
    pg_url = os.environ.get("MOTCUA_PG_URL")
    kafka: KafkaBroker | KafkaCluster | None = None
    if not bootstrap:
        state["kafka"] = {"data_dir": str(paths.kafka), "brokers": brokers}
        paths.state.write_text(json.dumps(state, indent=2))
        kafka = KafkaCluster(paths.kafka, size=brokers) if brokers > 1 else KafkaBroker(paths.kafka)
    # Its port is chosen while the brokers' are not yet bound: none of theirs.
    cluster = None if pg_url else stack_postgres(paths, port=_fresh_ports(1, _kafka_ports(kafka))[0])
    if cluster is not None:
        state["postgres"] = {"data_dir": str(paths.postgres), "port": cluster.port}
        paths.state.write_text(json.dumps(state, indent=2))
    if proxy and kafka is not None and cluster is not None:
        _start_proxy(paths, state, kafka, cluster)
    if kafka is not None:
        kafka.start()
        bootstrap = kafka.advertised
    names = [_database_name(s) for s in OWNERS]
    if pg_url:
        create_databases(pg_url, names)
    elif cluster is not None:
        cluster.start()
        for name in names:
            cluster.create_database(name)
    state["bootstrap"] = bootstrap
    paths.state.write_text(json.dumps(state, indent=2))
    started = {p["name"] for p in state["processes"]}
    for app in _apps(paths, state):
        if app.name not in started:
            state["processes"].append(_process(app, paths))
            paths.state.write_text(json.dumps(state, indent=2))
    _wait_ready(state["processes"], timeout, paths)
    if supervise:
        state["supervisor"] = _spawn(
            "supervisor", _python("motcua.cli", "stack", "supervise", "--root", str(paths.root)), {}, paths
        )
        paths.state.write_text(json.dumps(state, indent=2))
    return state


@dataclass(frozen=True)
class _App:
    name: str
    argv: list[str]
    env: dict[str, str]
    port: int
    health: str = "/readyz"


def _process(app: _App, paths: StackPaths) -> dict[str, Any]:
    """Start ``app``; its entry in the state."""
    return {**_spawn(app.name, app.argv, app.env, paths), "port": app.port, "health": app.health}


PROXY = "proxy"
"""The part name of Toxiproxy."""


def _kafka_ports(kafka: KafkaBroker | KafkaCluster | None) -> set[int]:
    members = kafka.brokers if isinstance(kafka, KafkaCluster) else [kafka] if kafka else []
    return {port for b in members for port in (b.port, b.controller_port)}


def _fresh_ports(count: int, taken: set[int]) -> list[int]:
    """``count`` free ports, none of them ``taken`` (chosen for a process that has not bound them yet)."""
    return [p for p in free_ports(count + len(taken)) if p not in taken][:count]


def _proxy_app(paths: StackPaths, state: dict[str, Any]) -> _App:
    api_port = int(state[PROXY]["api_port"])
    conf = paths.proxy / "toxiproxy.json"
    # Its default level logs every connection.
    return _App(PROXY, toxiproxy.command(conf, api_port), {"LOG_LEVEL": "info"}, api_port, health="/version")


def _start_proxy(
    paths: StackPaths, state: dict[str, Any], kafka: KafkaBroker | KafkaCluster, cluster: PostgresCluster
) -> None:
    """Start Toxiproxy with one proxy per broker and one for PostgreSQL, and have each broker advertise its
    proxy's address."""
    members = kafka.brokers if isinstance(kafka, KafkaCluster) else [kafka]
    names = [f"kafka-{b.node_id}" if len(members) > 1 else "kafka" for b in members]
    api_port, pg_port, *broker_ports = _fresh_ports(2 + len(members), {*_kafka_ports(kafka), cluster.port})
    routes = [
        toxiproxy.Route(n, port, b.port) for n, port, b in zip(names, broker_ports, members, strict=True)
    ]
    routes.append(toxiproxy.Route("postgres", pg_port, cluster.port))
    toxiproxy.write_config(paths.proxy / "toxiproxy.json", routes)
    for broker, port in zip(members, broker_ports, strict=True):
        broker.advertised_port = port
    state[PROXY] = {"api_port": api_port, "routes": {r.name: r.listen for r in routes}}
    proc = _process(_proxy_app(paths, state), paths)
    state["processes"].append(proc)
    paths.state.write_text(json.dumps(state, indent=2))
    _wait_ready([proc], 30, paths)


def _database_urls(state: dict[str, Any]) -> dict[str, str]:
    """Each owner's database URL: on the stack's own cluster, else on ``MOTCUA_PG_URL``'s server."""
    if "postgres" in state:
        # Through the proxy when the stack has one.
        port = state.get(PROXY, {}).get("routes", {}).get("postgres", state["postgres"]["port"])
        cluster = PostgresCluster(Path(state["postgres"]["data_dir"]), port=port)
        return {s: cluster.url(_database_name(s)) for s in OWNERS}
    pg_url = os.environ.get("MOTCUA_PG_URL")
    if not pg_url:
        raise RuntimeError("this stack runs on MOTCUA_PG_URL's PostgreSQL: set it as for `stack up`")
    base = pg_url.rsplit("/", 1)[0]
    return {s: f"{base}/{_database_name(s)}" for s in OWNERS}


def _apps(paths: StackPaths, state: dict[str, Any]) -> list[_App]:
    """The stack's processes and how each is started: the same ports and settings every time."""
    base_port, bootstrap = int(state["base_port"]), str(state["bootstrap"])
    replicas = int(state.get("replicas", 1))
    urls = _database_urls(state)
    public = _public_env(base_port)
    apps: list[_App] = [_proxy_app(paths, state)] if PROXY in state else []

    def add(name: str, module: str, prefix: str, offset: int, env: dict[str, str]) -> None:
        for replica in range(1, replicas + 1):
            port = _port(base_port, offset, replica, replicas)
            own = {f"{prefix}_HTTP__PORT": str(port)}
            if replicas > 1:
                # Behind nginx on loopback: believe its X-Forwarded-For.
                own[f"{prefix}_HTTP__TRUSTED_PROXIES"] = '["127.0.0.1"]'
            apps.append(
                _App(name if replicas == 1 else f"{name}-{replica}", _python(module), env | own, port)
            )

    for service, (module, offset) in SERVICES.items():
        env = _service_env(
            service.upper(),
            db_url=urls[service],
            bootstrap=bootstrap,
            port=base_port + offset,
            base_port=base_port,
        ) | _extra_env(service, paths, base_port)
        add(service, module, service.upper(), offset, env | public)
    apps.append(
        _App(
            "payment-sandbox",
            _python("payment_svc.sandbox"),
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
    add("gateway", "gateway", "GATEWAY", 0, gateway_env)
    if replicas > 1:
        routes = {
            name: (
                base_port + offset,
                [_port(base_port, offset, r, replicas) for r in range(1, replicas + 1)],
            )
            for name, offset in [("gateway", 0), *((s, o) for s, (_, o) in SERVICES.items())]
        }
        conf = balancer.write_conf(paths.balancer, routes, edge="gateway")
        # The balancer starts first: the replicas reach each other (and the gateway's keys) through it.
        apps.insert(1 if PROXY in state else 0, _App("balancer", balancer.command(conf), {}, base_port))
    return apps


def _wait_ready(processes: list[dict[str, Any]], timeout: float, paths: StackPaths) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(_ready(_health_url(p)) for p in processes):
            return
        time.sleep(0.5)
    raise RuntimeError(f"the stack did not become ready in {timeout:.0f} s; see {paths.logs}")


def restart(paths: StackPaths, part: str, *, timeout: float = 120, grace: float = 15) -> None:
    """Restart one part of a running stack (``kafka``, ``postgres``, a service or one of its replicas, the
    sandbox, the gateway or the balancer) on the same ports with the same settings, whether it still runs
    or died; the state then names the new process, so `status` and `down` know it."""
    if not paths.state.exists():
        raise RuntimeError("no stack is up")
    with _locked(paths):
        state = json.loads(paths.state.read_text())
        proc = _restart(paths, state, part, grace=grace)
    if proc is not None:
        _wait_ready([proc], timeout, paths)


def _restart(paths: StackPaths, state: dict[str, Any], part: str, *, grace: float) -> dict[str, Any] | None:
    """Restart ``part`` (under the lock); the process entry it restarted, None for the broker or database."""
    if part == "kafka" or part.startswith("kafka-"):
        if "kafka" not in state:
            raise RuntimeError("this stack's Kafka is MOTCUA_KAFKA_BOOTSTRAP's, not its own")
        brokers = dict(_brokers(state))
        if part not in brokers:
            raise RuntimeError(f"no part {part!r}; the brokers: {', '.join(brokers)}")
        running = KafkaBroker.adopt(brokers[part])
        if running is not None:
            running.stop(timeout=grace)
        broker = KafkaBroker(brokers[part])
        if broker.advertised not in state["bootstrap"].split(","):
            raise RuntimeError(f"{part}'s port {broker.port} is taken; the services know no other")
        broker.start()
        _count_restart(state.setdefault("restarts", {}), part)
    elif part == "postgres":
        if "postgres" not in state:
            raise RuntimeError("this stack's PostgreSQL is MOTCUA_PG_URL's, not its own")
        cluster = stack_postgres(paths, port=int(state["postgres"]["port"]))
        if cluster.running:
            cluster.stop()
        cluster.start()
        _count_restart(state.setdefault("restarts", {}), "postgres")
    else:
        procs = {p["name"]: p for p in state["processes"]}
        if part not in procs:
            raise RuntimeError(f"no part {part!r}; the parts: {', '.join(['kafka', 'postgres', *procs])}")
        proc: dict[str, Any] = procs[part]
        _stop(proc, grace)
        [app] = [a for a in _apps(paths, state) if a.name == part]
        proc.update(_process(app, paths))
        _count_restart(proc, "restarts")
        paths.state.write_text(json.dumps(state, indent=2))
        return proc
    paths.state.write_text(json.dumps(state, indent=2))
    return None


def _count_restart(where: dict[str, Any], key: str) -> None:
    where[key] = int(where.get(key, 0)) + 1


def supervise(paths: StackPaths, *, interval: float = 2.0, grace: float = 15) -> None:
    """Until the stack is taken down: every ``interval`` seconds, restart whatever of it has died (a
    process, the broker, the database) on its ports and settings."""
    while paths.state.exists():
        try:
            with _locked(paths):
                if not paths.state.exists():
                    return
                state = json.loads(paths.state.read_text())
                for part in _dead(state):
                    log.warning("restarting %s, which died", part)
                    _restart(paths, state, part, grace=grace)
        except Exception:
            log.exception("could not restart a part of the stack; trying again")
        time.sleep(interval)


def _dead(state: dict[str, Any]) -> list[str]:
    dead = [p["name"] for p in state["processes"] if not _alive(p)]
    dead[:0] = [name for name, data_dir in _brokers(state) if KafkaBroker.adopt(data_dir) is None]
    if "postgres" in state:
        cluster = PostgresCluster(Path(state["postgres"]["data_dir"]), port=state["postgres"]["port"])
        if not cluster.running:
            dead.insert(0, "postgres")
    return dead


def status(paths: StackPaths) -> list[dict[str, Any]]:
    """Each process the stack started, whether it runs, and whether it is ready."""
    if not paths.state.exists():
        return []
    state = json.loads(paths.state.read_text())
    rows: list[dict[str, Any]] = []
    for name, data_dir in _brokers(state):
        broker = KafkaBroker.adopt(data_dir)
        rows.append(
            {
                "name": name,
                "pid": broker.pid if broker else None,
                "running": bool(broker and broker.running),
                "ready": bool(broker and broker.running),
                "address": broker.bootstrap if broker else "-",
                "restarts": int(state.get("restarts", {}).get(name, 0)),
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
                "restarts": int(state.get("restarts", {}).get("postgres", 0)),
            }
        )
    if "supervisor" in state:
        alive = _alive(state["supervisor"])
        rows.append(
            {
                "name": "supervisor",
                "pid": state["supervisor"]["pid"],
                "running": alive,
                "ready": alive,
                "address": "-",
            }
        )
    for proc in state["processes"]:
        alive = _alive(proc)
        rows.append(
            {
                "name": proc["name"],
                "pid": proc["pid"],
                "running": alive,
                "ready": alive and _ready(_health_url(proc)),
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
    # It may end by itself between the check and the signal: `down` goes on to the other parts.
    with contextlib.suppress(ProcessLookupError):
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
    with _locked(paths):
        state = json.loads(paths.state.read_text())
        stopped: list[str] = []
        # The supervisor first, or it would bring back what is being stopped.
        if "supervisor" in state and _stop(state["supervisor"], grace):
            stopped.append("supervisor")
        for proc in reversed(state["processes"]):
            if _stop(proc, grace):
                stopped.append(proc["name"])
        for name, data_dir in reversed(_brokers(state)):
            broker = KafkaBroker.adopt(data_dir)
            if broker is not None:
                broker.stop()
                stopped.append(name)
        if "postgres" in state:
            cluster = PostgresCluster(Path(state["postgres"]["data_dir"]), port=state["postgres"]["port"])
            if cluster.running:
                cluster.stop()
                stopped.append("postgres")
        paths.state.unlink()
    return stopped
