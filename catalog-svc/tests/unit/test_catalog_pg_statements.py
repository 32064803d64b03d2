"""The PostgreSQL search statements, as text: every placeholder bound, the words inlined only when folded."""

from __future__ import annotations

import re
from itertools import product

import pytest

from catalog_svc.procedures.pg_search import (
    CodedFilters,
    Order,
    search_statement,
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


@pytest.mark.parametrize(
    ("filters", "shape", "named", "relaxed"), list(product(FILTERS, ORDERS, (False, True), (False, True)))
)
def test_every_placeholder_has_its_value(
    filters: CodedFilters, shape: tuple[Order, list[list[str]]], named: bool, relaxed: bool
) -> None:
    order, words = shape
    sql, params, keys = search_statement(filters, order, 40, 20, words=words, named=named, relaxed=relaxed)
    used = {int(n) for n in re.findall(r"\$(\d+)", sql)}
    assert used == set(range(1, len(params) + 1))
    assert len(keys) == (2 if not order.groups else 5)
    # Besides the match's words, the input reaches the statement as bound values only.
    text = re.sub(r"'[a-z0-9 &|()]*'::tsquery", "", sql)
    for value in params:
        if isinstance(value, str):
            assert value not in text


def test_long_queries_look_among_the_names_first_and_short_ones_do_not() -> None:
    three = Order((("giay",), ("phep",), ("xay",)), "giay phep xay")
    sql, _params, _keys = search_statement(
        FILTERS[0], three, 0, 20, words=[["giay"], ["phep"], ["xay"]], named=True
    )
    assert "WITH named AS" in sql
    assert "catalog_prefixes(k.name_key) @@ '(giay) & (phep) & (xay)'::tsquery" in sql
    two = Order((("giay",), ("phep",)), "giay phep")
    sql, _params, _keys = search_statement(FILTERS[0], two, 0, 20, words=[["giay"], ["phep"]], named=True)
    assert "WITH named AS" not in sql
    sql, _params, _keys = search_statement(FILTERS[0], three, 0, 20, words=[["giay"], ["phep"], ["xay"]])
    assert "WITH named AS" not in sql


def test_the_match_is_read_twice_unless_it_is_all_words_but_one() -> None:
    """A broad match costs less found twice (page, counts) than written out once and read back twice; the
    all-but-one match, whose index lookup costs more than its rows, is materialised once."""
    two = Order((("giay",), ("phep",)), "giay phep")
    sql, _params, _keys = search_statement(FILTERS[0], two, 0, 20, words=[["giay"], ["phep"]], named=True)
    assert "MATERIALIZED" not in sql
    assert sql.count("k.prefixes @@ '(giay) & (phep)'::tsquery") == 2
    sql, _params, _keys = search_statement(FILTERS[0], two, 0, 20, words=[["giay"], ["phep"]], relaxed=True)
    assert sql.startswith("WITH matched AS MATERIALIZED")
    assert sql.count("::tsquery") == 1


def test_a_word_alone_is_not_looked_for_twice_in_the_name() -> None:
    """For one word without alternatives, the name holding the phrase is the first key again: a constant."""
    one = Order((("ho",),), "ho")
    _sql, _params, keys = search_statement(FILTERS[0], one, 0, 20, words=[["ho"]])
    assert keys[3] == ("0", True)
    fuzzy = Order((("sinh", "sinhh"),), "sinh")
    _sql, _params, keys = search_statement(FILTERS[0], fuzzy, 0, 20, words=[["sinh", "sinhh"]])
    assert keys[3][0].startswith("(CASE WHEN strpos(k.name_key")


def test_one_word_is_counted_from_the_counts_kept_by_prefix() -> None:
    """The total and facets of one word (without alternatives) are a sum over ``search_prefix_counts``,
    filtered like the rows; anything else counts the matching rows."""
    one = Order((("ho",),), "ho")
    sql, params, _keys = search_statement(FILTERS[2], one, 0, 20, words=[["ho"]])
    counts = sql[sql.index("UNION ALL SELECT 0") :]
    assert "FROM search_prefix_counts k WHERE k.prefix = $" in counts
    for condition in ("k.agency_id = $", "k.online_mode IS NOT NULL", "k.n > 0"):
        assert condition in counts
    assert "ho" in params
    for order, words in (
        (Order((("ho",), ("tich",)), "ho tich"), [["ho"], ["tich"]]),
        (Order((("sinh", "sinhh"),), "sinh"), [["sinh", "sinhh"]]),
    ):
        sql, _params, _keys = search_statement(FILTERS[0], order, 0, 20, words=words)
        assert "search_prefix_counts" not in sql
    sql, _params, _keys = search_statement(FILTERS[0], Order(), 0, 20)
    assert "search_prefix_counts" not in sql
