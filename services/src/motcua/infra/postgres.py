"""A throwaway PostgreSQL cluster run from the local binaries, and database helpers for any server.

Layout of a cluster's ``data_dir`` (owned by the ``postgres`` OS user when we run as root)::

    pgdata/          PGDATA (initdb'd once; ``motcua.conf`` in it is rewritten at every start)
    sock/            the unix socket directory
    postgres.log     the server log, appended across starts
    cluster.json     the port, kept across restarts
"""

from __future__ import annotations

import asyncio
import contextlib
import glob
import json
import os
import pwd
import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import Protocol

import psutil
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from motcua.infra._procs import find_process, log_tail, run_coro_blocking, wait_gone
from motcua.infra.ports import LOOPBACK, free_port, port_is_free

PG_USER = "postgres"
"""The OS user the server runs as when we are root, and the database superuser."""

_SQLSTATE_DUPLICATE_DATABASE = "42P04"
_SQLSTATE_OBJECT_IN_USE = "55006"
# sun_path holds 107 bytes; the socket file adds "/.s.PGSQL.<port>.lock".
_MAX_SOCKET_DIR = 80


class PostgresError(RuntimeError):
    """The cluster could not be initialised, started or stopped."""


class PgServer(Protocol):
    """A PostgreSQL server tests and services can get databases on."""

    def url(self, dbname: str) -> str:
        """The SQLAlchemy asyncpg URL of database ``dbname``."""
        ...

    def create_database(self, name: str) -> None:
        """Create database ``name`` unless it exists."""
        ...

    def drop_database(self, name: str) -> None:
        """Drop database ``name`` if it exists, disconnecting its sessions."""
        ...


def pg_bin_dir() -> Path:
    """Return the directory of the PostgreSQL server binaries.

    ``$MOTCUA_PG_BIN`` if set, else the newest ``/usr/lib/postgresql/<major>/bin``, else where ``initdb``
    is on PATH.
    """
    env = os.environ.get("MOTCUA_PG_BIN")
    if env:
        return Path(env)
    candidates = [Path(p) for p in glob.glob("/usr/lib/postgresql/*/bin") if (Path(p) / "initdb").exists()]
    if candidates:
        return max(candidates, key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0)
    initdb = shutil.which("initdb")
    if initdb is None:
        raise PostgresError("no PostgreSQL server binaries found; set MOTCUA_PG_BIN")
    return Path(initdb).parent


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sqlstate(exc: DBAPIError) -> str | None:
    for err in (exc.orig, getattr(exc.orig, "__cause__", None)):
        state = getattr(err, "sqlstate", None) or getattr(err, "pgcode", None)
        if isinstance(state, str):
            return state
    return None


def database_url(admin_url: str, dbname: str) -> str:
    """Return ``admin_url`` (any SQLAlchemy PostgreSQL URL) pointed at ``dbname`` with the asyncpg driver."""
    url = make_url(admin_url).set(drivername="postgresql+asyncpg", database=dbname)
    return url.render_as_string(hide_password=False)


async def create_databases_async(admin_url: str, names: Sequence[str]) -> None:
    """Create each database in ``names`` that does not exist yet, over ``admin_url`` (needs CREATEDB)."""
    engine = create_async_engine(
        database_url(admin_url, make_url(admin_url).database or "postgres"),
        isolation_level="AUTOCOMMIT",
        poolclass=NullPool,
    )
    try:
        async with engine.connect() as conn:
            for name in names:
                query = text("SELECT 1 FROM pg_database WHERE datname = :name")
                if await conn.scalar(query, {"name": name}):
                    continue
                for attempt in range(20):
                    try:
                        await conn.execute(text(f"CREATE DATABASE {_quote_ident(name)}"))
                    except DBAPIError as exc:
                        state = _sqlstate(exc)
                        if state == _SQLSTATE_DUPLICATE_DATABASE:
                            break  # created concurrently by someone else
                        # "source database template1 is being accessed by other users": a concurrent
                        # CREATE DATABASE holds the template briefly.
                        if state == _SQLSTATE_OBJECT_IN_USE and attempt < 19:
                            await asyncio.sleep(0.1)
                            continue
                        raise
                    break
    finally:
        await engine.dispose()


def create_databases(admin_url: str, names: Sequence[str]) -> None:
    """Create each database in ``names`` that does not exist yet, on the server of ``admin_url``.

    ``admin_url`` is a SQLAlchemy URL such as ``$MOTCUA_PG_URL``
    (``postgresql+asyncpg://user:pw@host:port/postgres``). Safe to call from inside a running event loop
    (it blocks it); async code may prefer :func:`create_databases_async`.
    """
    run_coro_blocking(partial(create_databases_async, admin_url, list(names)))


