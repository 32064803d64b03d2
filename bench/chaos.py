"""The resilience suite (`make chaos`): submissions through the gateway while the stack is hurt, in turn.

The stack is `motcua stack up --replicas 2 --brokers 3 --proxy` (durable PostgreSQL, Toxiproxy between the
services and Kafka and PostgreSQL), its catalogue seeded. Citizens sign in by OTP through the gateway, then
``--count`` submissions of a procedure whose fee is due at filing are sent open loop at ``--rate`` per second
(each with its Idempotency-Key; a 503 is retried after its ``Retry-After``, a lost connection after a second,
with the same key, as a client should). The run is cut into one window per fault, and in each window the fault
starts a few seconds in:

* ``broker``: one broker of three is killed (SIGKILL); the supervisor restarts it. Ends when it serves again.
* ``replicas``: replica 1 of every service and of the gateway is killed; the supervisor restarts them. Ends
  when all answer ``/readyz``.
* ``postgres``: `motcua stack restart postgres` (fast shutdown, start). Ends when it is back.
* ``proxy``: every proxy adds latency (Toxiproxy ``latency`` toxic) and twice drops every connection
  through it (disabled, enabled). Ends when the toxics are removed.

Recovery time of a fault = from its end until every submission accepted before that end has its effects
downstream (a payment requested in payment-svc; in notify-svc the citizen's and the agency's in-app notices of
the filing and the SMS asking for the fee, which follows payment-svc's event), read from each service's
database. After the last window the suite waits for the
whole run to drain and counts: accepted, effects per service, duplicate effects, lost (accepted without an
effect), copies per event id on the topics, client errors by status, and the resident memory of every
service replica (sampled every second). The report goes to ``bench/results/chaos.md`` and ``chaos.json``.

    uv run python bench/chaos.py --count 10000        # make chaos
    uv run python bench/chaos.py --count 300 --faults replicas --rate 10   # a quick look
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import psutil
from aiokafka import AIOKafkaConsumer
from durability import postgres_durability, postgres_is_durable, postgres_label
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "system"))

from journey_steps import (  # noqa: E402
    API,
    Journey,
    Person,
    documents_for,
    free_port_block,
    new_phone,
    online_case,
)

from motcua.infra.kafka import KafkaBroker  # noqa: E402
from motcua.infra.ports import port_accepts  # noqa: E402
from motcua.infra.toxiproxy import Toxiproxy  # noqa: E402
from motcua_shared.contracts import topics  # noqa: E402

RESULTS = ROOT / "bench" / "results"
FAULTS = ("broker", "replicas", "postgres", "proxy")
APPS = ("gateway", "catalog", "dossier", "payment", "notify")
SERVICES = ("catalog", "dossier", "payment", "notify")
SUBMITTED = "vn.motcua.dossier.dossier.submitted.v1"
PAYMENT_REQUESTED = "vn.motcua.payment.payment.requested.v1"
SEARCH = "ly lich tu phap"
NAME_PART = "Phiếu lý lịch tư pháp cho công dân"
DRAIN_TARGET_S = 30.0


# -- the stack --------------------------------------------------------------------------------------------


@dataclass
class Stack:
    """`motcua stack` on one root; what its state file says."""

    root: Path
    base_port: int

    def motcua(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        """Run `motcua <args>`."""
        return subprocess.run(  # noqa: S603 - our own command
            [sys.executable, "-m", "motcua.cli", *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def state(self) -> dict[str, Any]:
        """The stack's state file."""
        data: dict[str, Any] = json.loads((self.root / "state.json").read_text())
        return data

    def processes(self) -> dict[str, dict[str, Any]]:
        """The stack's processes by name."""
        return {p["name"]: p for p in self.state()["processes"]}

    def db_url(self, owner: str) -> str:
        """``owner``'s database, reached directly (not through the proxy)."""
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.state()['postgres']['port']}/motcua_{owner}"

    def broker_dirs(self) -> dict[str, Path]:
        """Each broker's data directory by part name (``kafka`` alone, or ``kafka-1``… in a cluster)."""
        kafka = self.state()["kafka"]
        data_dir = Path(kafka["data_dir"])
        size = int(kafka.get("brokers", 1))
        if size == 1:
            return {"kafka": data_dir}
        return {f"kafka-{n}": data_dir / f"broker-{n}" for n in range(1, size + 1)}

    def kafka_direct(self) -> str:
        """The brokers' own addresses (not the proxies')."""
        ports = [json.loads((d / "broker.json").read_text())["port"] for d in self.broker_dirs().values()]
        return ",".join(f"127.0.0.1:{p}" for p in ports)

    @property
    def gateway(self) -> str:
        """The gateway (nginx in front of its replicas)."""
        return f"http://127.0.0.1:{self.base_port}"


