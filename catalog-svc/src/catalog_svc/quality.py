"""How well the search answers citizens: the golden set and its scores (MRR@3, recall@10).

The golden set (``data/search_golden.json``) is queries as citizens type them, each with the procedures,
named, one of which must come first. A query scores ``1/rank`` of the first expected procedure within the
top three (MRR@3) and the share of its expected procedures within the top ten (recall@10). Procedures are
matched by their folded name, which survives a change of code.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources

from catalog_svc.text import fold


@dataclass(frozen=True)
class GoldenQuery:
    """A query as typed and the names of the procedures that must come first (any of them)."""

    q: str
    first: tuple[str, ...]
    kind: str


@dataclass
class Scores:
    """The mean scores over a set of queries, and the queries whose expected procedure was not first."""

    mrr3: float
    recall10: float
    queries: int
    misses: list[tuple[str, list[str]]] = field(default_factory=list)


def golden_set() -> list[GoldenQuery]:
    """The shipped golden set."""
    raw = json.loads(resources.files("catalog_svc.data").joinpath("search_golden.json").read_text("utf-8"))
    return [GoldenQuery(row["q"], tuple(row["first"]), row["kind"]) for row in raw["queries"]]


def score(golden: Sequence[GoldenQuery], ranked: Mapping[str, Sequence[str]]) -> Scores:
    """The scores of ``ranked`` (query → names of its first ten hits, best first) against ``golden``."""
    mrr = recall = 0.0
    misses: list[tuple[str, list[str]]] = []
    for query in golden:
        names = [fold(name) for name in ranked[query.q][:10]]
        expected = {fold(name) for name in query.first}
        rank = next((i for i, name in enumerate(names[:3], start=1) if name in expected), None)
        mrr += 1 / rank if rank else 0.0
        recall += len(expected & set(names)) / len(expected)
        if rank != 1:
            misses.append((query.q, list(ranked[query.q][:3])))
    n = len(golden) or 1
    return Scores(round(mrr / n, 4), round(recall / n, 4), len(golden), misses)
