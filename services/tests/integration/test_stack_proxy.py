"""`motcua stack up --proxy`: a broker behind Toxiproxy tells its clients the proxy's address, and keeps
telling them after a crash and a restart; the proxy's API adds and removes faults."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from motcua.infra import toxiproxy
from motcua.infra._procs import run_coro_blocking
from motcua.infra.kafka import KafkaBroker, describe_cluster
from motcua.infra.ports import free_ports, port_accepts
from motcua.stack import StackPaths, restart

pytestmark = pytest.mark.integration


@pytest.fixture
def paths() -> Iterator[StackPaths]:
    root = Path(tempfile.mkdtemp(prefix="motcua-stack-"))
    yield StackPaths(root)
    shutil.rmtree(root, ignore_errors=True)


def _brokers_seen(bootstrap: str) -> list[tuple[str, int]]:
    info = run_coro_blocking(lambda: describe_cluster(bootstrap, 20))
    return [(b["host"], b["port"]) for b in info["brokers"]]


def test_a_broker_behind_the_proxy_advertises_it_across_a_restart(paths: StackPaths) -> None:
    api, listen = free_ports(2)
    broker = KafkaBroker(paths.kafka)
    config = toxiproxy.write_config(
        paths.proxy / "toxiproxy.json", [toxiproxy.Route("kafka", listen, broker.port)]
    )
    server = subprocess.Popen(
        toxiproxy.command(config, api), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 30
        while not port_accepts(api) and time.monotonic() < deadline:
            time.sleep(0.1)
        broker.advertised_port = listen
        broker.start()
        address = f"127.0.0.1:{listen}"
        assert _brokers_seen(address) == [("127.0.0.1", listen)], (
            "clients are sent to the proxy, not round it"
        )

        paths.state.write_text(
            json.dumps(
                {
                    "processes": [],
                    "base_port": 0,
                    "kafka": {"data_dir": str(paths.kafka)},
                    "bootstrap": address,
                }
            )
        )
        broker.kill()
        restart(paths, "kafka")
        again = KafkaBroker.adopt(paths.kafka)
        assert again is not None
        assert again.advertised_port == listen, "broker.json keeps the proxy's port for the supervisor"
        assert _brokers_seen(address) == [("127.0.0.1", listen)]

        client = toxiproxy.Toxiproxy(api)
        try:
            client.add_toxic("kafka", "latency", {"latency": 300})
            assert [t["type"] for t in client.proxies()["kafka"]["toxics"]] == ["latency"]
            started = time.monotonic()
            _brokers_seen(address)
            assert time.monotonic() - started >= 0.3, "the latency is felt through the proxy"
            client.clear("kafka")
            assert client.proxies()["kafka"]["toxics"] == []
        finally:
            client.close()
        assert httpx.get(f"http://127.0.0.1:{api}/version", timeout=5).status_code == 200
    finally:
        adopted = KafkaBroker.adopt(paths.kafka)
        if adopted is not None:
            adopted.stop()
        server.terminate()
        server.wait(10)
