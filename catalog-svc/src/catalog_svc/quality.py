"""How well the search answers citizens: the golden set and its scores (MRR@3, recall@10).

The golden set (``data/search_golden.json``) is queries as citizens type them, each with the procedures,
named, one of which must come first. A query scores ``1/rank`` of the first expected procedure within the
top three (MRR@3) and the share of its expected procedures within the top ten (recall@10). Procedures are
matched by their folded name, which survives a change of code.
"""

from __future__ import annotations

import json
import random
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


def realistic_queries(
    texts: Sequence[str], count: int, *, seed: int = 18
) -> list[tuple[str, dict[str, str]]]:
    """``count`` queries as citizens type them, drawn from ``texts`` (procedure names and keywords),
    reproducible for ``seed``: one to four consecutive words, mostly without accents, sometimes with one
    letter wrong, the last word often cut short (a query typed letter by letter), now and then a filter.
    For measuring speed: they have no expected answer."""
    rng = random.Random(seed)  # noqa: S311 - test data, not secrets
    found: list[tuple[str, dict[str, str]]] = []
    while len(found) < count:
        words = rng.choice(texts).split()
        start = 0 if rng.random() < 0.6 else rng.randrange(len(words))
        picked = words[start : start + rng.randint(1, 4)]
        if rng.random() < 0.8:
            picked = fold(" ".join(picked)).split()
        if not picked:
            continue
        if rng.random() < 0.2:
            at = rng.randrange(len(picked))
            picked[at] = _one_edit(picked[at], rng)
        if rng.random() < 0.3 and len(picked[-1]) > 2:
            picked[-1] = picked[-1][: rng.randint(2, len(picked[-1]))]
        params: dict[str, str] = {}
        draw = rng.random()
        if draw < 0.08:
            params["level"] = rng.choice(("province", "commune"))
        elif draw < 0.15:
            params["online"] = rng.choice(("full", "any"))
        found.append((" ".join(picked), params))
    return found


def _one_edit(word: str, rng: random.Random) -> str:
    """``word`` with one letter doubled, dropped, swapped with the next or replaced."""
    if len(word) < 4:
        return word
    at = rng.randrange(1, len(word) - 1)
    kind = rng.randrange(4)
    if kind == 0:
        return word[:at] + word[at] + word[at:]
    if kind == 1:
        return word[:at] + word[at + 1 :]
    if kind == 2:
        return word[:at] + word[at + 1] + word[at] + word[at + 2 :]
    return word[:at] + rng.choice("aeiouhngt") + word[at + 1 :]
