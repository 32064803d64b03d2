"""The benchmarks measure on durable storage by default and say what they ran on (issue 19): the shared
reader of the engines' settings (bench/durability.py), the default of the flags, the labels of fast runs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import backbone
import durability
import notify_inapp
import pytest

from motcua.infra.postgres import PostgresCluster

DURABLE = {"fsync": "on", "synchronous_commit": "on", "full_page_writes": "on"}
FAST = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}
WAL_NORMAL = {"journal_mode": "WAL", "synchronous": "NORMAL"}
WAL_FULL = {"journal_mode": "WAL", "synchronous": "FULL"}


@pytest.mark.parametrize("parse", [backbone.parse_args, notify_inapp.parse_args])
def test_the_benchmarks_start_durable_postgresql_unless_asked_for_the_fast_mode(
    parse: Callable[[list[str]], Any],
) -> None:
    assert parse([]).pg_fast is False
    assert parse(["--pg-fast"]).pg_fast is True
    with pytest.raises(SystemExit):
        parse(["--pg-durable"])  # the old opt-in is gone: durable is the default


@pytest.mark.parametrize(
    ("settings", "durable"),
    [
        (DURABLE, True),
        ({**DURABLE, "synchronous_commit": "remote_apply"}, True),
        (FAST, False),
        ({**DURABLE, "fsync": "off"}, False),
        ({**DURABLE, "synchronous_commit": "off"}, False),
        ({**DURABLE, "full_page_writes": "off"}, False),
        ({"fsync": "on"}, False),
    ],
)
def test_a_postgresql_label_says_fast_whenever_one_setting_is_off(
    settings: dict[str, str], durable: bool
) -> None:
    label = durability.postgres_label(settings)
    assert durability.postgres_is_durable(settings) is durable
    assert (durability.FAST_LABEL in label) is not durable
    assert label.startswith("PostgreSQL durable") is durable
    assert f"fsync {settings['fsync']}" in label


def test_sqlite_settings_are_read_from_a_database_opened_as_the_services_open_it(tmp_path: Path) -> None:
    settings = durability.sqlite_settings(f"sqlite+aiosqlite:///{tmp_path / 'service.db'}")
    assert settings == WAL_FULL
    label = durability.sqlite_label(settings)
    assert "journal_mode=WAL, synchronous=FULL" in label
    assert "it survives an OS crash or power loss" in label
    label = durability.sqlite_label(WAL_NORMAL)
    assert "OS crash or power loss can be lost" in label
    assert durability.FAST_LABEL in durability.sqlite_label({"journal_mode": "WAL", "synchronous": "OFF"})


def test_a_backbone_report_on_fast_postgresql_labels_its_header_and_its_kafka_rows() -> None:
    results: dict[str, Any] = {
        "started_at": "2026-12-07T05:00:00+00:00",
        "duration_s": 60.0,
        "host": {"cpus": 2, "memory_gb": 4.0, "python": "3.11", "background_cpu_pct": 5.0, "loadavg_1m": 0.5},
        "config": {
            "events": 3000,
            "tx_size": 500,
            "relay_batch": 500,
            "rate": 500.0,
            "duration": 5.0,
            "partitions": 12,
            "quick": True,
        },
        "backends": {"kafka": {"storage": FAST}, "embedded": {"storage": WAL_NORMAL}},
    }
    kafka = backbone.BACKEND_LABEL["kafka"]
    embedded = backbone.BACKEND_LABEL["embedded"]
    checks = [
        backbone.Check(kafka, "relay throughput", "9,000 ev/s", "≥ 5,000 ev/s", True),
        backbone.Check(embedded, "relay throughput", "6,000 ev/s", "≥ 5,000 ev/s", True),
    ]
    fast = backbone.render_markdown(results, checks, "backbone.json")
    assert f"Storage of {kafka}: PostgreSQL **{durability.FAST_LABEL}**" in fast
    assert f"Storage of {embedded}: SQLite journal_mode=WAL, synchronous=NORMAL" in fast
    assert f"| {kafka} ({durability.FAST_LABEL}) | relay throughput |" in fast
    assert f"| {embedded} | relay throughput |" in fast

    results["backends"]["kafka"]["storage"] = DURABLE
    durable = backbone.render_markdown(results, checks, "backbone.json")
    assert durability.FAST_LABEL not in durable
    assert (
        f"Storage of {kafka}: PostgreSQL durable (fsync on, synchronous_commit on, full_page_writes on"
        in durable
    )


@pytest.mark.integration
def test_postgresql_settings_are_read_from_the_server(
    pg_cluster_factory: Callable[..., PostgresCluster],
) -> None:
    cluster = pg_cluster_factory(fast=False)
    assert durability.postgres_settings(cluster.admin_url) == DURABLE
