"""The catalogue search on PostgreSQL, with as little Python per request as the answer needs.

The statements are the ones :mod:`catalog_svc.procedures.repository` describes (one statement per search
giving the ranked page and the facet counts), except that PostgreSQL finds the matching rows twice, once
for each, rather than materialising them (see :func:`search_statement`); they are written here as SQL
text from fixed fragments: putting a search together is a few string joins, not a SQLAlchemy expression
tree built, hashed and looked up anew on every request. The values travel as bind parameters (``$n``),
except the words of the match, which are inlined as a quoted ``tsquery`` literal: PostgreSQL then plans
each search knowing them (as a parameter, a prepared statement soon got a generic plan that scanned the
whole table). The words are folded tokens (``[a-z0-9]`` only), checked again here.

A search reads in autocommit: its one statement is its own snapshot, so ``BEGIN`` and ``ROLLBACK`` would
only add two round trips. The facet codes numbered in ``search_codes`` never change meaning, so they are
resolved in Python from :class:`SearchCodes`, an in-process copy of that small table.
"""

# The statements are this module's own fragments; every value is a bound parameter, and the words of the
# match, inlined on purpose, are refused unless folded (``[a-z0-9]``).
# ruff: noqa: S608

from __future__ import annotations

import re
import weakref
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from catalog_svc.procedures.relevance import Attempt
from catalog_svc.procedures.search_types import Match, SearchFilters, SearchHit, SearchResult, sorted_counts

#: From how many query words the page is first looked for among the rows with every word in their name
#: (see :func:`_named_page`): ranking every matched row costs a ``strpos`` per word and row,
#: which outweighs a second index scan from three words on (measured at 100,000 procedures).
NAMED_TIER_MIN_WORDS = 3

_WORD = re.compile(r"[a-z0-9]+")
_KEYS = "procedure_search_keys"
#: How many rows have each prefix, by everything a search filters or counts by (migration 0012).
_COUNTS = "search_prefix_counts"
#: What a hit shows, from ``procedure_search`` (alias ``s``), in :class:`SearchHit` order after the codes.
_HIT_COLUMNS = (
    "s.field_code, s.implementing_agency_code, s.levels, s.code, s.name, s.online_level, s.online_mode, "
    "s.min_days, s.max_days, s.min_fee, s.version"
)
_HIT_WIDTH = 11
#: Every row of the answer: ``part`` (1 a hit, 0 a facet group), the group's three code numbers and count,
#: the hit's columns, then the ranking keys the hit was ordered by.
_FIRST_KEY = 5 + _HIT_WIDTH
_EMPTY_FACETS: dict[str, list[tuple[str, int]]] = {"field": [], "level": [], "agency": []}


class SearchCodes:
    """The numbered facet codes of one database (``search_codes``), kept in this process.

    A number never changes meaning, so a copy is never wrong, only incomplete: a code numbered since (by
    this process, which drops its copy when it publishes, or by another replica) is looked up when a
    filter names it or a facet group counts it.
    """

    def __init__(self) -> None:
        self.codes: dict[int, str] = {}
        self.ids: dict[tuple[str, str], int] = {}
        self.loaded = False

    def forget(self) -> None:
        """Read the whole table again at the next search."""
        self.codes, self.ids, self.loaded = {}, {}, False

    async def load(self, conn: AsyncConnection) -> None:
        """Read every numbered code."""
        rows: Sequence[Any] = (await conn.exec_driver_sql("SELECT id, kind, code FROM search_codes")).all()
        self.codes = {row[0]: row[2] for row in rows}
        self.ids = {(row[1], row[2]): row[0] for row in rows}
        self.loaded = True

    async def id_of(self, conn: AsyncConnection, kind: str, code: str) -> int | None:
        """The number of ``code`` (a field, an agency), or ``None`` if nothing published ever used it."""
        found = self.ids.get((kind, code))
        if found is None:
            answer = await conn.exec_driver_sql(
                "SELECT id FROM search_codes WHERE kind = $1 AND code = $2", (kind, code)
            )
            found = answer.scalar()
            if found is not None:
                self.ids[(kind, code)] = found
        return found

    async def decode(self, conn: AsyncConnection, ids: set[int]) -> dict[int, str]:
        """The codes of ``ids`` (numbers the search just counted, so they exist)."""
        if not ids <= self.codes.keys():
            await self.load(conn)
        return self.codes


