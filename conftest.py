"""Test infrastructure shared by the whole repository: a real Kafka broker and PostgreSQL, started on demand.

Nothing starts unless a test requests a fixture. ``$MOTCUA_KAFKA_BOOTSTRAP`` / ``$MOTCUA_PG_URL`` point the
session fixtures at servers that already run (CI services, a ``motcua stack``); without them the session
starts its own (see ``motcua.infra``). The factories always start dedicated processes a test may stop, kill
and restart. Their ``start()`` blocks; from async tests prefer ``await broker.astart()`` for restarts.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from motcua.infra.kafka import KafkaBroker
from motcua.infra.postgres import ExternalPostgres, PgServer, PostgresCluster


def _pg_tempdir() -> Path:
    # Not tmp_path: pytest's base temp dir is 0700 root, which the postgres OS user cannot traverse.
    return Path(tempfile.mkdtemp(prefix="motcua-pg-"))


@pytest.fixture(scope="session")
def kafka_bootstrap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Bootstrap address of a Kafka broker for the session: ``$MOTCUA_KAFKA_BOOTSTRAP`` or one we start."""
    external = os.environ.get("MOTCUA_KAFKA_BOOTSTRAP")
    if external:
        yield external
        return
    broker = KafkaBroker(tmp_path_factory.mktemp("kafka-session"))
    broker.start()
    try:
        yield broker.bootstrap
    finally:
        broker.stop()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """The session's PostgreSQL server: ``$MOTCUA_PG_URL`` (admin SQLAlchemy URL) or a cluster we start (in
    the fast mode, which only tests use: fsync and synchronous commits off)."""
    external = os.environ.get("MOTCUA_PG_URL")
    if external:
        yield ExternalPostgres(external)
        return
    data_dir = _pg_tempdir()
    cluster = PostgresCluster(data_dir, fast=True)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()
        cluster.cleanup()
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture
def fresh_pg_url(pg_server: PgServer) -> Iterator[str]:
    """The asyncpg URL of a new, empty database on ``pg_server`` (dropped afterwards)."""
    name = f"test_{uuid.uuid4().hex[:16]}"
    pg_server.create_database(name)
    yield pg_server.url(name)
    # Best effort: a test that leaked a connection pool must not fail on teardown (FORCE disconnects it).
    with contextlib.suppress(Exception):
        pg_server.drop_database(name)


@pytest.fixture
def kafka_broker_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., KafkaBroker]]:
    """A callable that starts a new dedicated KafkaBroker (own dir and ports) and returns it.

    ``make(start=False, **kwargs)`` returns it unstarted; ``kwargs`` go to :class:`KafkaBroker`. Every broker
    made is stopped at teardown.
    """
    brokers: list[KafkaBroker] = []

    def make(*, start: bool = True, **kwargs: Any) -> KafkaBroker:
        broker = KafkaBroker(tmp_path_factory.mktemp("kafka-dedicated"), **kwargs)
        brokers.append(broker)
        if start:
            broker.start()
        return broker

    yield make
    for broker in brokers:
        try:
            broker.stop(timeout=15)
        except Exception:
            broker.kill()


@pytest.fixture
def pg_cluster_factory() -> Iterator[Callable[..., PostgresCluster]]:
    """A callable that starts a new dedicated PostgresCluster (own dir and port) and returns it.

    ``make(start=False, **kwargs)`` returns it unstarted; ``kwargs`` go to :class:`PostgresCluster` (fast, not
    durable, unless ``fast=False``). Every cluster made is stopped and its directory removed at teardown.
    """
    clusters: list[tuple[PostgresCluster, Path]] = []

    def make(*, start: bool = True, **kwargs: Any) -> PostgresCluster:
        data_dir = _pg_tempdir()
        cluster = PostgresCluster(data_dir, **{"fast": True, **kwargs})
        clusters.append((cluster, data_dir))
        if start:
            cluster.start()
        return cluster

    yield make
    for cluster, data_dir in clusters:
        try:
            cluster.stop(mode="immediate", timeout=15)
        except Exception:
            cluster.kill()
        cluster.cleanup()
        shutil.rmtree(data_dir, ignore_errors=True)