async def drop_database_async(admin_url: str, name: str) -> None:
    """Drop database ``name`` if it exists, forcibly disconnecting its sessions."""
    engine = create_async_engine(
        database_url(admin_url, make_url(admin_url).database or "postgres"),
        isolation_level="AUTOCOMMIT",
        poolclass=NullPool,
    )
    try:
        async with engine.connect() as conn:
            await conn.execute(text(f"DROP DATABASE IF EXISTS {_quote_ident(name)} WITH (FORCE)"))
    finally:
        await engine.dispose()


def drop_database(admin_url: str, name: str) -> None:
    """Blocking :func:`drop_database_async`."""
    run_coro_blocking(partial(drop_database_async, admin_url, name))


class ExternalPostgres:
    """A :class:`PgServer` we do not run, given by an admin URL (e.g. ``$MOTCUA_PG_URL``)."""

    def __init__(self, admin_url: str) -> None:
        """Wrap the server of ``admin_url``, a SQLAlchemy URL whose user may create databases."""
        self.admin_url = admin_url

    def url(self, dbname: str) -> str:
        """The asyncpg URL of ``dbname`` on this server, with the admin URL's credentials."""
        return database_url(self.admin_url, dbname)

    def create_database(self, name: str) -> None:
        """Create database ``name`` unless it exists."""
        create_databases(self.admin_url, [name])

    def drop_database(self, name: str) -> None:
        """Drop database ``name`` if it exists."""
        drop_database(self.admin_url, name)

    def __repr__(self) -> str:
        return f"ExternalPostgres({make_url(self.admin_url).render_as_string(hide_password=True)!r})"


DURABLE = {"fsync": "on", "synchronous_commit": "on", "full_page_writes": "on"}
"""The server settings a durable cluster runs with."""