#: The codes of each database, by engine (a new engine, e.g. after a migration, starts afresh).
_codes: weakref.WeakKeyDictionary[AsyncEngine, SearchCodes] = weakref.WeakKeyDictionary()


def forget_codes() -> None:
    """Make every database's copy of its numbered codes be read again (after this process published)."""
    for codes in _codes.values():
        codes.forget()


class _Statement:
    """SQL text being put together from this module's fragments, and its positional parameters."""

    def __init__(self) -> None:
        self.params: list[Any] = []

    def bind(self, value: Any) -> str:
        """A placeholder for ``value``."""
        self.params.append(value)
        return f"${len(self.params)}"


@dataclass(frozen=True)
class CodedFilters:
    """The filters of a search with their codes numbered (``None``: not filtered on)."""

    field_id: int | None
    agency_id: int | None
    level: str | None
    online: str | None

    def where(self, st: _Statement, rows: str) -> list[str]:
        """The conditions on ``rows`` (an alias of ``procedure_search_keys``)."""
        conditions: list[str] = []
        if self.field_id is not None:
            conditions.append(f"{rows}.field_id = {st.bind(self.field_id)}")
        if self.agency_id is not None:
            agency = st.bind(self.agency_id)
            conditions.append(f"({rows}.agency_id = {agency} OR {rows}.competent_id = {agency})")
        if self.level is not None:
            # The level sets are few; asking the table rather than this process's copy also counts a set
            # another replica numbered a moment ago.
            conditions.append(
                f"{rows}.levels_id IN (SELECT id FROM search_codes WHERE kind = 'levels' "
                f"AND strpos(code, {st.bind(f' {self.level} ')}) > 0)"
            )
        if self.online == "any":
            conditions.append(f"{rows}.online_mode IS NOT NULL")
        elif self.online is not None:
            conditions.append(f"{rows}.online_mode = {st.bind(self.online)}")
        return conditions


#: A ranking key: its SQL and whether it sorts descending (descending keys are numbers).
_Key = tuple[str, bool]


@dataclass(frozen=True)
class Order:
    """How hits are ranked: by name without words, else by the relevance contract's keys over ``groups``
    (see :mod:`catalog_svc.procedures.relevance`)."""

    groups: Sequence[Sequence[str]] = ()
    phrase: str = ""

    def keys(self, st: _Statement, rows: str) -> list[_Key]:
        """The keys over ``rows`` (with ``name_key``, ``other_key``, ``name_len`` and ``code``)."""
        if not self.groups:
            return [(f'{rows}.name_key COLLATE "C"', False), (f'{rows}.code COLLATE "C"', False)]
        return [(_count_in(st, f"{rows}.name_key", self.groups), True), *self.after_words(st, rows)]

    def after_words(self, st: _Statement, rows: str) -> list[_Key]:
        """The keys after how many groups start a word of the name: the name starting with the phrase, the
        shortest name, the name holding the phrase, the code."""
        return [
            (_starts(st, f"{rows}.name_key", self.phrase), True),
            (f"{rows}.name_len", False),
            (self.holds_phrase(st, f"{rows}.name_key"), True),
            (f'{rows}.code COLLATE "C"', False),
        ]

    def holds_phrase(self, st: _Statement, name_key: str) -> str:
        """1 when the name holds the phrase. For one word with no alternatives that is the first key over
        again, so it can never break a tie and is not computed (a constant)."""
        if len(self.groups) == 1 and tuple(self.groups[0]) == (self.phrase,):
            return "0"
        return _count_in(st, name_key, [[self.phrase]])


