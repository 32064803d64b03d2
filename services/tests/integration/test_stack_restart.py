"""`motcua stack restart kafka|postgres`: the stack's broker and cluster, crashed, come back on their port;
and a `stack up` that fails half-way leaves nothing running (its failure, or a later `down`, stops it)."""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest
from journey_steps import free_port_block
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from motcua import stack
from motcua.infra.kafka import KafkaBroker, KafkaError
from motcua.infra.ports import port_accepts
from motcua.infra.postgres import PostgresCluster, PostgresError
from motcua.stack import StackPaths, down, restart, stack_postgres, status, up

pytestmark = pytest.mark.integration


@pytest.fixture
def paths() -> Iterator[StackPaths]:
    # Not tmp_path: the postgres OS user must reach the cluster's directory inside the stack's root.
    root = Path(tempfile.mkdtemp(prefix="motcua-stack-"))
    root.chmod(0o755)
    yield StackPaths(root)
    shutil.rmtree(root, ignore_errors=True)


def _write_state(paths: StackPaths, **parts: Any) -> None:
    state = {"processes": [], "base_port": 0, "bootstrap": "127.0.0.1:0", **parts}
    paths.state.write_text(json.dumps(state))


async def test_a_crashed_postgres_restarts_on_its_port_durable(paths: StackPaths) -> None:
    cluster = stack_postgres(paths)
    await cluster.astart()
    try:
        _write_state(paths, postgres={"data_dir": str(paths.postgres), "port": cluster.port})
        cluster.kill()
        assert not port_accepts(cluster.port)

        restart(paths, "postgres")
        engine = create_async_engine(cluster.admin_url)
        try:
            async with engine.connect() as conn:
                assert await conn.scalar(text("SHOW fsync")) == "on"
        finally:
            await engine.dispose()
    finally:
        await cluster.astop()


def test_a_crashed_broker_restarts_on_the_address_the_services_know(paths: StackPaths) -> None:
    broker = KafkaBroker(paths.kafka)
    broker.start()
    try:
        _write_state(paths, kafka={"data_dir": str(paths.kafka)}, bootstrap=broker.bootstrap)
        broker.kill()
        assert not port_accepts(broker.port)

        restart(paths, "kafka")
        again = KafkaBroker.adopt(paths.kafka)
        assert again is not None
        assert again.bootstrap == broker.bootstrap
        assert port_accepts(broker.port)
    finally:
        adopted = KafkaBroker.adopt(paths.kafka)
        if adopted is not None:
            adopted.stop()


def test_a_part_the_stack_did_not_start_is_refused(paths: StackPaths) -> None:
    _write_state(paths)
    for part in ("kafka", "postgres", "nothing"):
        with pytest.raises(RuntimeError):
            restart(paths, part)


def test_an_up_failing_half_way_leaves_what_it_started_to_down(
    paths: StackPaths, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL refusing to start after the broker did: the failure stops the broker; and an `up`
    killed before it could (its own stopping skipped here) leaves a `down` that still knows the broker and
    stops it."""
    monkeypatch.delenv("MOTCUA_KAFKA_BOOTSTRAP", raising=False)
    monkeypatch.delenv("MOTCUA_PG_URL", raising=False)

    def refused(self: object, timeout: float = 60) -> None:
        raise PostgresError("the postgres OS user cannot reach the data directory")

    monkeypatch.setattr(PostgresCluster, "start", refused)
    with pytest.raises(PostgresError):
        up(paths, base_port=free_port_block(6))
    assert KafkaBroker.adopt(paths.kafka) is None, "the failure stopped the broker it had started"
    assert not paths.state.exists()

    monkeypatch.setattr(stack, "down", lambda paths: [])
    with pytest.raises(PostgresError):
        up(paths, base_port=free_port_block(6))
    broker = KafkaBroker.adopt(paths.kafka)
    assert broker is not None
    assert broker.running

    assert "kafka" in down(paths)
    assert not broker.running


def _running(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_a_failure_after_the_proxy_started_stops_the_proxy_and_leaves_no_state(
    paths: StackPaths, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: dict[str, Any] = {}

    def broker_that_fails(self: KafkaBroker, timeout: float = 120, *, wait: bool = True) -> None:
        # What `stack status` and `stack down` from another terminal would see at this moment.
        seen["state"] = json.loads(paths.state.read_text())
        seen["status"] = {row["name"]: row["running"] for row in status(paths)}
        raise KafkaError("the broker did not start (provoked)")

    monkeypatch.setattr(KafkaBroker, "start", broker_that_fails)
    with pytest.raises(KafkaError, match="provoked"):
        up(paths, base_port=free_port_block(6), proxy=True, supervise=False, timeout=30)

    [proxy] = seen["state"]["processes"]
    try:
        assert proxy["name"] == "proxy"
        assert seen["status"]["proxy"] is True, "the proxy ran, recorded, when the broker failed"
        assert {"kafka", "postgres"} <= seen["state"].keys(), "the parts to come were recorded too"
        assert not _running(proxy["pid"]), "the failure stopped the proxy"
        assert not port_accepts(int(seen["state"]["proxy"]["api_port"]))
        assert not stack_postgres(paths).running
        assert not paths.state.exists(), "nothing is left for `stack down` to stop"
        assert down(paths) == []
    finally:
        if _running(proxy["pid"]):
            psutil.Process(proxy["pid"]).kill()


def test_a_later_down_stops_the_proxy_of_an_up_that_died_before_stopping_it(
    paths: StackPaths, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broker_that_fails(self: KafkaBroker, timeout: float = 120, *, wait: bool = True) -> None:
        raise KafkaError("the broker did not start (provoked)")

    monkeypatch.setattr(KafkaBroker, "start", broker_that_fails)
    # As if `up` were killed at the failure: its own stopping does not run.
    monkeypatch.setattr(stack, "down", lambda paths: [])
    with pytest.raises(KafkaError, match="provoked"):
        up(paths, base_port=free_port_block(6), proxy=True, supervise=False, timeout=30)
    [proxy] = json.loads(paths.state.read_text())["processes"]
    try:
        assert _running(proxy["pid"])
        assert down(paths) == ["proxy"]
        assert not _running(proxy["pid"])
        assert not paths.state.exists()
    finally:
        if _running(proxy["pid"]):
            psutil.Process(proxy["pid"]).kill()
