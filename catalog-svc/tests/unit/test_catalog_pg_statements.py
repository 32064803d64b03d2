"""The PostgreSQL search statements, as text: every placeholder bound, the words inlined only when folded."""

from __future__ import annotations

import re
from itertools import product

import pytest

from catalog_svc.procedures.pg_search import (
    CodedFilters,
    Order,
    counts_statement,
    page_statement,
    phrase_range,
    search_statement,
    shortest_statement,
    tsquery,
    tsquery_all_but_one,
)

FILTERS = (
    CodedFilters(None, None, None, None),
    CodedFilters(3, None, None, None),
    CodedFilters(None, 7, "commune", "any"),
    CodedFilters(3, 7, "province", "full"),
)
ORDERS = (
    (Order(), ()),
    (Order((("khai",),), "khai"), [["khai"]]),
    (Order((("khai",), ("sinh",)), "khai sinh"), [["khai"], ["sinh"]]),
    (
        Order((("giay",), ("phep",), ("xay",), ("dung",)), "giay phep xay dung"),
        [["giay"], ["phep"], ["xay"], ["dung"]],
    ),
    (Order((("dang",), ("ky",), ("sinh", "sinhh")), "dang ky sinh"), [["dang"], ["ky"], ["sinh", "sinhh"]]),
    (Order((("ly",), ("lich", "lichh"), ("tu",)), "ly lich tu"), [["ly"], ["lich", "lichh"], ["tu"]]),
)


def test_a_tsquery_is_the_folded_words_and_nothing_else() -> None:
    assert tsquery([["khai"], ["sinh", "sinhh"]]) == "'(khai) & (sinh | sinhh)'::tsquery"
    assert tsquery_all_but_one([["a"], ["b", "c"], ["d"]]) == (
        "'((b | c) & (d)) | ((a) & (d)) | ((a) & (b | c))'::tsquery"
    )
    for word in ("x'); DROP TABLE procedures; --", "sinh:*", "giấy", "a b", ""):
        with pytest.raises(ValueError, match="folded"):
            tsquery([["khai"], [word]])


def _statements(
    filters: CodedFilters, order: Order, words: list[list[str]]
) -> list[tuple[str, tuple[object, ...]]]:
    """Every statement a search of ``order`` may run with ``filters``."""
    listing_or_relaxed = [
        search_statement(filters, order, 40, 20, words=words, relaxed=relaxed)[:2]
        for relaxed in (False, True)
    ]
    if not order.groups:
        return listing_or_relaxed[:1]
    return [
        *listing_or_relaxed,
        counts_statement(filters, order.groups),
        page_statement(filters, order, 40, 20)[:2],
        page_statement(filters, order, 40, 20, named=True)[:2],
        shortest_statement(filters, order, 40, 20, 57)[:2],
    ]


@pytest.mark.parametrize(("filters", "shape"), list(product(FILTERS, ORDERS)))
def test_every_placeholder_has_its_value(filters: CodedFilters, shape: tuple[Order, list[list[str]]]) -> None:
    order, words = shape
    for sql, params in _statements(filters, order, words):
        used = {int(n) for n in re.findall(r"\$(\d+)", sql)}
        assert used == set(range(1, len(params) + 1)), sql
        # Besides the match's words, the input reaches the statement as bound values only.
        text = re.sub(r"'[a-z0-9 &|()]*'::tsquery", "", sql)
        for value in params:
            if isinstance(value, str):
                assert value not in text
    _sql, _params, keys = search_statement(filters, order, 40, 20, words=words)
    assert len(keys) == (2 if not order.groups else 5)