# The load stands for thousands of citizens behind a few addresses: the gateway's write limits per address
# and per citizen (120 and 60 a minute) would turn most of it into 429s. Its citizens sign in once: their
# access tokens live the longest the gateway allows (an hour, not 15 minutes), or a long run ends in 401s.
UNLIMITED_WRITES = {
    "GATEWAY_LIMITS__WRITES_PER_IP": '{"burst": 1000000, "per_minute": 1000000}',
    "GATEWAY_LIMITS__WRITES_PER_SUBJECT": '{"burst": 1000000, "per_minute": 1000000}',
    "GATEWAY_IDENTITY__ACCESS_TTL_SECONDS": "3600",
}


def stack_up(root: Path, replicas: int, brokers: int = 3) -> Stack:
    """Start the stack (the gateway's write limits lifted) and seed its catalogue."""
    os.environ.update(UNLIMITED_WRITES)
    for _ in range(3):
        stack = Stack(root, free_port_block(10 * (replicas + 1)))
        up = stack.motcua(
            "stack", "up", "--root", str(root), "--base-port", str(stack.base_port),
            "--replicas", str(replicas), "--brokers", str(brokers), "--proxy",
        )  # fmt: skip
        if up.returncode == 0:
            break
        # What a failed start left running is stopped (a loaded machine can outlast its wait for ready).
        stack.motcua("stack", "down", "--root", str(root))
        if "is taken" not in up.stderr and "did not become ready" not in up.stderr:
            raise RuntimeError(f"stack up failed: {up.stdout}{up.stderr}")
    else:
        raise RuntimeError("the stack did not start in three attempts")
    seeded = subprocess.run(  # noqa: S603 - our own command
        [sys.executable, "-m", "motcua.cli", "seed", "--var-dir", str(root / "seed")],
        env={**os.environ, "CATALOG_DB__URL": stack.db_url("catalog")},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if seeded.returncode != 0:
        raise RuntimeError(f"seeding failed: {seeded.stdout}{seeded.stderr}")
    return stack


# -- the load ---------------------------------------------------------------------------------------------


@dataclass
class Load:
    """What the clients saw."""

    accepted: dict[str, float] = field(default_factory=dict)
    """Dossier code → when its 201 arrived (monotonic)."""
    statuses: Counter[str] = field(default_factory=Counter)
    """Every answer that was not a 201, by status (``503+Retry-After``, ``503``, ``transport``…)."""
    given_up: int = 0
    """Submissions never accepted (a final error, or out of retries)."""
    latencies: list[float] = field(default_factory=list)

    def accepted_by(self, moment: float) -> list[str]:
        """The dossiers whose 201 arrived at ``moment`` (monotonic) or before."""
        return [code for code, at in self.accepted.items() if at <= moment]


async def submit_one(
    client: httpx.AsyncClient,
    citizen: Person,
    body: dict[str, Any],
    files: dict[str, tuple[str, bytes, str]],
    key: str,
    load: Load,
) -> None:
    """One submission, retried as a careful client would (same key), until accepted or refused."""
    started = time.monotonic()
    for _attempt in range(8):
        try:
            response = await client.post(
                f"{API}/dossiers",
                data={"dossier": json.dumps(body, ensure_ascii=False)},
                files=files,
                headers={**citizen.headers, "Idempotency-Key": key},
            )
        except httpx.TransportError as exc:
            load.statuses[f"transport ({type(exc).__name__})"] += 1
            await asyncio.sleep(1)
            continue
        if response.status_code == 201:
            load.accepted[response.json()["code"]] = time.monotonic()
            load.latencies.append(time.monotonic() - started)
            return
        retry_after = response.headers.get("retry-after")
        label = f"{response.status_code}+Retry-After" if retry_after else str(response.status_code)
        load.statuses[label] += 1
        if response.status_code == 503 and retry_after:
            await asyncio.sleep(min(float(retry_after), 5.0))
            continue
        if response.status_code in (502, 504):
            await asyncio.sleep(1)
            continue
        break
    load.given_up += 1


# -- effects downstream -----------------------------------------------------------------------------------


EFFECTS: dict[str, tuple[str, str]] = {
    "payment requested (payment-svc)": (
        "payment",
        "SELECT dossier_code, count(*) FROM payments WHERE dossier_code = ANY(:codes) GROUP BY 1",
    ),
    "the citizen's in-app notice of the filing (notify-svc)": (
        "notify",
        "SELECT dossier_code, count(*) FROM notifications WHERE dossier_code = ANY(:codes) "
        "AND source_event_type = :submitted AND audience = 'user' GROUP BY 1",
    ),
    "the agency's in-app notice of the filing (notify-svc)": (
        "notify",
        "SELECT dossier_code, count(*) FROM notifications WHERE dossier_code = ANY(:codes) "
        "AND source_event_type = :submitted AND audience = 'agency' GROUP BY 1",
    ),
    "the SMS asking for the fee (notify-svc, from payment-svc's event)": (
        "notify",
        "SELECT dossier_code, count(*) FROM deliveries WHERE dossier_code = ANY(:codes) "
        "AND source_event_type = :requested AND channel = 'sms' GROUP BY 1",
    ),
}


class Effects:
    """Counts of each effect per dossier, read from the services' databases."""

    def __init__(self, stack: Stack) -> None:
        """Engines on each owner's database (direct, so a proxy fault does not blind the suite)."""
        self.engines: dict[str, AsyncEngine] = {
            owner: create_async_engine(stack.db_url(owner), pool_size=2, pool_pre_ping=True)
            for owner in ("dossier", "payment", "notify")
        }

    async def close(self) -> None:
        """Dispose of the engines."""
        for engine in self.engines.values():
            await engine.dispose()

    async def counts(self, codes: list[str]) -> dict[str, dict[str, int]]:
        """Effect name → dossier code → rows."""
        found: dict[str, dict[str, int]] = {}
        for name, (owner, query) in EFFECTS.items():
            async with self.engines[owner].connect() as conn:
                rows = await conn.execute(
                    text(query), {"codes": codes, "submitted": SUBMITTED, "requested": PAYMENT_REQUESTED}
                )
                found[name] = {code: int(n) for code, n in rows}
        return found

    async def missing(self, codes: list[str]) -> int:
        """How many of ``codes`` lack some effect (the database unreachable counts as all of them)."""
        try:
            counts = await self.counts(codes)
        except Exception:
            return len(codes)
        return lacking(codes, counts)

    async def dossiers(self) -> int:
        """Every dossier dossier-svc holds (the stack is fresh: they are the suite's)."""
        async with self.engines["dossier"].connect() as conn:
            return int(await conn.scalar(text("SELECT count(*) FROM dossiers")) or 0)

    async def durability(self) -> dict[str, str]:
        """The PostgreSQL settings a crash-safe commit depends on."""
        async with self.engines["dossier"].connect() as conn:
            return await postgres_durability(conn)


def lacking(codes: Iterable[str], counts: dict[str, dict[str, int]]) -> int:
    """How many of ``codes`` lack one effect or more in ``counts`` (effect → dossier code → rows)."""
    return sum(1 for code in codes if any(code not in per for per in counts.values()))


def effect_figures(codes: list[str], counts: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    """Per effect: the dossiers with it, its rows, the rows beyond one per dossier, those lacking it."""
    return {
        name: {
            "dossiers_with_effect": len(per),
            "rows": sum(per.values()),
            "duplicates": sum(n - 1 for n in per.values() if n > 1),
            "lost": sum(1 for c in codes if c not in per),
        }
        for name, per in counts.items()
    }


async def wait_drained(
    missing: Callable[[list[str]], Awaitable[int]], codes: list[str], timeout: float, poll: float = 0.5
) -> float | None:
    """Seconds until none of ``codes`` is ``missing`` an effect, or None after ``timeout``."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if await missing(codes) == 0:
            return round(time.monotonic() - started, 1)
        await asyncio.sleep(poll)
    return None


# -- copies on the topics ---------------------------------------------------------------------------------


async def topic_copies(bootstrap: str, topic: str) -> dict[str, int]:
    """Records, distinct event ids, and ids written more than once, on ``topic`` from its beginning."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        deadline = time.monotonic() + 60
        while not consumer.assignment():
            if time.monotonic() > deadline:
                raise TimeoutError(f"no partition of {topic} was assigned")
            await asyncio.sleep(0.2)
        parts = sorted(consumer.assignment())
        await consumer.seek_to_beginning(*parts)
        ends = await consumer.end_offsets(parts)
        ids: list[str] = []
        while [tp for tp in parts if await consumer.position(tp) < ends[tp]]:
            batch = await consumer.getmany(*parts, timeout_ms=2000, max_records=5000)
            ids += [
                json.loads(message.value or b"{}").get("id", "?")
                for messages in batch.values()
                for message in messages
            ]
    finally:
        await consumer.stop()
    return copy_figures(ids)


def copy_figures(ids: Iterable[str]) -> dict[str, int]:
    """Records, distinct event ids, ids written more than once, and the records beyond one per id, of the
    event ids read from a topic in order."""
    seen = Counter(ids)
    records = sum(seen.values())
    return {
        "records": records,
        "events": len(seen),
        "events_with_copies": sum(1 for n in seen.values() if n > 1),
        "extra_copies": records - len(seen),
    }


# -- memory -----------------------------------------------------------------------------------------------


class MemorySampler:
    """The resident memory of every app replica, every second."""

    def __init__(self, stack: Stack) -> None:
        """Sample the processes ``stack`` names (re-read each time: a restarted replica has a new pid)."""
        self.stack = stack
        self.samples: dict[str, list[float]] = {}

    async def run(self) -> None:
        """Sample until cancelled."""
        while True:
            with contextlib.suppress(Exception):
                for name, proc in self.stack.processes().items():
                    if name.split("-")[0] not in APPS or name == "payment-sandbox":
                        continue
                    with contextlib.suppress(psutil.Error):
                        rss = psutil.Process(proc["pid"]).memory_info().rss / 2**20
                        self.samples.setdefault(name, []).append(rss)
            await asyncio.sleep(1)

    def summary(self) -> dict[str, dict[str, float]]:
        """Per replica: max and p95 resident MB."""
        out: dict[str, dict[str, float]] = {}
        for name, values in sorted(self.samples.items()):
            ordered = sorted(values)
            p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
            out[name] = {"max_mb": round(ordered[-1], 1), "p95_mb": round(p95, 1), "samples": len(values)}
        return out


# -- the faults -------------------------------------------------------------------------------------------


async def _until(check: Callable[[], bool], timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while not await asyncio.to_thread(check):
        if time.monotonic() > deadline:
            raise TimeoutError("the stack did not come back")
        await asyncio.sleep(0.5)


def _ready(stack: Stack, name: str, old_pid: int) -> bool:
    proc = stack.processes()[name]
    if proc["pid"] == old_pid:
        return False
    try:
        return httpx.get(f"http://127.0.0.1:{proc['port']}/readyz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


async def fault_broker(stack: Stack, hold: float) -> str:
    """Kill broker 2 of 3; the supervisor restarts it."""
    data_dir = stack.broker_dirs()["kafka-2"]
    broker = KafkaBroker.adopt(data_dir)
    if broker is None or broker.pid is None:
        raise RuntimeError("kafka-2 does not run")
    old = broker.pid
    os.kill(old, signal.SIGKILL)

    def back() -> bool:
        again = KafkaBroker.adopt(data_dir)
        return again is not None and again.pid != old and port_accepts(again.port)

    await _until(back)
    return f"kafka-2 (pid {old}) killed; back on its port"


async def fault_replicas(stack: Stack, hold: float) -> str:
    """Kill replica 1 of every service and of the gateway; the supervisor restarts them."""
    victims = {f"{app}-1": stack.processes()[f"{app}-1"]["pid"] for app in APPS}
    for pid in victims.values():
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    for name, pid in victims.items():
        await _until(lambda name=name, pid=pid: _ready(stack, name, pid))  # type: ignore[misc]
    return f"{', '.join(victims)} killed; all ready again"


async def fault_postgres(stack: Stack, hold: float) -> str:
    """Restart PostgreSQL (fast shutdown: every connection is cut)."""
    done = await asyncio.to_thread(stack.motcua, "stack", "restart", "postgres", "--root", str(stack.root))
    if done.returncode != 0:
        raise RuntimeError(f"restart postgres failed: {done.stdout}{done.stderr}")
    return "postgres restarted (fast shutdown)"


async def fault_proxy(stack: Stack, hold: float) -> str:
    """Latency on every proxy, and every connection through them dropped twice, for ``hold`` seconds."""
    proxy = Toxiproxy(int(stack.state()["proxy"]["api_port"]))
    names = list(proxy.proxies())
    try:
        for name in names:
            proxy.add_toxic(name, "latency", {"latency": 40, "jitter": 20}, stream="downstream")
            proxy.add_toxic(name, "latency", {"latency": 10, "jitter": 5}, stream="upstream")
        for _ in range(2):
            await asyncio.sleep(hold / 3)
            for name in names:
                proxy.set_enabled(name, False)
            await asyncio.sleep(1)
            for name in names:
                proxy.set_enabled(name, True)
        await asyncio.sleep(hold / 3)
    finally:
        for name in names:
            proxy.set_enabled(name, True)
            proxy.clear(name)
        proxy.close()
    return f"latency 40±20 ms down, 10±5 ms up on {', '.join(names)}; all connections dropped twice"


FAULT_ACTIONS: dict[str, Callable[[Stack, float], Awaitable[str]]] = {
    "broker": fault_broker,
    "replicas": fault_replicas,
    "postgres": fault_postgres,
    "proxy": fault_proxy,
}


# -- the run ----------------------------------------------------------------------------------------------


async def sign_in(client: httpx.AsyncClient, count: int) -> list[Person]:
    """``count`` citizens signed in by OTP, quiet hours off (their SMS leave at once)."""
    journey = Journey(client, timeout=120)
    citizens = []
    for _ in range(count):
        typed, phone = new_phone()
        citizen = await journey.sign_in_citizen(typed, phone)
        await journey.no_quiet_hours(citizen)
        citizens.append(citizen)
    return citizens


async def run(args: argparse.Namespace, stack: Stack) -> dict[str, Any]:
    """The load with the faults in turn; what was measured."""
    limits = httpx.Limits(max_connections=args.in_flight, max_keepalive_connections=args.in_flight)
    async with httpx.AsyncClient(base_url=stack.gateway, timeout=60, limits=limits) as client:
        citizens = await sign_in(client, args.citizens)
        journey = Journey(client, timeout=180)
        procedure = await journey.find_procedure(SEARCH, NAME_PART)
        case, _fee = online_case(procedure)
        await journey.wait_until_dossier_knows(citizens[0], procedure["code"])
        files = documents_for(procedure, case["code"])
        effects = Effects(stack)
        durable_before = await effects.durability()
        memory = MemorySampler(stack)
        sampler = asyncio.create_task(memory.run())
        load = Load()
        run_id = f"{int(time.time())}"
        in_flight = asyncio.Semaphore(args.in_flight)
        duration = args.count / args.rate
        window = duration / max(1, len(args.faults))
        t0 = time.monotonic()

        async def one(i: int) -> None:
            citizen = citizens[i % len(citizens)]
            body = {
                "procedure_code": procedure["code"],
                "case_code": case["code"],
                "applicant": {
                    "name": "Trần Thị Mai",
                    "cccd": "046190001234",
                    "phone": citizen.phone,
                    "address": "12 Lê Lợi, phường Thuận Hóa, thành phố Huế",
                },
                "form_data": {"muc_dich": "Bổ sung hồ sơ xin việc"},
            }
            async with in_flight:
                await submit_one(client, citizen, body, files, f"chaos-{run_id}-{i}", load)

        async def drive() -> None:
            tasks = []
            for i in range(args.count):
                delay = t0 + i / args.rate - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                tasks.append(asyncio.create_task(one(i)))
            await asyncio.gather(*tasks)

        async def faults() -> list[dict[str, Any]]:
            phases = []
            for n, name in enumerate(args.faults):
                await asyncio.sleep(max(0.0, t0 + n * window + args.lead - time.monotonic()))
                began = time.monotonic()
                what = await FAULT_ACTIONS[name](stack, min(args.proxy_hold, window / 2))
                ended = time.monotonic()
                codes = load.accepted_by(ended)
                drain = await wait_drained(effects.missing, codes, args.drain_timeout)
                phases.append(
                    {
                        "fault": name,
                        "what": what,
                        "at_s": round(began - t0, 1),
                        "fault_s": round(ended - began, 1),
                        "accepted_before_end": len(codes),
                        "recovery_s": drain,
                    }
                )
                print(f"[chaos] {name}: {phases[-1]}", flush=True)
            return phases

        load_task = asyncio.create_task(drive())
        phases = await faults()
        await load_task
        load_s = time.monotonic() - t0
        codes = list(load.accepted)
        final_drain = await wait_drained(effects.missing, codes, args.drain_timeout)
        counts = await effects.counts(codes)
        dossiers = await effects.dossiers()
        durable_after = await effects.durability()
        sampler.cancel()
        await effects.close()
    bootstrap = stack.kafka_direct()
    copies: dict[str, dict[str, int] | str] = {}
    for topic in (topics.DOSSIER, topics.PAYMENT):
        try:
            copies[topic] = await topic_copies(bootstrap, topic)
        except Exception as exc:  # the rest of the report still stands
            copies[topic] = f"not read: {exc!r}"
    return {
        "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.node()} · {os.cpu_count()} CPUs",
        "config": {k: v for k, v in vars(args).items() if k != "func"},
        "submitted": args.count,
        **tally(load, counts),
        "dossiers_stored": dossiers,
        "load_s": round(load_s, 1),
        "final_drain_s": final_drain,
        "phases": phases,
        "topics": copies,
        "memory": memory.summary(),
        "durability": {"before": durable_before, "after": durable_after},
    }


def tally(load: Load, counts: dict[str, dict[str, int]]) -> dict[str, Any]:
    """What the clients saw and what reached the services: accepted, given up, request times, answers
    other than 201 by status, each effect's figures, duplicate effects, dossiers lacking an effect."""
    codes = list(load.accepted)
    per_effect = effect_figures(codes, counts)
    ordered = sorted(load.latencies)
    return {
        "accepted": len(codes),
        "given_up": load.given_up,
        "request_p50_s": round(ordered[len(ordered) // 2], 3) if ordered else None,
        "request_p99_s": round(ordered[int(0.99 * (len(ordered) - 1))], 3) if ordered else None,
        "client_errors": dict(load.statuses.most_common()),
        "effects": per_effect,
        "duplicates": sum(e["duplicates"] for e in per_effect.values()),
        "lost": lacking(codes, counts),
    }


# -- the report -------------------------------------------------------------------------------------------


def verdicts(result: dict[str, Any]) -> list[tuple[str, str, str, bool]]:
    """(target, measured, wanted, met) for each of the issue's targets."""
    bad_5xx = {s: n for s, n in result["client_errors"].items() if s[:1] == "5" and s != "503+Retry-After"}
    recoveries = [p["recovery_s"] for p in result["phases"]]
    worst = None if None in recoveries else max(recoveries, default=0.0)
    durable = all(postgres_is_durable(side) for side in result["durability"].values())
    memory_max = max((m["max_mb"] for m in result["memory"].values()), default=0.0)
    return [
        ("lost", str(result["lost"]), "0", result["lost"] == 0),
        ("duplicate effects", str(result["duplicates"]), "0", result["duplicates"] == 0),
        (
            "client 5xx other than 503 with Retry-After",
            ", ".join(f"{s}: {n}" for s, n in bad_5xx.items()) or "0",
            "0",
            not bad_5xx,
        ),
        (
            "drain after recovery (worst fault)",
            "not drained" if worst is None else f"{worst} s",
            f"≤ {DRAIN_TARGET_S:g} s",
            worst is not None and worst <= DRAIN_TARGET_S,
        ),
        (
            "durable PostgreSQL throughout",
            json.dumps(result["durability"]["after"]),
            "fsync, full_page_writes, synchronous_commit on",
            durable,
        ),
        ("resident memory per replica (max)", f"{memory_max} MB", "≤ 150 MB", memory_max <= 150),
    ]


def report(result: dict[str, Any]) -> str:
    """The markdown report."""
    config = result["config"]
    lines = [
        "# Resilience suite (`make chaos`)",
        "",
        f"{result['when']} · {result['machine']} · `motcua stack up --replicas {config['replicas']} "
        f"--brokers {config.get('brokers', 3)} "
        "--proxy` (Toxiproxy in front of Kafka and PostgreSQL) · "
        f"{postgres_label(result['durability']['after'])} · "
        f"{result['submitted']:,} submissions at {config['rate']:g}/s by {config['citizens']} "
        "citizens through the gateway (its write limits per address and per citizen lifted: the load stands "
        "for thousands of citizens; access tokens of an hour), faults in turn: "
        + ", ".join(result["config"]["faults"]),
        "",
        "| target | measured | wanted | met |",
        "| --- | --- | --- | --- |",
    ]
    lines += [f"| {t} | {m} | {w} | {'yes' if ok else '**no**'} |" for t, m, w, ok in verdicts(result)]
    lines += [
        "",
        "## The run",
        "",
        f"* accepted {result['accepted']:,} of {result['submitted']:,} (given up: {result['given_up']}); "
        f"dossiers stored {result['dossiers_stored']:,}; load lasted {result['load_s']} s; "
        f"request p50 {result['request_p50_s']} s, p99 {result['request_p99_s']} s (with retries)",
        "* client answers other than 201: "
        + (", ".join(f"{s}: {n}" for s, n in result["client_errors"].items()) or "none"),
        f"* whole run drained {result['final_drain_s']} s after the load ended",
        "",
        "| effect downstream | dossiers with it | rows | duplicates | lost |",
        "| --- | --- | --- | --- | --- |",
    ]
    lines += [
        f"| {name} | {e['dossiers_with_effect']:,} | {e['rows']:,} | {e['duplicates']} | {e['lost']} |"
        for name, e in result["effects"].items()
    ]
    lines += [
        "",
        "| fault | what | at | lasted | accepted before its end | recovery (end → drained) |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    lines += [
        f"| {p['fault']} | {p['what']} | {p['at_s']} s | {p['fault_s']} s | {p['accepted_before_end']:,} | "
        + ("not drained" if p["recovery_s"] is None else f"{p['recovery_s']} s")
        + " |"
        for p in result["phases"]
    ]
    lines += [
        "",
        "| topic | records | event ids | ids with copies | extra copies |",
        "| --- | --- | --- | --- | --- |",
    ]
    lines += [
        f"| `{topic}` | {c['records']:,} | {c['events']:,} | {c['events_with_copies']} | "
        f"{c['extra_copies']} |"
        if isinstance(c, dict)
        else f"| `{topic}` | {c} | | | |"
        for topic, c in result["topics"].items()
    ]
    lines += ["", "| replica | RSS max | RSS p95 |", "| --- | --- | --- |"]
    lines += [f"| {name} | {m['max_mb']} MB | {m['p95_mb']} MB |" for name, m in result["memory"].items()]
    lines += [
        "",
        "Lost = accepted (201) without one of the effects after the drain; duplicates = more than one row "
        "of an effect for one dossier; copies = Kafka records per CloudEvent id, read from the start of the "
        "topic. "
        "Recovery = from the fault's end (the part back, or the toxics removed) until every submission "
        "accepted before it had every effect. RSS sampled every second per process, whatever it was doing.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    """Parse the options, start the stack, run, report, stop the stack."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=10_000, help="submissions (default 10,000)")
    parser.add_argument("--rate", type=float, default=30.0, help="submissions started per second")
    parser.add_argument("--citizens", type=int, default=8)
    parser.add_argument("--in-flight", type=int, default=64, help="requests at once, at most")
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--brokers", type=int, choices=(1, 3), default=3, help="the broker fault needs 3")
    parser.add_argument("--faults", nargs="+", choices=FAULTS, default=list(FAULTS))
    parser.add_argument("--lead", type=float, default=10.0, help="seconds into each window before its fault")
    parser.add_argument("--proxy-hold", type=float, default=30.0, help="seconds the proxy fault lasts")
    parser.add_argument("--drain-timeout", type=float, default=180.0)
    parser.add_argument("--root", type=Path, default=ROOT / "var" / "chaos")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where chaos.md and chaos.json go")
    args = parser.parse_args()
    if "broker" in args.faults and args.brokers != 3:
        parser.error("the broker fault kills one broker of three: --brokers 3")
    if "replicas" in args.faults and args.replicas < 2:
        parser.error("the replicas fault kills replica 1 of each app: --replicas 2 or more")
    if (args.root / "state.json").exists():
        Stack(args.root, 0).motcua("stack", "down", "--root", str(args.root))
    if args.root.exists():
        subprocess.run(["rm", "-rf", str(args.root)], check=True)  # noqa: S603, S607
    stack = stack_up(args.root, args.replicas, args.brokers)
    try:
        result = asyncio.run(run(args, stack))
    finally:
        stack.motcua("stack", "down", "--root", str(args.root))
    result["config"]["root"] = str(args.root)
    result["config"]["out"] = str(args.out)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "chaos.json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    table = report(result)
    (args.out / "chaos.md").write_text(table)
    print(table)
    sys.exit(0 if all(ok for *_, ok in verdicts(result)) else 1)


if __name__ == "__main__":
    main()
