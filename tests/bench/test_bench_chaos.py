"""The resilience suite's own accounting (bench/chaos.py) on made-up inputs: a harness that miscounts would
publish wrong figures, so what it counts is tested here without a stack."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from copy import deepcopy
from pathlib import Path
from typing import Any

import chaos
import httpx
import pytest
from journey_steps import Person

CITIZEN = Person(token="t", me={"role": "citizen"}, phone="+84905000001")


def _client(answers: list[httpx.Response | type[httpx.TransportError]], keys: list[str]) -> httpx.AsyncClient:
    """A client whose server gives ``answers`` in turn (an exception class: the connection fails)."""
    queue: Iterator[httpx.Response | type[httpx.TransportError]] = iter(answers)

    def serve(request: httpx.Request) -> httpx.Response:
        keys.append(request.headers["idempotency-key"])
        answer = next(queue)
        if isinstance(answer, httpx.Response):
            return answer
        raise answer("refused", request=request)

    return httpx.AsyncClient(transport=httpx.MockTransport(serve), base_url="http://gateway")


def _busy(status: int = 503, retry_after: str | None = "0") -> httpx.Response:
    return httpx.Response(status, headers={"Retry-After": retry_after} if retry_after else {})


async def _submit(answers: list[httpx.Response | type[httpx.TransportError]]) -> tuple[chaos.Load, list[str]]:
    load = chaos.Load()
    keys: list[str] = []
    async with _client(answers, keys) as client:
        await chaos.submit_one(client, CITIZEN, {"procedure_code": "p"}, {}, "chaos-1-7", load)
    return load, keys


async def test_a_submission_is_retried_with_its_key_through_retryable_answers_and_counted_once() -> None:
    load, keys = await _submit(
        [_busy(), httpx.ConnectError, _busy(502, None), httpx.Response(201, json={"code": "H56-0001"})]
    )
    assert list(load.accepted) == ["H56-0001"]
    assert load.given_up == 0
    assert load.statuses == Counter({"503+Retry-After": 1, "transport (ConnectError)": 1, "502": 1})
    assert keys == ["chaos-1-7"] * 4, "the same Idempotency-Key on every attempt"
    assert len(load.latencies) == 1


@pytest.mark.parametrize(
    ("answer", "label"),
    [(httpx.Response(500), "500"), (_busy(retry_after=None), "503"), (httpx.Response(422), "422")],
)
async def test_a_final_answer_is_counted_by_status_and_given_up(answer: httpx.Response, label: str) -> None:
    load, keys = await _submit([answer])
    assert (load.accepted, load.given_up, load.statuses, len(keys)) == ({}, 1, Counter({label: 1}), 1)


async def test_a_submission_busy_eight_times_is_given_up() -> None:
    load, keys = await _submit([_busy() for _ in range(8)])
    assert (load.accepted, load.given_up, load.statuses["503+Retry-After"], len(keys)) == ({}, 1, 8, 8)


def _load() -> chaos.Load:
    load = chaos.Load(accepted={"A": 1.0, "B": 2.0, "C": 3.0}, given_up=2)
    load.statuses.update({"503+Retry-After": 4, "500": 1})
    load.latencies.extend([0.1 * n for n in range(1, 101)])
    return load


COUNTS = {
    "payment": {"A": 1, "B": 3},
    "notice": {"A": 1, "B": 1, "C": 2},
}
"""A lacks nothing; B has its payment three times; C has its notice twice and no payment."""


def test_the_tally_counts_accepted_effects_duplicates_lost_and_answers() -> None:
    tally = chaos.tally(_load(), COUNTS)
    assert tally["effects"] == {
        "payment": {"dossiers_with_effect": 2, "rows": 4, "duplicates": 2, "lost": 1},
        "notice": {"dossiers_with_effect": 3, "rows": 4, "duplicates": 1, "lost": 0},
    }
    assert (tally["accepted"], tally["given_up"], tally["duplicates"], tally["lost"]) == (3, 2, 3, 1)
    assert tally["client_errors"] == {"503+Retry-After": 4, "500": 1}
    assert (tally["request_p50_s"], tally["request_p99_s"]) == (5.1, 9.9)


def test_a_dossier_lacking_any_effect_is_lost_once() -> None:
    assert chaos.lacking(["A", "B", "C", "D"], COUNTS) == 2, "C lacks its payment, D everything"
    assert chaos.lacking(["A", "B"], COUNTS) == 0
    assert chaos.lacking(["A"], {"payment": {}, "notice": {}}) == 1


def test_the_dossiers_a_fault_waits_for_are_those_accepted_by_its_end() -> None:
    assert _load().accepted_by(2.0) == ["A", "B"]
    assert _load().accepted_by(0.5) == []


def test_copies_on_a_topic_are_the_records_beyond_one_per_event_id() -> None:
    assert chaos.copy_figures(["e1", "e2", "e1", "e3", "e1", "e2"]) == {
        "records": 6,
        "events": 3,
        "events_with_copies": 2,
        "extra_copies": 3,
    }
    assert chaos.copy_figures([]) == {"records": 0, "events": 0, "events_with_copies": 0, "extra_copies": 0}


async def test_recovery_is_the_time_until_nothing_is_missing_or_none() -> None:
    left = iter([5, 2, 0])
    seen: list[list[str]] = []

    async def missing(codes: list[str]) -> int:
        seen.append(codes)
        return next(left)

    drained = await chaos.wait_drained(missing, ["A", "B"], timeout=10, poll=0.05)
    assert drained is not None
    assert 0.1 <= drained < 5
    assert seen == [["A", "B"]] * 3

    async def never(codes: list[str]) -> int:
        return len(codes)

    assert await chaos.wait_drained(never, ["A"], timeout=0.2, poll=0.05) is None


def test_memory_is_summarised_per_replica_by_its_max_and_p95() -> None:
    sampler = chaos.MemorySampler(chaos.Stack(Path("/nowhere"), 0))
    sampler.samples = {"gateway-1": [float(n) for n in range(1, 101)], "notify-2": [140.0]}
    assert sampler.summary() == {
        "gateway-1": {"max_mb": 100.0, "p95_mb": 95.0, "samples": 100},
        "notify-2": {"max_mb": 140.0, "p95_mb": 140.0, "samples": 1},
    }


@pytest.mark.parametrize("brokers", [1, 3])
def test_the_brokers_are_found_where_the_stack_keeps_them(tmp_path: Path, brokers: int) -> None:
    kafka = tmp_path / "kafka"
    dirs = [kafka] if brokers == 1 else [kafka / f"broker-{n}" for n in (1, 2, 3)]
    for n, where in enumerate(dirs):
        where.mkdir(parents=True)
        (where / "broker.json").write_text(json.dumps({"port": 9100 + n}))
    (tmp_path / "state.json").write_text(
        json.dumps({"kafka": {"data_dir": str(kafka), "brokers": brokers}, "processes": []})
    )
    stack = chaos.Stack(tmp_path, 0)
    names = ["kafka"] if brokers == 1 else ["kafka-1", "kafka-2", "kafka-3"]
    assert stack.broker_dirs() == dict(zip(names, dirs, strict=True))
    assert stack.kafka_direct() == ",".join(f"127.0.0.1:{9100 + n}" for n in range(brokers))


DURABLE = {"fsync": "on", "synchronous_commit": "on", "full_page_writes": "on"}
GOOD: dict[str, Any] = {
    "when": "2026-12-07 02:00 UTC",
    "machine": "vm · 2 CPUs",
    "config": {"replicas": 2, "brokers": 3, "rate": 10.0, "citizens": 8, "faults": ["broker", "postgres"]},
    "submitted": 3,
    "accepted": 3,
    "given_up": 0,
    "dossiers_stored": 3,
    "load_s": 1.0,
    "request_p50_s": 0.2,
    "request_p99_s": 0.9,
    "client_errors": {"503+Retry-After": 7},
    "effects": {"payment": {"dossiers_with_effect": 3, "rows": 3, "duplicates": 0, "lost": 0}},
    "duplicates": 0,
    "lost": 0,
    "final_drain_s": 0.5,
    "phases": [
        {"fault": "broker", "what": "w", "at_s": 1, "fault_s": 2, "accepted_before_end": 1, "recovery_s": 30},
        {
            "fault": "postgres",
            "what": "v",
            "at_s": 5,
            "fault_s": 2,
            "accepted_before_end": 2,
            "recovery_s": 3.0,
        },
    ],
    "topics": {"motcua.dossier.v1": {"records": 4, "events": 3, "events_with_copies": 1, "extra_copies": 1}},
    "memory": {"gateway-1": {"max_mb": 150.0, "p95_mb": 120.0, "samples": 9}},
    "durability": {"before": DURABLE, "after": DURABLE},
}


def _met(result: dict[str, Any]) -> dict[str, bool]:
    return {target: ok for target, _, _, ok in chaos.verdicts(result)}


def test_a_run_within_every_target_meets_them_all() -> None:
    assert all(_met(GOOD).values()), chaos.verdicts(GOOD)


@pytest.mark.parametrize(
    ("change", "target"),
    [
        (lambda r: r.update(lost=1), "lost"),
        (lambda r: r.update(duplicates=2), "duplicate effects"),
        (lambda r: r["client_errors"].update({"500": 1}), "client 5xx other than 503 with Retry-After"),
        (lambda r: r["client_errors"].update({"503": 1}), "client 5xx other than 503 with Retry-After"),
        (lambda r: r["phases"][0].update(recovery_s=30.1), "drain after recovery (worst fault)"),
        (lambda r: r["phases"][1].update(recovery_s=None), "drain after recovery (worst fault)"),
        (lambda r: r["durability"]["after"].update(fsync="off"), "durable PostgreSQL throughout"),
        (
            lambda r: r["durability"]["before"].update(synchronous_commit="local"),
            "durable PostgreSQL throughout",
        ),
        (lambda r: r["memory"]["gateway-1"].update(max_mb=150.1), "resident memory per replica (max)"),
    ],
)
def test_each_target_missed_is_reported_alone(change: Any, target: str) -> None:
    result = deepcopy(GOOD)
    result["durability"]["after"] = dict(DURABLE)
    change(result)
    assert {name for name, ok in _met(result).items() if not ok} == {target}


def test_the_report_shows_every_figure_and_what_missed() -> None:
    result = deepcopy(GOOD)
    result["client_errors"]["500"] = 2
    result["phases"][1]["recovery_s"] = None
    result["topics"]["motcua.payment.v1"] = "not read: TimeoutError()"
    text = chaos.report(result)
    assert "`motcua stack up --replicas 2 --brokers 3 --proxy`" in text
    assert "| client 5xx other than 503 with Retry-After | 500: 2 | 0 | **no** |" in text
    assert "| drain after recovery (worst fault) | not drained | ≤ 30 s | **no** |" in text
    assert "| lost | 0 | 0 | yes |" in text
    assert "| payment | 3 | 3 | 0 | 0 |" in text
    assert "| postgres | v | 5 s | 2 s | 2 | not drained |" in text
    assert "| `motcua.dossier.v1` | 4 | 3 | 1 | 1 |" in text
    assert "| `motcua.payment.v1` | not read: TimeoutError() | | | |" in text
    assert "| gateway-1 | 150.0 MB | 120.0 MB |" in text
    assert "503+Retry-After: 7, 500: 2" in text
