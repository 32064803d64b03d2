"""A real single-node Apache Kafka broker (KRaft, combined broker + controller) run from Maven Central jars.

The jars come from ``services/kafka/pom.xml`` through Maven into a cache outside the clone
(:func:`kafka_libs`); :class:`KafkaBroker` writes ``server.properties``, formats the log dir once and runs
``java kafka.Kafka``.

Layout of a broker's ``data_dir``::

    server.properties   written at every start
    logs/               log.dirs (and the KRaft metadata log)
    cluster.id          the cluster id the log dir was formatted with
    broker.json         ports and settings, for restarts and for adoption by another process
    kafka.pid           pid of the running JVM (removed on stop)
    kafka.log           the JVM's stdout + stderr, appended across starts
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import time
import uuid
from collections.abc import Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import psutil

from motcua.infra._procs import find_process, log_tail, process_alive, run_coro_blocking, terminate
from motcua.infra.ports import LOOPBACK, free_ports, port_accepts, port_is_free

KAFKA_DIR = Path(__file__).resolve().parents[3] / "kafka"
"""``services/kafka``: the pom.xml and log4j2.properties of the broker."""
POM = KAFKA_DIR / "pom.xml"
LOG4J_CONFIG = KAFKA_DIR / "log4j2.properties"

_MARKER = ".motcua-complete"
_CDS_ARCHIVE = "kafka-cds.jsa"


class KafkaError(RuntimeError):
    """The broker could not be provisioned, started or stopped."""


def kafka_version(pom: Path = POM) -> str:
    """Return the Kafka version pinned in ``services/kafka/pom.xml`` (``<kafka.version>``)."""
    match = re.search(r"<kafka\.version>\s*([^<\s]+)\s*</kafka\.version>", pom.read_text(encoding="utf-8"))
    if match is None:
        raise KafkaError(f"no <kafka.version> property in {pom}")
    return match.group(1)


def default_cache_root() -> Path:
    """Return the cache root: ``$MOTCUA_CACHE`` if set, else ``~/.cache/motcua``."""
    env = os.environ.get("MOTCUA_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "motcua"


def kafka_libs(cache_dir: Path | None = None) -> Path:
    """Make sure the broker's jars are in ``cache_dir`` and return it.

    ``cache_dir`` defaults to ``<cache root>/kafka-libs-<version>`` (see :func:`default_cache_root`). Maven
    runs only when the directory lacks a completion marker for the current pom.xml, so an interrupted
    download, or a changed pom, is redone from scratch. Concurrent callers serialise on a lock file next to
    the directory.
    """
    pom_text = POM.read_bytes()
    digest = hashlib.sha256(pom_text).hexdigest()
    libs = (cache_dir or default_cache_root() / f"kafka-libs-{kafka_version()}").expanduser().resolve()
    marker = libs / _MARKER
    if _marker_matches(marker, digest):
        return libs
    libs.parent.mkdir(parents=True, exist_ok=True)
    with (libs.parent / f".{libs.name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _marker_matches(marker, digest):
            return libs
        mvn = shutil.which("mvn")
        if mvn is None:
            raise KafkaError("Maven (mvn) is not on PATH; it is needed once to fetch the Kafka jars")
        if libs.exists():
            shutil.rmtree(libs)
        libs.mkdir(parents=True)
        cmd = [mvn, "-B", "-q", "-f", str(POM), "dependency:copy-dependencies", f"-DoutputDirectory={libs}"]
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)  # noqa: S603 (our own argv)
        if done.returncode != 0 or not any(libs.glob("kafka_2.13-*.jar")):
            output = f"{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
            raise KafkaError(f"{' '.join(cmd)} failed (exit {done.returncode}):\n{output}")
        marker.write_text(digest + "\n", encoding="utf-8")
    return libs


def _marker_matches(marker: Path, digest: str) -> bool:
    try:
        return marker.read_text(encoding="utf-8").strip() == digest
    except OSError:
        return False


def new_cluster_id() -> str:
    """Return a fresh KRaft cluster id: a random UUID in URL-safe base64 without padding (22 characters)."""
    return base64.urlsafe_b64encode(uuid.uuid4().bytes).decode("ascii").rstrip("=")


async def describe_cluster(bootstrap: str, timeout: float = 10.0) -> dict[str, Any]:
    """Return the answer of aiokafka's admin ``describe_cluster`` against ``bootstrap``."""
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=int(timeout * 1000))
    try:
        async with asyncio.timeout(timeout):
            await admin.start()
            info: dict[str, Any] = await admin.describe_cluster()
    finally:
        await admin.close()
    return info