def test_a_broad_search_looks_among_the_shortest_names_from_the_indexes_alone() -> None:
    """The look reads the names no longer than the bound holding every word, and those starting with the
    phrase: nothing but what migration 0015's indexes carry, each part limited to the page window."""
    order = Order((("giay",), ("phep", "phap")), "giay phep")
    sql, params, keys = shortest_statement(FILTERS[3], order, 40, 20, 57)
    assert "k.name_len <= 57" in sql
    assert "prefixes" not in sql  # the match is implied by the name: no row is read for it
    read = set(re.findall(r"\bk\.(\w+)", sql))
    assert read <= {
        "procedure_id",
        "code",
        "name_key",
        "name_len",
        "field_id",
        "agency_id",
        "competent_id",
    } | {
        "levels_id",
        "online_mode",
    }
    assert tuple(v for v in params if isinstance(v, str) and "giay p" in v)[:2] == (
        " giay phep",
        " giay pheq",
    )
    assert sql.count("LIMIT $") == 3
    assert [desc for _sql, desc in keys] == [True, True, False, True, False]


def test_the_names_starting_with_a_phrase_are_a_range_of_bytes() -> None:
    assert phrase_range("ho") == (" ho", " hp")
    assert phrase_range("cap giay") == (" cap giay", " cap giaz")
    assert phrase_range("khu 9") == (" khu 9", " khu :")
    for phrase in ("", "giấy", "a  b", "x' OR 1=1"):
        with pytest.raises(ValueError, match="folded"):
            phrase_range(phrase)


def test_the_names_holding_every_word_are_found_by_the_name_index() -> None:
    two = Order((("giay",), ("phep",)), "giay phep")
    sql, _params, _keys = page_statement(FILTERS[0], two, 0, 20, named=True)
    assert "catalog_prefixes(k.name_key) @@ '(giay) & (phep)'::tsquery" in sql
    assert "k.prefixes" not in sql
    sql, _params, _keys = page_statement(FILTERS[0], two, 0, 20)
    assert "k.prefixes @@ '(giay) & (phep)'::tsquery" in sql


def test_only_the_all_but_one_match_is_materialised() -> None:
    """The all-but-one match, whose index lookup costs more than its rows, is found once for its page and
    counts; a match of every word is counted, then its page found (often without it)."""
    two = Order((("giay",), ("phep",)), "giay phep")
    sql, _params, _keys = search_statement(FILTERS[0], two, 0, 20, words=[["giay"], ["phep"]], relaxed=True)
    assert sql.startswith("WITH matched AS MATERIALIZED")
    assert sql.count("::tsquery") == 1
    for sql, _params in _statements(FILTERS[0], two, [["giay"], ["phep"]])[2:]:
        assert "MATERIALIZED" not in sql


def test_a_word_alone_is_not_looked_for_twice_in_the_name() -> None:
    """For one word without alternatives, the name holding the phrase is the first key again: a constant."""
    one = Order((("ho",),), "ho")
    _sql, _params, keys = page_statement(FILTERS[0], one, 0, 20)
    assert keys[3] == ("0", True)
    fuzzy = Order((("sinh", "sinhh"),), "sinh")
    _sql, _params, keys = page_statement(FILTERS[0], fuzzy, 0, 20)
    assert keys[3][0].startswith("(CASE WHEN strpos(k.name_key")


def test_one_word_is_counted_from_the_counts_kept_by_prefix() -> None:
    """The total and facets of one word (without alternatives) are a sum over ``search_prefix_counts``,
    filtered like the rows; anything else counts the matching rows."""
    sql, params = counts_statement(FILTERS[2], (("ho",),))
    counts = sql
    assert "FROM search_prefix_counts k WHERE k.prefix = $" in counts
    for condition in ("k.agency_id = $", "k.online_mode IS NOT NULL", "k.n > 0"):
        assert condition in counts
    assert "ho" in params
    for groups in ((("ho",), ("tich",)), (("sinh", "sinhh"),)):
        sql, _params = counts_statement(FILTERS[0], groups)
        assert "search_prefix_counts" not in sql
    sql, _params, _keys = search_statement(FILTERS[0], Order(), 0, 20)
    assert "search_prefix_counts" not in sql
