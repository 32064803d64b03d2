"""The golden set's scoring and the benchmark's realistic queries."""

from __future__ import annotations

from catalog_svc.quality import GoldenQuery, golden_set, realistic_queries, score
from catalog_svc.seed import real_procedures
from catalog_svc.text import fold

NAMES = ["Đăng ký khai sinh", "Đăng ký kết hôn", "Cấp phù hiệu xe taxi"]


def test_the_golden_set_names_only_shipped_procedures() -> None:
    shipped = {fold(row["name"]) for row in real_procedures()}
    golden = golden_set()
    assert len(golden) >= 200
    assert len({query.q for query in golden}) == len(golden)
    assert all(fold(name) in shipped for query in golden for name in query.first)


def test_mrr_counts_the_first_expected_hit_within_three_and_recall_within_ten() -> None:
    golden = [
        GoldenQuery("a", ("Đăng ký khai sinh",), "plain"),
        GoldenQuery("b", ("Cấp phù hiệu xe taxi",), "plain"),
    ]
    result = score(
        golden, {"a": ["Đăng ký kết hôn", "dang ky khai sinh"], "b": [*(["x"] * 3), "Cấp phù hiệu xe taxi"]}
    )
    assert (result.mrr3, result.recall10) == (0.25, 1.0)
    assert [q for q, _top in result.misses] == ["a", "b"]


def test_realistic_queries_are_reproducible_and_come_from_the_texts() -> None:
    first = realistic_queries(NAMES, 50, seed=1)
    assert first == realistic_queries(NAMES, 50, seed=1)
    assert first != realistic_queries(NAMES, 50, seed=2)
    assert len(first) == 50
    assert all(1 <= len(q.split()) <= 4 for q, _params in first)
    assert all(set(params) <= {"level", "online"} for _q, params in first)