class KafkaBroker:
    """One Kafka broker process (combined broker + controller, PLAINTEXT on 127.0.0.1) over ``data_dir``.

    ``stop()`` keeps the data: a later ``start()`` of the same object, or of a new object over the same
    ``data_dir``, comes back with the same cluster id, topics and offsets (and the same ports when free).
    """

    def __init__(
        self,
        data_dir: Path,
        *,
        port: int | None = None,
        controller_port: int | None = None,
        partitions: int = 12,
        heap_mb: int = 512,
        offsets_partitions: int = 1,
        properties: Mapping[str, str | int] | None = None,
        jvm_options: Sequence[str] = (),
        libs_dir: Path | None = None,
        class_sharing: bool = True,
        node_id: int | None = None,
        advertised_port: int | None = None,
    ) -> None:
        """Describe a broker; nothing runs until :meth:`start`.

        ``port``/``controller_port`` default to the ports recorded in ``data_dir`` if free, else to free
        ports. ``partitions`` is ``num.partitions`` for auto-created topics; ``offsets_partitions`` sizes the
        internal ``__consumer_offsets``/``__transaction_state`` topics (1 is quickest to create; raise it for
        benchmarks). ``properties`` override or extend the generated server.properties; ``jvm_options`` are
        appended to the java command line. ``class_sharing`` keeps an AppCDS archive next to the jars, which
        roughly halves JVM start-up from the second start on. ``advertised_port`` is the port clients are told
        to use instead of ``port`` (a proxy in front of the broker; kept in ``broker.json`` across restarts).
        """
        self.data_dir = Path(data_dir).resolve()
        saved = self._load_state(self.data_dir)
        if port is None or controller_port is None:
            port, controller_port = self._pick_ports(port, controller_port, saved)
        self.port: int = port
        self.controller_port: int = controller_port
        self.partitions = partitions
        self.heap_mb = heap_mb
        self.offsets_partitions = offsets_partitions
        self.extra_properties: dict[str, str] = {k: str(v) for k, v in (properties or {}).items()}
        self.jvm_options = list(jvm_options)
        self.libs_dir = libs_dir
        self.class_sharing = class_sharing
        # A cluster member keeps its node id and quorum across restarts (broker.json), whoever restarts it.
        self.node_id: int = node_id if node_id is not None else int(saved.get("node_id", 1))
        kept = saved.get("advertised_port")
        self.advertised_port: int | None = advertised_port or (kept if isinstance(kept, int) else None)
        # The controller quorum, node id → controller port: this broker alone unless it is in a cluster.
        self.voters: dict[int, int] = {int(k): int(v) for k, v in saved.get("voters", {}).items()} or {
            self.node_id: self.controller_port
        }
        self._popen: subprocess.Popen[bytes] | None = None
        self._proc: psutil.Process | None = None
        self._log_start = 0
        self._cds_dump: Path | None = None

    # -- paths and properties -------------------------------------------------------------------------------

    @property
    def log_dir(self) -> Path:
        """The broker's ``log.dirs``."""
        return self.data_dir / "logs"

    @property
    def log_file(self) -> Path:
        """The JVM's stdout + stderr."""
        return self.data_dir / "kafka.log"

    @property
    def pidfile(self) -> Path:
        """The file holding the pid of the running broker (see :meth:`adopt`)."""
        return self.data_dir / "kafka.pid"

    @property
    def state_file(self) -> Path:
        """JSON with the broker's ports and settings, kept across restarts."""
        return self.data_dir / "broker.json"

    @property
    def bootstrap(self) -> str:
        """The client bootstrap address, ``127.0.0.1:<port>``."""
        return f"{LOOPBACK}:{self.port}"

    @property
    def advertised(self) -> str:
        """The address clients are told to use: the proxy's when the broker has one, else its own."""
        return f"{LOOPBACK}:{self.advertised_port or self.port}"

    @property
    def pid(self) -> int | None:
        """The pid of the broker JVM while it runs, else None."""
        return self._proc.pid if self._proc is not None and process_alive(self._proc) else None

    @property
    def running(self) -> bool:
        """Whether the broker process is alive (not necessarily serving)."""
        return self._proc is not None and process_alive(self._proc)

    @property
    def cluster_id(self) -> str | None:
        """The cluster id the log dir is formatted with, once known."""
        meta = self._meta_cluster_id()
        if meta is not None:
            return meta
        path = self.data_dir / "cluster.id"
        return path.read_text(encoding="utf-8").strip() if path.exists() else None

    def rss_bytes(self) -> int | None:
        """Resident memory of the broker JVM in bytes, or None when it does not run."""
        if self._proc is None:
            return None
        try:
            return int(self._proc.memory_info().rss)
        except psutil.Error:
            return None

    def server_properties(self) -> dict[str, str]:
        """The server.properties this broker runs with."""
        internal = str(self.offsets_partitions)
        # Three brokers or more: three copies of everything, a write acknowledged by two (acks=all).
        copies = str(min(3, len(self.voters)))
        in_sync = "2" if len(self.voters) >= 3 else "1"
        props: dict[str, str] = {
            "process.roles": "broker,controller",
            "node.id": str(self.node_id),
            "controller.quorum.voters": ",".join(
                f"{node}@{LOOPBACK}:{port}" for node, port in sorted(self.voters.items())
            ),
            "listeners": f"PLAINTEXT://{LOOPBACK}:{self.port},CONTROLLER://{LOOPBACK}:{self.controller_port}",
            "advertised.listeners": f"PLAINTEXT://{self.advertised}",
            "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
            "controller.listener.names": "CONTROLLER",
            "inter.broker.listener.name": "PLAINTEXT",
            "log.dirs": str(self.log_dir),
            "num.partitions": str(self.partitions),
            "auto.create.topics.enable": "true",
            "default.replication.factor": copies,
            "min.insync.replicas": in_sync,
            # One broker cannot meet the internal topics' default replication factor of 3.
            "offsets.topic.replication.factor": copies,
            "offsets.topic.num.partitions": internal,
            "transaction.state.log.replication.factor": copies,
            "transaction.state.log.min.isr": in_sync,
            "transaction.state.log.num.partitions": internal,
            "share.coordinator.state.topic.replication.factor": copies,
            "share.coordinator.state.topic.min.isr": in_sync,
            "share.coordinator.state.topic.num.partitions": internal,
            "group.initial.rebalance.delay.ms": "0",
            # Lets fault tests ask for short consumer sessions (the broker default floor is 6 s).
            "group.min.session.timeout.ms": "1000",
            # After a crash the restarted broker cannot register until its old session expires (default
            # 9 s, so ~12 s restarts); 3 s gives ~4 s restarts and still 6 missed heartbeats of slack.
            "broker.heartbeat.interval.ms": "500",
            "broker.session.timeout.ms": "3000",
            "num.network.threads": "2",
            "num.io.threads": "2",
            "background.threads": "2",
            "num.recovery.threads.per.data.dir": "1",
            "log.cleaner.threads": "1",
            # The 128 MiB default buffer lives on the heap.
            "log.cleaner.dedupe.buffer.size": str(16 * 1024 * 1024),
        }
        props.update(self.extra_properties)
        return props

    # -- lifecycle ------------------------------------------------------------------------------------------

    def start(self, timeout: float = 120, *, wait: bool = True) -> None:
        """Start the broker and (unless ``wait`` is false: the members of a cluster start together, since
        none serves before a quorum is up) wait until it serves clients.

        Ready means: the client port accepts TCP connections and an aiokafka admin ``describe_cluster`` lists
        the broker. Raises :class:`KafkaError` with the tail of ``kafka.log`` if the JVM exits or ``timeout``
        seconds pass (the JVM is then killed). Does nothing if this object's broker already runs.
        """
        if self.running:
            return
        deadline = time.monotonic() + timeout
        other = self._running_from_pidfile()
        if other is not None:
            raise KafkaError(f"a broker already runs over {self.data_dir} (pid {other.pid}); adopt() it")
        libs = kafka_libs(self.libs_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.log_dir.mkdir(exist_ok=True)
        props_file = self.data_dir / "server.properties"
        props_file.write_text(
            "".join(f"{k}={v}\n" for k, v in self.server_properties().items()), encoding="utf-8"
        )
        self._format(libs, props_file)
        cmd = self._java_command(libs, props_file)
        with self.log_file.open("ab") as log:
            log.write(f"=== motcua: starting kafka.Kafka at {time.strftime('%F %T')} ===\n".encode())
            log.flush()
            self._log_start = log.tell()
            # Own session: Ctrl-C in the terminal reaches only the caller, which stops the broker in order.
            self._popen = subprocess.Popen(  # noqa: S603 (our own argv)
                cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        self._proc = psutil.Process(self._popen.pid)
        self.pidfile.write_text(f"{self._popen.pid}\n", encoding="utf-8")
        self._save_state()
        if wait:
            self.wait_ready(deadline - time.monotonic())

    def wait_ready(self, timeout: float = 120) -> None:
        """Wait until the broker serves clients (see :meth:`start`); killed when it does not in time."""
        try:
            self._wait_ready(time.monotonic() + timeout)
        except BaseException:
            self.kill()
            raise

    async def astart(self, timeout: float = 120) -> None:
        """:meth:`start` from async code without blocking the event loop."""
        await asyncio.to_thread(self.start, timeout)

    def stop(self, timeout: float = 30) -> None:
        """Stop the broker: SIGTERM (controlled shutdown), SIGKILL after ``timeout`` seconds. Keeps data."""
        self._end(signal.SIGTERM, timeout)

    async def astop(self, timeout: float = 30) -> None:
        """:meth:`stop` from async code without blocking the event loop."""
        await asyncio.to_thread(self.stop, timeout)

    def kill(self) -> None:
        """SIGKILL the broker at once (a crash, for fault tests). Keeps data; a restart recovers the logs."""
        self._end(signal.SIGKILL, 0)

    @classmethod
    def adopt(cls, data_dir: Path, **kwargs: Any) -> KafkaBroker | None:
        """Return a handle on the broker already running over ``data_dir`` (from its pid file), or None.

        The handle can report ``pid``/``running``/``bootstrap`` and ``stop()``/``kill()`` the broker even
        though another process started it. ``kwargs`` go to the constructor (ports come from ``broker.json``).
        """
        state = cls._load_state(Path(data_dir).resolve())
        for key in ("port", "controller_port", "partitions", "offsets_partitions", "heap_mb"):
            if isinstance(state.get(key), int):
                kwargs.setdefault(key, state[key])
        broker = cls(data_dir, **kwargs)
        proc = broker._running_from_pidfile()
        if proc is None:
            return None
        broker._proc = proc
        cds = state.get("cds_dump")
        broker._cds_dump = Path(cds) if isinstance(cds, str) else None
        return broker

    def __repr__(self) -> str:
        return f"KafkaBroker({str(self.data_dir)!r}, bootstrap={self.bootstrap!r}, pid={self.pid})"

    # -- internals ------------------------------------------------------------------------------------------

    @staticmethod
    def _load_state(data_dir: Path) -> dict[str, Any]:
        try:
            state = json.loads((data_dir / "broker.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return state if isinstance(state, dict) else {}

    @staticmethod
    def _pick_ports(
        port: int | None, controller_port: int | None, saved: Mapping[str, Any]
    ) -> tuple[int, int]:
        chosen: list[int] = []
        for given, key in ((port, "port"), (controller_port, "controller_port")):
            old = saved.get(key)
            if given is not None:
                chosen.append(given)
            elif isinstance(old, int) and old not in chosen and port_is_free(old):
                chosen.append(old)
            else:
                chosen.append(next(p for p in free_ports(3) if p not in chosen))
        return chosen[0], chosen[1]

    def _save_state(self) -> None:
        state = {
            "port": self.port,
            "controller_port": self.controller_port,
            "bootstrap": self.bootstrap,
            "partitions": self.partitions,
            "offsets_partitions": self.offsets_partitions,
            "heap_mb": self.heap_mb,
            "pid": self.pid,
            "create_time": self._proc.create_time() if self._proc is not None else None,
            "cds_dump": str(self._cds_dump) if self._cds_dump is not None else None,
            "node_id": self.node_id,
            "advertised_port": self.advertised_port,
            "voters": {str(k): v for k, v in self.voters.items()},
        }
        self.state_file.write_text(json.dumps(state, indent=2) + "\n", encoding="utf-8")

    def _running_from_pidfile(self) -> psutil.Process | None:
        try:
            pid = int(self.pidfile.read_text(encoding="utf-8").split()[0])
        except (OSError, ValueError, IndexError):
            return None
        create_time = self._load_state(self.data_dir).get("create_time")
        proc = find_process(pid, create_time if isinstance(create_time, float) else None)
        if proc is None:
            return None
        try:
            cmdline = proc.cmdline()
        except psutil.Error:
            return None
        return proc if "kafka.Kafka" in cmdline else None

    def _meta_cluster_id(self) -> str | None:
        try:
            text = (self.log_dir / "meta.properties").read_text(encoding="utf-8")
        except OSError:
            return None
        match = re.search(r"^cluster\.id=(\S+)", text, re.MULTILINE)
        return match.group(1) if match else None

    def _format(self, libs: Path, props_file: Path) -> None:
        id_file = self.data_dir / "cluster.id"
        meta_id = self._meta_cluster_id()
        if meta_id is not None:
            # Already formatted (a restart): formatting again with another id would fail, and is not needed.
            id_file.write_text(meta_id + "\n", encoding="utf-8")
            return
        cluster_id = id_file.read_text(encoding="utf-8").strip() if id_file.exists() else new_cluster_id()
        id_file.write_text(cluster_id + "\n", encoding="utf-8")
        # No --standalone: the quorum is given statically by controller.quorum.voters.
        cmd = [
            "java", "-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData", *self._log4j_opts(),
            "-cp", self._classpath(libs), "kafka.tools.StorageTool",
            # "=": a base64 id may begin with "-", which argparse would take for an option.
            "format", f"--cluster-id={cluster_id}", "-c", str(props_file), "--ignore-formatted",
        ]  # fmt: skip
        done = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=120)  # noqa: S603
        if done.returncode != 0:
            raise KafkaError(
                f"formatting {self.log_dir} failed (exit {done.returncode}):\n{done.stdout}{done.stderr}"
            )

    @staticmethod
    def _classpath(libs: Path) -> str:
        # An explicit, sorted jar list: the AppCDS archive is only valid for the same classpath.
        return os.pathsep.join(str(p) for p in sorted(libs.glob("*.jar")))

    @staticmethod
    def _log4j_opts() -> list[str]:
        return [f"-Dlog4j2.configurationFile={LOG4J_CONFIG}"]

    def _java_command(self, libs: Path, props_file: Path) -> list[str]:
        java = shutil.which("java") or "java"
        cmd = [
            java,
            f"-Xms{min(256, self.heap_mb)}m",
            f"-Xmx{self.heap_mb}m",
            "-XX:+UseG1GC",
            "-XX:MaxGCPauseMillis=20",
            "-XX:InitiatingHeapOccupancyPercent=35",
            "-XX:+ExplicitGCInvokesConcurrent",
            "-XX:+ExitOnOutOfMemoryError",
            "-XX:-UsePerfData",
            "-Djava.awt.headless=true",
            *self._log4j_opts(),
        ]
        self._cds_dump = None
        if self.class_sharing:
            archive = libs / _CDS_ARCHIVE
            if archive.exists():
                cmd += [f"-XX:SharedArchiveFile={archive}"]
            else:
                # The JVM writes the archive at orderly exit; stop() moves it into place for later starts.
                self._cds_dump = libs / f".{_CDS_ARCHIVE}.{uuid.uuid4().hex}.tmp"
                cmd += [f"-XX:ArchiveClassesAtExit={self._cds_dump}"]
            cmd += ["-Xlog:cds=off", "-Xlog:cds+dynamic=off"]
        cmd += [*self.jvm_options, "-cp", self._classpath(libs), "kafka.Kafka", str(props_file)]
        return cmd

    def _wait_ready(self, deadline: float) -> None:
        last_error = "client port not open yet"
        while True:
            if self._popen is not None and self._popen.poll() is not None:
                raise KafkaError(
                    f"kafka exited with code {self._popen.returncode} while starting; "
                    f"{self.log_file}:\n{log_tail(self.log_file, self._log_start)}"
                )
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise KafkaError(
                    f"kafka not ready within the timeout ({last_error}); "
                    f"{self.log_file}:\n{log_tail(self.log_file, self._log_start)}"
                )
            if port_accepts(self.port):
                probe_timeout = min(10.0, remaining)
                try:
                    info = run_coro_blocking(partial(describe_cluster, self.bootstrap, probe_timeout))
                except Exception as exc:
                    last_error = f"describe_cluster: {exc!r}"
                else:
                    if info.get("brokers"):
                        return
                    last_error = f"describe_cluster listed no broker: {info}"
            time.sleep(0.1)

    def _end(self, sig: int, timeout: float) -> None:
        proc = self._proc
        if proc is None:
            return
        graceful = terminate(proc, self._popen, timeout, sig)
        self._proc = None
        self._popen = None
        with contextlib.suppress(FileNotFoundError):
            self.pidfile.unlink()
        dump, self._cds_dump = self._cds_dump, None
        if dump is not None and dump.exists():
            # Only an orderly exit finishes writing the archive.
            if graceful and sig != signal.SIGKILL and dump.stat().st_size > 0:
                os.replace(dump, dump.parent / _CDS_ARCHIVE)
            else:
                dump.unlink()


class KafkaCluster:
    """``size`` brokers (each broker and controller) forming one KRaft quorum on loopback, under ``root``:
    with three, every topic has three copies and ``min.insync.replicas=2``, so a write acknowledged with
    ``acks=all`` survives the loss of any one broker, and the cluster keeps serving while one is down."""

    def __init__(self, root: Path, *, size: int = 3, **kwargs: Any) -> None:
        self.root = Path(root).resolve()
        # Chosen together, so no two brokers pick one port; a restarted cluster keeps its recorded ports.
        fresh = iter(free_ports(2 * size))
        self.brokers = []
        for node in range(1, size + 1):
            data_dir = self.root / f"broker-{node}"
            saved = KafkaBroker._load_state(data_dir)
            port = saved.get("port") or next(fresh)
            controller_port = saved.get("controller_port") or next(fresh)
            self.brokers.append(
                KafkaBroker(data_dir, port=port, controller_port=controller_port, node_id=node, **kwargs)
            )
        voters = {b.node_id: b.controller_port for b in self.brokers}
        for broker in self.brokers:
            broker.voters = dict(voters)

    @property
    def bootstrap(self) -> str:
        """Every broker's address, comma-separated (clients find the rest from any one)."""
        return ",".join(b.bootstrap for b in self.brokers)

    @property
    def advertised(self) -> str:
        """Every broker's advertised address (its proxy's, when it has one), comma-separated."""
        return ",".join(b.advertised for b in self.brokers)

    def start(self, timeout: float = 180) -> None:
        """Start every broker not running, then wait until each serves (one cluster id for all)."""
        self.root.mkdir(parents=True, exist_ok=True)
        id_file = self.root / "cluster.id"
        if not id_file.exists():
            id_file.write_text(new_cluster_id() + "\n", encoding="utf-8")
        for broker in self.brokers:
            broker.data_dir.mkdir(parents=True, exist_ok=True)
            own = broker.data_dir / "cluster.id"
            if not own.exists():
                own.write_text(id_file.read_text(encoding="utf-8"), encoding="utf-8")
        starting = [b for b in self.brokers if not b.running]
        for broker in starting:
            broker.start(timeout, wait=False)
        for broker in starting:
            broker.wait_ready(timeout)

    def stop(self, timeout: float = 30) -> None:
        """Stop every broker (data kept)."""
        for broker in reversed(self.brokers):
            broker.stop(timeout)