class PostgresCluster:
    """A PostgreSQL cluster over ``data_dir``, listening on 127.0.0.1 with trust auth for user ``postgres``.

    A new object over the ``data_dir`` of a running cluster sees it as running (the pid comes from
    ``postmaster.pid``) and can stop it; ``stop()`` keeps the data for a later ``start()``.
    """

    def __init__(
        self,
        data_dir: Path,
        *,
        port: int | None = None,
        fast: bool = False,
        max_connections: int = 200,
        settings: Mapping[str, str | int] | None = None,
    ) -> None:
        """Describe a cluster; nothing runs until :meth:`start`.

        ``port`` defaults to the running cluster's port, else the one recorded in ``data_dir`` if free, else a
        free port. The cluster is durable unless ``fast`` (for tests that ask for it): fsync,
        synchronous_commit and full_page_writes on, so a commit it acknowledged survives an OS crash or a
        power loss. ``fast`` turns them off: quick, and unsafe against an OS crash (a killed server still
        recovers). ``settings`` add or override server settings.
        """
        self.data_dir = Path(data_dir).resolve()
        self.fast = fast
        self.max_connections = max_connections
        self.settings: dict[str, str] = {k: str(v) for k, v in (settings or {}).items()}
        self._bin = pg_bin_dir()
        self._short_socket_dir: Path | None = None
        self._log_start = 0
        self.port: int = port if port is not None else self._pick_port()

    # -- paths and properties -------------------------------------------------------------------------------

    @property
    def pgdata(self) -> Path:
        """PGDATA."""
        return self.data_dir / "pgdata"

    @property
    def log_file(self) -> Path:
        """The server log."""
        return self.data_dir / "postgres.log"

    @property
    def socket_dir(self) -> Path:
        """The unix socket directory (inside ``data_dir`` unless that path is too long for a socket)."""
        inside = self.data_dir / "sock"
        if len(str(inside)) <= _MAX_SOCKET_DIR:
            return inside
        if self._short_socket_dir is None:
            self._short_socket_dir = Path(tempfile.mkdtemp(prefix="motcua-pg-"))
        return self._short_socket_dir

    @property
    def pid(self) -> int | None:
        """The postmaster's pid while the cluster runs, else None."""
        proc = self._postmaster()
        return proc.pid if proc is not None else None

    @property
    def running(self) -> bool:
        """Whether the postmaster process is alive (not necessarily accepting connections)."""
        return self._postmaster() is not None

    @property
    def admin_url(self) -> str:
        """The asyncpg URL of the ``postgres`` database."""
        return self.url("postgres")

    def url(self, dbname: str) -> str:
        """The SQLAlchemy URL ``postgresql+asyncpg://postgres@127.0.0.1:<port>/<dbname>``."""
        return f"postgresql+asyncpg://{PG_USER}@{LOOPBACK}:{self.port}/{dbname}"

    def dsn(self, dbname: str) -> str:
        """The libpq/asyncpg DSN ``postgresql://postgres@127.0.0.1:<port>/<dbname>``."""
        return f"postgresql://{PG_USER}@{LOOPBACK}:{self.port}/{dbname}"

    def server_settings(self) -> dict[str, str]:
        """The settings written to ``pgdata/motcua.conf`` at start."""
        settings = {
            "listen_addresses": f"'{LOOPBACK}'",
            "port": str(self.port),
            "unix_socket_directories": f"'{self.socket_dir}'",
            "max_connections": str(self.max_connections),
            "logging_collector": "off",
        }
        if self.fast:
            settings.update(
                {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off", "jit": "off"}
            )
        else:
            # Said outright, whatever postgresql.conf holds: "nothing acknowledged is lost" rests on them.
            settings.update(DURABLE)
        settings.update(self.settings)
        return settings

    # -- lifecycle ------------------------------------------------------------------------------------------

    def start(self, timeout: float = 60) -> None:
        """initdb if needed, start the server and wait until it accepts connections.

        Raises :class:`PostgresError` with the tail of the server log on failure. Does nothing if the
        cluster already runs.
        """
        if self.running:
            return
        deadline = time.monotonic() + timeout
        self._prepare_dirs()
        if not (self.pgdata / "PG_VERSION").exists():
            self._initdb()
        self._write_config()
        (self.data_dir / "cluster.json").write_text(json.dumps({"port": self.port}) + "\n", encoding="utf-8")
        self._log_start = self.log_file.stat().st_size if self.log_file.exists() else 0
        wait = max(1, int(deadline - time.monotonic()))
        done = self._run_pg(
            [
                "pg_ctl",
                "start",
                "-D",
                str(self.pgdata),
                "-l",
                str(self.log_file),
                "-w",
                "-t",
                str(wait),
                "-s",
            ],
            timeout=wait + 10,
        )
        if done.returncode != 0:
            self.kill()
            raise PostgresError(
                f"pg_ctl start failed (exit {done.returncode}): {done.stdout}{done.stderr}\n"
                f"{self.log_file}:\n{log_tail(self.log_file, self._log_start)}"
            )
        while not self._ready():
            if time.monotonic() > deadline or not self.running:
                self.kill()
                raise PostgresError(
                    f"postgres not ready within the timeout; {self.log_file}:\n"
                    f"{log_tail(self.log_file, self._log_start)}"
                )
            time.sleep(0.05)

    async def astart(self, timeout: float = 60) -> None:
        """:meth:`start` from async code without blocking the event loop."""
        await asyncio.to_thread(self.start, timeout)

    def stop(self, mode: str = "fast", timeout: float = 60) -> None:
        """Stop the server with ``pg_ctl stop -m <mode>`` (smart, fast or immediate); SIGKILL on failure."""
        if not self.running:
            return
        done = self._run_pg(
            ["pg_ctl", "stop", "-D", str(self.pgdata), "-m", mode, "-w", "-t", str(int(timeout)), "-s"],
            timeout=timeout + 10,
        )
        if done.returncode != 0 and self.running:
            self.kill()

    async def astop(self, mode: str = "fast", timeout: float = 60) -> None:
        """:meth:`stop` from async code without blocking the event loop."""
        await asyncio.to_thread(self.stop, mode, timeout)

    def kill(self) -> None:
        """SIGKILL the postmaster and all its backends at once (a crash). The next start recovers from WAL."""
        postmaster = self._postmaster()
        if postmaster is None:
            return
        try:
            procs = [postmaster, *postmaster.children(recursive=True)]
        except psutil.NoSuchProcess:
            procs = [postmaster]
        for proc in procs:
            with contextlib.suppress(psutil.NoSuchProcess):
                proc.send_signal(signal.SIGKILL)
        for proc in procs:
            wait_gone(proc, None, 10.0)

    def create_database(self, name: str) -> None:
        """Create database ``name`` unless it exists."""
        create_databases(self.admin_url, [name])

    def drop_database(self, name: str) -> None:
        """Drop database ``name`` if it exists."""
        drop_database(self.admin_url, name)

    def cleanup(self) -> None:
        """Remove the short socket directory made when ``data_dir`` is too deep for a socket path."""
        if self._short_socket_dir is not None:
            shutil.rmtree(self._short_socket_dir, ignore_errors=True)
            self._short_socket_dir = None

    def __repr__(self) -> str:
        return f"PostgresCluster({str(self.data_dir)!r}, port={self.port}, pid={self.pid})"

    # -- internals ------------------------------------------------------------------------------------------

    def _pick_port(self) -> int:
        running = self._postmaster_pid_lines()
        if (
            running is not None
            and len(running) > 3
            and running[3].isdigit()
            and self._postmaster() is not None
        ):
            return int(running[3])
        try:
            saved = json.loads((self.data_dir / "cluster.json").read_text(encoding="utf-8")).get("port")
        except (OSError, ValueError, AttributeError):
            saved = None
        if isinstance(saved, int) and port_is_free(saved):
            return saved
        return free_port()

    def _postmaster_pid_lines(self) -> list[str] | None:
        try:
            return (self.pgdata / "postmaster.pid").read_text(encoding="utf-8").splitlines()
        except OSError:
            return None

    def _postmaster(self) -> psutil.Process | None:
        lines = self._postmaster_pid_lines()
        if not lines or not lines[0].strip().isdigit():
            return None
        proc = find_process(int(lines[0]))
        if proc is None:
            return None
        try:
            return proc if "postgres" in proc.name() else None
        except psutil.Error:
            return None

    @staticmethod
    def _as_root() -> bool:
        return os.geteuid() == 0

    def _as_pg_user(self, argv: list[str]) -> list[str]:
        return ["runuser", "-u", PG_USER, "--", *argv] if self._as_root() else argv

    def _run_pg(self, cmd: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
        """Run a PostgreSQL binary, as the postgres user when we are root."""
        argv = self._as_pg_user([str(self._bin / cmd[0]), *cmd[1:]])
        env = {**os.environ, "LC_ALL": "C"}
        env.pop("PGDATA", None)
        # cwd: the postgres user may not be allowed into the caller's working directory.
        return subprocess.run(  # noqa: S603 (our own argv)
            argv,
            cwd=self.data_dir,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def _prepare_dirs(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        sock = self.socket_dir
        sock.mkdir(parents=True, exist_ok=True)
        if not self._as_root():
            return
        try:
            user = pwd.getpwnam(PG_USER)
        except KeyError:
            raise PostgresError(f"running as root needs an OS user {PG_USER!r} to run the server") from None
        for top in (self.data_dir, sock):
            if top.stat().st_uid != user.pw_uid:
                for root, dirs, files in os.walk(top):
                    for name in (root, *(os.path.join(root, n) for n in (*dirs, *files))):
                        os.chown(name, user.pw_uid, user.pw_gid, follow_symlinks=False)
        probe = subprocess.run(  # noqa: S603 (our own argv)
            self._as_pg_user(["test", "-w", str(self.data_dir), "-a", "-w", str(sock)]),
            check=False,
            capture_output=True,
        )
        if probe.returncode != 0:
            raise PostgresError(
                f"user {PG_USER!r} cannot write {self.data_dir} or {sock}: a parent directory is closed to "
                "it (pytest's tmp_path under /tmp/pytest-of-root is 0700); use a directory like "
                "tempfile.mkdtemp()"
            )

    def _initdb(self) -> None:
        cmd = [
            "initdb",
            "-D",
            str(self.pgdata),
            "--auth=trust",
            "-U",
            PG_USER,
            "--encoding=UTF8",
            f"--locale={self._locale()}",
            "--no-instructions",
        ]
        if self.fast:
            cmd.append("--no-sync")
        done = self._run_pg(cmd, timeout=300)
        if done.returncode != 0:
            raise PostgresError(f"initdb failed (exit {done.returncode}):\n{done.stdout}{done.stderr}")

    @staticmethod
    def _locale() -> str:
        try:
            out = subprocess.run(["locale", "-a"], capture_output=True, text=True, check=False).stdout  # noqa: S607
        except OSError:
            return "C"
        names = {re.sub(r"[^a-z0-9.]", "", line.lower()) for line in out.split()}
        return "C.UTF-8" if "c.utf8" in names else "C"

    def _write_config(self) -> None:
        conf = self.pgdata / "postgresql.conf"
        include = "include_if_exists = 'motcua.conf'"
        text_ = conf.read_text(encoding="utf-8")
        if include not in text_:
            conf.write_text(text_ + f"\n{include}\n", encoding="utf-8")
        lines = [f"{k} = {v}" for k, v in self.server_settings().items()]
        extra = self.pgdata / "motcua.conf"
        extra.write_text(
            "# written by motcua.infra.postgres at every start\n" + "\n".join(lines) + "\n", encoding="utf-8"
        )
        if self._as_root():
            user = pwd.getpwnam(PG_USER)
            os.chown(extra, user.pw_uid, user.pw_gid)

    def _ready(self) -> bool:
        done = self._run_pg(
            [
                "pg_isready",
                "-q",
                "-h",
                LOOPBACK,
                "-p",
                str(self.port),
                "-U",
                PG_USER,
                "-d",
                "postgres",
                "-t",
                "2",
            ],
            timeout=10,
        )
        return done.returncode == 0