def _starts(st: _Statement, haystack: str, phrase: str) -> str:
    """1 when ``haystack`` (a key with its leading space) starts with the words of ``phrase``, else 0
    (``^@`` compares the first bytes; ``strpos`` would search the whole key)."""
    return f"(CASE WHEN {haystack} ^@ {st.bind(' ' + phrase)} THEN 1 ELSE 0 END)"


def _count_in(st: _Statement, haystack: str, groups: Sequence[Sequence[str]]) -> str:
    """How many ``groups`` have a word starting a word of ``haystack`` (``strpos`` of the word after a
    space: several times cheaper than ``LIKE``)."""
    terms = []
    for group in groups:
        found = " OR ".join(f"strpos({haystack}, {st.bind(' ' + word)}) > 0" for word in group)
        terms.append(f"CASE WHEN {found} THEN 1 ELSE 0 END")
    return "(" + " + ".join(terms) + ")"


def _labelled(keys: Sequence[_Key]) -> str:
    return ", ".join(f"{sql} AS k{i}" for i, (sql, _desc) in enumerate(keys))


def _order_by(keys: Sequence[_Key]) -> str:
    return ", ".join(f"k{i} DESC" if desc else f"k{i}" for i, (_sql, desc) in enumerate(keys))


def tsquery(groups: Sequence[Sequence[str]]) -> str:
    """The ``tsquery`` literal of rows with, for every group, one of its words (every prefix of every word
    is a lexeme of ``catalog_prefixes``, migration 0004), refusing anything but folded words."""
    for group in groups:
        for word in group:
            if not _WORD.fullmatch(word):
                raise ValueError(f"not a folded search word: {word!r}")
    return "'" + " & ".join("(" + " | ".join(group) + ")" for group in groups) + "'::tsquery"


def tsquery_all_but_one(groups: Sequence[Sequence[str]]) -> str:
    """The ``tsquery`` literal of rows with, for every group but one (any), one of its words."""
    clauses = [tsquery([*groups[:left], *groups[left + 1 :]])[1:-10] for left in range(len(groups))]
    return "'" + " | ".join(f"({clause})" for clause in clauses) + "'::tsquery"


class PostgresSearch:
    """The search of one PostgreSQL database (``engine``), each statement on an autocommit connection."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        codes = _codes.get(engine)
        if codes is None:
            codes = _codes[engine] = SearchCodes()
        self.codes = codes

    async def find(
        self, attempt: Attempt | None, filters: SearchFilters, offset: int, limit: int
    ) -> SearchResult:
        """The page and facets of one attempt of the relevance contract (``None``: every published
        procedure, by name)."""
        async with self._reader() as conn:
            numbered = await self._numbered(conn, filters)
            if numbered is None:  # a field or agency nothing published ever named: nothing can match
                return SearchResult([], 0, "all" if attempt is None else attempt.match, _EMPTY_FACETS)
            if attempt is None:
                return await self._run(conn, numbered, Order(), offset, limit, "all")
            return await self._run(
                conn,
                numbered,
                Order(attempt.groups, attempt.phrase),
                offset,
                limit,
                attempt.match,
                words=attempt.groups,
                relaxed=attempt.all_but_one,
                named=not attempt.all_but_one,
            )

    @asynccontextmanager
    async def _reader(self) -> AsyncIterator[AsyncConnection]:
        """A pooled connection in autocommit: each statement is its own snapshot, no BEGIN/ROLLBACK."""
        async with self.engine.connect() as conn:
            yield await conn.execution_options(isolation_level="AUTOCOMMIT")

    async def _numbered(self, conn: AsyncConnection, filters: SearchFilters) -> CodedFilters | None:
        if not self.codes.loaded:
            await self.codes.load(conn)
        field_id = agency_id = None
        if filters.field:
            field_id = await self.codes.id_of(conn, "field", filters.field)
            if field_id is None:
                return None
        if filters.agency:
            agency_id = await self.codes.id_of(conn, "agency", filters.agency)
            if agency_id is None:
                return None
        return CodedFilters(field_id, agency_id, filters.level or None, filters.online)

    async def _run(
        self,
        conn: AsyncConnection,
        filters: CodedFilters,
        order: Order,
        offset: int,
        limit: int,
        match: Match,
        *,
        words: Sequence[Sequence[str]] = (),
        relaxed: bool = False,
        named: bool = False,
    ) -> SearchResult:
        """Run :func:`search_statement` and read its rows into a result."""
        sql, params, keys = search_statement(
            filters, order, offset, limit, words=words, relaxed=relaxed, named=named
        )
        rows = (await conn.exec_driver_sql(sql, params)).all()
        return await self._result(conn, rows, keys, match)

    async def _result(
        self, conn: AsyncConnection, rows: Sequence[Any], keys: Sequence[_Key], match: Match
    ) -> SearchResult:
        groups = [row for row in rows if row[0] == 0]
        codes = await self.codes.decode(conn, {id_ for row in groups for id_ in row[1:4]})
        by_field: dict[str, int] = {}
        by_agency: dict[str, int] = {}
        by_level: dict[str, int] = {}
        for _part, field_id, agency_id, levels_id, count, *_ in groups:
            field, agency = codes[field_id], codes[agency_id]
            by_field[field] = by_field.get(field, 0) + count
            by_agency[agency] = by_agency.get(agency, 0) + count
            for level in codes[levels_id].split():
                by_level[level] = by_level.get(level, 0) + count
        descending = [desc for _sql, desc in keys]
        found = []
        for row in rows:
            if row[0] != 1:
                continue
            sort_key = tuple(-v if desc else v for v, desc in zip(row[_FIRST_KEY:], descending, strict=True))
            found.append(
                (
                    sort_key,
                    SearchHit(
                        code=row[8],
                        name=row[9],
                        field_code=row[5],
                        implementing_agency_code=row[6],
                        levels=row[7].split(),
                        online_level=row[10],
                        online_mode=row[11],
                        min_days=row[12],
                        max_days=row[13],
                        min_fee=row[14],
                        version=row[15],
                    ),
                )
            )
        # The page came back unordered (a join); the keys it carries put it back in the ranking's order.
        found.sort(key=lambda item: item[0])
        facets = {
            "field": sorted_counts(by_field),
            "level": sorted_counts(by_level),
            "agency": sorted_counts(by_agency),
        }
        return SearchResult([hit for _, hit in found], sum(by_field.values()), match, facets)


def search_statement(
    filters: CodedFilters,
    order: Order,
    offset: int,
    limit: int,
    *,
    words: Sequence[Sequence[str]] = (),
    relaxed: bool = False,
    named: bool = False,
) -> tuple[str, tuple[Any, ...], list[_Key]]:
    """The one statement of a search, its parameters and the ranking keys its hits carry.

    The statement reads the matching rows (for every group of ``words``, one of its words as a prefix;
    ``relaxed``: for every group but one) twice: for the ranked page, joined to what a hit shows, and for
    the facet counts (one grouping by field × agency × level set, by number), which read no more of a row
    than its three numbers. Materialising the match once for both cost more than matching twice: every
    matched row was written out and read back (beyond a few thousand rows, through a temporary file), where
    the index finds the rows again in a few milliseconds. Not so for ``relaxed``, whose index lookup (every
    group but one, for each group) costs more than the rows it finds: that match is materialised once.
    ``named`` (when ``order`` ranks by the query words) lets a long query's page come from the rows with
    every word in their name: see :func:`_named_page`.
    """
    st = _Statement()
    conditions = filters.where(st, "k")
    if words:
        match = tsquery_all_but_one(words) if relaxed else tsquery(words)
        conditions.append(f"k.prefixes @@ {match}")
    where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    count, counted = "count(*)", f"{_KEYS} k{where}"
    if words and not relaxed and len(words) == 1 and len(words[0]) == 1:
        # One word: its counts are kept by prefix and by everything the filters test (migration 0012).
        kept = [f"k.prefix = {st.bind(words[0][0])}", *filters.where(st, "k"), "k.n > 0"]
        count, counted = "sum(k.n)::bigint", f"{_COUNTS} k WHERE {' AND '.join(kept)}"
    matched = ""
    if named and len(order.groups) >= NAMED_TIER_MIN_WORDS:
        page, keys = _named_page(st, filters, order, where, offset, limit)
    else:
        keys = order.keys(st, "k")
        limits = f"LIMIT {st.bind(limit)} OFFSET {st.bind(offset)}"
        if relaxed:
            matched = (
                f"matched AS MATERIALIZED (SELECT k.procedure_id, k.field_id, k.agency_id, k.levels_id, "
                f"{_labelled(keys)} FROM {_KEYS} k{where}), "
            )
            ranked = ", ".join(f"k{i}" for i in range(len(keys)))
            page = f"SELECT procedure_id, {ranked} FROM matched ORDER BY {_order_by(keys)} {limits}"
            counted = "matched k"
        else:
            page = (
                f"SELECT k.procedure_id, {_labelled(keys)} FROM {_KEYS} k{where} "
                f"ORDER BY {_order_by(keys)} {limits}"
            )
    width = len(keys)
    page_keys = ", ".join(f"page.k{i}" for i in range(width))
    sql = (
        f"WITH {matched}page AS ({page}) "
        f"SELECT 1, NULL, NULL, NULL, NULL, {_HIT_COLUMNS}, {page_keys} "
        "FROM page JOIN procedure_search s ON s.procedure_id = page.procedure_id "
        f"UNION ALL SELECT 0, k.field_id, k.agency_id, k.levels_id, {count}{', NULL' * (_HIT_WIDTH + width)} "
        f"FROM {counted} GROUP BY k.field_id, k.agency_id, k.levels_id"
    )
    return sql, tuple(st.params), keys


def _named_page(
    st: _Statement, filters: CodedFilters, order: Order, where: str, offset: int, limit: int
) -> tuple[str, list[_Key]]:
    """The page of ``order`` (a ranking by the query words), mostly without ranking.

    The best rows have every word in their name, and the name index finds exactly those. When at least
    ``offset + limit`` of them pass the filters, the page is among them, ordered by the remaining keys:
    only those up to the page's (starts with the phrase, name length) pair, ties included, are ranked
    further. Otherwise
    every matched row is ranked, as on SQLite. Both give the same page; only the first costs less than the
    match itself.
    """
    window = st.bind(offset + limit)
    in_name = [
        *filters.where(st, "k"),
        f"catalog_prefixes(k.name_key) @@ {tsquery(order.groups)}",
    ]
    starts = _starts(st, "k.name_key", order.phrase)
    named = (
        f"SELECT k.procedure_id, {starts} AS starts, k.name_len, k.name_key, k.code FROM {_KEYS} k "
        f"WHERE {' AND '.join(in_name)} ORDER BY starts DESC, k.name_len "
        f"FETCH FIRST ({window}) ROWS WITH TIES"
    )
    enough = f"(SELECT count(*) >= {window} FROM named)"
    # Every one of them has every word in its name: the first key is the number of words.
    best: list[_Key] = [
        (str(len(order.groups)), True),
        ("named.starts", True),
        ("named.name_len", False),
        (order.holds_phrase(st, "named.name_key"), True),
        ('named.code COLLATE "C"', False),
    ]
    keys = order.keys(st, "k")
    limits = f"LIMIT {st.bind(limit)} OFFSET {st.bind(offset)}"
    page = (
        f"WITH named AS ({named}) "
        f"(SELECT named.procedure_id, {_labelled(best)} FROM named WHERE {enough} "
        f"ORDER BY {_order_by(best)} {limits}) "
        f"UNION ALL (SELECT k.procedure_id, {_labelled(keys)} FROM {_KEYS} k "
        f"{where + ' AND' if where else ' WHERE'} NOT {enough} ORDER BY {_order_by(keys)} {limits})"
    )
    return page, keys


def is_term(word: str) -> bool:
    """Whether ``word`` belongs in the vocabulary of misspelling corrections (numbers do not)."""
    return 2 <= len(word) <= 64 and not word.isdigit()
