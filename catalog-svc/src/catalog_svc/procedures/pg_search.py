"""The catalogue search on PostgreSQL, with as little Python per request as the answer needs.

The statements are the ones :mod:`catalog_svc.procedures.repository` describes (the ranked page and the facet
counts of one attempt of the relevance contract), written here as SQL text from fixed fragments: putting a
search together is a few string joins, not a SQLAlchemy expression tree built, hashed and looked up anew on
every request. The values travel as bind parameters (``$n``), except the words of the match, which are
inlined as a quoted ``tsquery`` literal, and the name-length bound of a broad search, an integer this module
computed: PostgreSQL then plans each search knowing them (as parameters, a prepared statement soon got a
generic plan that scanned the whole table). The words are folded tokens (``[a-z0-9]`` only), checked again.

A search reads in one read-only transaction (:meth:`PostgresSearch._reader`), so its few statements see one
snapshot, with three planner settings of its own: no JIT and no parallel workers (compiling or starting
workers cost more than these short statements, 15-30 ms measured), and hashing rather than sorting to count
the matched rows by facet (the planner cannot estimate a ``tsquery`` over prefixes, guessed a handful of
rows and sorted tens of thousands). The facet codes numbered in ``search_codes`` never change meaning, so
they are resolved in Python from :class:`SearchCodes`, an in-process copy of that small table.

**Broad searches** (:meth:`PostgresSearch._ranked`): the ranking's first keys are how many query words the
name holds, whether it starts with the query, and its length, so the page of a query matching tens of
thousands of rows is almost always among the shortest names holding every word and the names starting with
the query, which two indexes give without reading the rows (:func:`shortest_statement`, migration 0015);
failing that, among all the names holding every word (:func:`page_statement` ``named``); only then is
every match ranked. Each gives the page ranking every match gives, or too few rows to be sure of it.
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

#: From how many matched rows a search first ranks only those with the shortest names
#: (:meth:`PostgresSearch._shortest_page`); below, ranking every match costs a few milliseconds.
BROAD_FROM = 2_000
#: How many of the shortest names a first look reads (at least :data:`SHORT_PER_HIT` per row of the page
#: window), and by how much a second look widens it.
SHORT_NAMES = 4_000
SHORT_PER_HIT = 200
SHORT_GROWTH = 8
#: The longest prefix of a word ``catalog_prefixes`` indexes (migration 0004).
MAX_PREFIX = 40
#: The planner settings of a search's transaction (see the module's docstring). Counting by hashing is
#: asked for by disabling sorts, which a broad search enables again before its page (a part of it takes
#: its best rows by length from an index range: without sorting, the planner could walk the whole length
#: index instead).
_SETTINGS = (
    "SELECT set_config('jit', 'off', true), set_config('max_parallel_workers_per_gather', '0', true), "
    "set_config('enable_sort', 'off', true)"
)

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


def _sorted_by(keys: Sequence[_Key]) -> str:
    """An ``ORDER BY`` list of ``keys`` themselves (not of their labels), leaving out constant ones (a number
    there would name a column)."""
    return ", ".join(f"{sql} DESC" if desc else sql for sql, desc in keys if not sql.isdigit())


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


@dataclass(frozen=True)
class _Wanted:
    """A page of a search: its filters, its ranking and its window."""

    filters: CodedFilters
    order: Order
    offset: int
    limit: int


class PostgresSearch:
    """The search of one PostgreSQL database (``engine``), each in a read-only transaction."""

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
                return await self._one_statement(
                    conn, search_statement(numbered, Order(), offset, limit), "all"
                )
            order = Order(attempt.groups, attempt.phrase)
            if attempt.all_but_one:
                statement = search_statement(
                    numbered, order, offset, limit, words=attempt.groups, relaxed=True
                )
                return await self._one_statement(conn, statement, attempt.match)
            return await self._ranked(conn, _Wanted(numbered, order, offset, limit), attempt.match)

    @asynccontextmanager
    async def _reader(self) -> AsyncIterator[AsyncConnection]:
        """A pooled connection in a read-only transaction (one snapshot) with the search's settings."""
        async with self.engine.connect() as conn:
            reading = await conn.execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            )
            async with reading.begin():
                await reading.exec_driver_sql(_SETTINGS)
                yield reading

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

    async def _one_statement(
        self, conn: AsyncConnection, statement: tuple[str, tuple[Any, ...], list[_Key]], match: Match
    ) -> SearchResult:
        """Run a :func:`search_statement` (page and counts in one) and read its rows into a result."""
        sql, params, keys = statement
        rows = (await conn.exec_driver_sql(sql, params)).all()
        return await self._result(conn, rows, keys, match)

    async def _ranked(self, conn: AsyncConnection, wanted: _Wanted, match: Match) -> SearchResult:
        """The rows with every group of the query's words: counted first, then (when there are any) the
        page: for a broad match among the shortest names holding every group, else among all the names
        holding every group, else ranking every match. Each statement ranks by the same keys."""
        sql, params = counts_statement(wanted.filters, wanted.order.groups)
        groups: list[Any] = list((await conn.exec_driver_sql(sql, params)).all())
        total = sum(row[4] for row in groups)
        if not total:
            return SearchResult([], 0, match, _EMPTY_FACETS)
        page: list[Any] | None = None
        words = [word for group in wanted.order.groups for word in group]
        if total > BROAD_FROM and all(len(word) <= MAX_PREFIX for word in words):
            page = await self._shortest_page(conn, wanted)
            if page is None:
                named = await self._page(conn, wanted, named=True)
                page = named if len(named) == wanted.limit else None  # only a full page is known to be it
        if page is None:
            page = await self._page(conn, wanted)
        return await self._result(conn, [*groups, *page], wanted.order.keys(_Statement(), "k"), match)

    async def _page(self, conn: AsyncConnection, wanted: _Wanted, *, named: bool = False) -> list[Any]:
        """The rows of :func:`page_statement`."""
        sql, params, _keys = page_statement(
            wanted.filters, wanted.order, wanted.offset, wanted.limit, named=named
        )
        return list((await conn.exec_driver_sql(sql, params)).all())

    async def _shortest_page(self, conn: AsyncConnection, wanted: _Wanted) -> list[Any] | None:
        """The page of a broad match read among the names holding every group, shortest first, or ``None``
        when there are too few of them (then every match is ranked): see :func:`shortest_statement`.

        The first look reads the names up to the length of about :data:`SHORT_NAMES` names (at least
        :data:`SHORT_PER_HIT` per row of the page window), a second one :data:`SHORT_GROWTH` times as many,
        while the catalogue has more names than that."""
        filters, order, offset, limit = wanted.filters, wanted.order, wanted.offset, wanted.limit
        names = max(SHORT_NAMES, SHORT_PER_HIT * (offset + limit))
        for _look in range(2):
            # Sorting again from here on: the look's parts take their few best rows each (see _SETTINGS).
            found = await conn.exec_driver_sql(
                "SELECT set_config('enable_sort', 'on', true), "
                f"(SELECT name_len FROM {_KEYS} ORDER BY name_len OFFSET {int(names)} LIMIT 1)"
            )
            row: Any = found.one()
            longest = row[1]
            if longest is None:
                return None
            sql, params, _keys = shortest_statement(filters, order, offset, limit, int(longest))
            page = list((await conn.exec_driver_sql(sql, params)).all())
            if len(page) == limit:
                return page
            if len(page) * SHORT_GROWTH < limit:
                return None  # so few that a wider look would most likely fall short too
            names *= SHORT_GROWTH
        return None

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
        found = []
        for row in rows:
            if row[0] != 1:
                continue
            found.append(
                (
                    _sort_key(row, keys),
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


def _sort_key(row: Sequence[Any], keys: Sequence[_Key]) -> tuple[Any, ...]:
    """The ranking key of a page row (``keys``' values after the hit's columns), ascending."""
    return tuple(-v if desc else v for v, (_sql, desc) in zip(row[_FIRST_KEY:], keys, strict=True))


def _match(st: _Statement, filters: CodedFilters, words: Sequence[Sequence[str]], relaxed: bool) -> str:
    """The ``WHERE`` clause of the rows of ``procedure_search_keys`` (alias ``k``) a search matches."""
    conditions = filters.where(st, "k")
    if words:
        match = tsquery_all_but_one(words) if relaxed else tsquery(words)
        conditions.append(f"k.prefixes @@ {match}")
    return f" WHERE {' AND '.join(conditions)}" if conditions else ""


def _counts(
    st: _Statement, filters: CodedFilters, words: Sequence[Sequence[str]], where: str | None = None
) -> tuple[str, str]:
    """What counts the rows matching ``words`` and what it reads: one word's counts are kept by prefix and
    by everything the filters test (migration 0012); otherwise the matched rows (``where``, when the
    statement has it already)."""
    if len(words) == 1 and len(words[0]) == 1:
        kept = [f"k.prefix = {st.bind(words[0][0])}", *filters.where(st, "k"), "k.n > 0"]
        return "sum(k.n)::bigint", f"{_COUNTS} k WHERE {' AND '.join(kept)}"
    if where is None:
        where = _match(st, filters, words, relaxed=False)
    return "count(*)", f"{_KEYS} k{where}"


def _grouped(count: str, counted: str, width: int = 0) -> str:
    """The matched rows counted by field × agency × level set (part 0 of a search's rows)."""
    return (
        f"SELECT 0, k.field_id, k.agency_id, k.levels_id, {count}{', NULL' * width} "
        f"FROM {counted} GROUP BY k.field_id, k.agency_id, k.levels_id"
    )


def _hits(page_keys: int) -> str:
    """The page's hits (part 1 of a search's rows): what each shows, then its ranking keys."""
    ranked = ", ".join(f"page.k{i}" for i in range(page_keys))
    return (
        f"SELECT 1, NULL, NULL, NULL, NULL, {_HIT_COLUMNS}, {ranked} "
        "FROM page JOIN procedure_search s ON s.procedure_id = page.procedure_id"
    )


def search_statement(
    filters: CodedFilters,
    order: Order,
    offset: int,
    limit: int,
    *,
    words: Sequence[Sequence[str]] = (),
    relaxed: bool = False,
) -> tuple[str, tuple[Any, ...], list[_Key]]:
    """The one statement giving a page and the facet counts, its parameters and the page's ranking keys:
    the listing without words, and the last resort (``relaxed``: the rows with every group of ``words``
    but one), whose index lookup (every group but one, for each group) costs more than the rows it finds,
    so its match is materialised once for both."""
    st = _Statement()
    where = _match(st, filters, words, relaxed)
    keys = order.keys(st, "k")
    limits = f"LIMIT {st.bind(limit)} OFFSET {st.bind(offset)}"
    if relaxed:
        matched = (
            f"matched AS MATERIALIZED (SELECT k.procedure_id, k.field_id, k.agency_id, k.levels_id, "
            f"{_labelled(keys)} FROM {_KEYS} k{where}), "
        )
        ranked = ", ".join(f"k{i}" for i in range(len(keys)))
        page = f"SELECT procedure_id, {ranked} FROM matched ORDER BY {_order_by(keys)} {limits}"
        count, counted = "count(*)", "matched k"
    else:
        matched = ""
        page = (
            f"SELECT k.procedure_id, {_labelled(keys)} FROM {_KEYS} k{where} "
            f"ORDER BY {_order_by(keys)} {limits}"
        )
        count, counted = _counts(st, filters, words, where)
    sql = (
        f"WITH {matched}page AS ({page}) {_hits(len(keys))} "
        f"UNION ALL {_grouped(count, counted, _HIT_WIDTH + len(keys))}"
    )
    return sql, tuple(st.params), keys


def counts_statement(filters: CodedFilters, words: Sequence[Sequence[str]]) -> tuple[str, tuple[Any, ...]]:
    """The rows matching every group of ``words`` counted by facet (part 0 of a search's rows)."""
    st = _Statement()
    count, counted = _counts(st, filters, words)
    return _grouped(count, counted), tuple(st.params)


def page_statement(
    filters: CodedFilters, order: Order, offset: int, limit: int, *, named: bool = False
) -> tuple[str, tuple[Any, ...], list[_Key]]:
    """The ranked page of the rows matching every group of ``order``'s words, its parameters and keys;
    ``named``: of those with every group in their name (the name's prefix index finds them), which rank
    before all others, so a full page of them is the page of the whole match."""
    st = _Statement()
    if named:
        conditions = [*filters.where(st, "k"), f"catalog_prefixes(k.name_key) @@ {tsquery(order.groups)}"]
        where = f" WHERE {' AND '.join(conditions)}"
    else:
        where = _match(st, filters, order.groups, relaxed=False)
    keys = order.keys(st, "k")
    page = (
        f"SELECT k.procedure_id, {_labelled(keys)} FROM {_KEYS} k{where} "
        f"ORDER BY {_order_by(keys)} LIMIT {st.bind(limit)} OFFSET {st.bind(offset)}"
    )
    return f"WITH page AS ({page}) {_hits(len(keys))}", tuple(st.params), keys


def shortest_statement(
    filters: CodedFilters, order: Order, offset: int, limit: int, longest: int
) -> tuple[str, tuple[Any, ...], list[_Key]]:
    """The ranked page of the names no longer than ``longest`` holding every group of ``order``'s words
    and of the names starting with its phrase, its parameters and keys: when it is full, it is the page of
    the whole match.

    Every one of those rows matches (its name holds every group), and any other matched row ranks after
    all of them: it holds fewer groups in its name, or all of them with a longer name that does not start
    with the phrase. Both sets are read from an index alone (migration 0015): the names by length with
    what a search filters by and ranks on, the names by their key for those starting with the phrase."""
    st = _Statement()
    every = " AND ".join(
        "(" + " OR ".join(f"strpos(k.name_key, {st.bind(' ' + word)}) > 0" for word in group) + ")"
        for group in order.groups
    )
    low, high = phrase_range(order.phrase)
    short = [f"k.name_len <= {int(longest)}", every, *filters.where(st, "k")]
    starting = [
        f'k.name_key COLLATE "C" >= {st.bind(low)}',
        f'k.name_key COLLATE "C" < {st.bind(high)}',
        *filters.where(st, "k"),
    ]
    columns = "k.procedure_id, k.name_key, k.name_len, k.code"
    window = st.bind(offset + limit)
    # Each part keeps its own best rows of the window: the names starting with the phrase rank among
    # themselves by length and code alone (they all hold every group and the phrase).
    candidates = (
        f"(SELECT {columns} FROM {_KEYS} k WHERE {' AND '.join(short)} "
        f"ORDER BY {_sorted_by(order.keys(st, 'k'))} LIMIT {window}) "
        f"UNION (SELECT {columns} FROM {_KEYS} k WHERE {' AND '.join(starting)} "
        f'ORDER BY k.name_len, k.code COLLATE "C" LIMIT {window})'
    )
    keys = order.keys(st, "c")
    page = (
        f"SELECT c.procedure_id, {_labelled(keys)} FROM ({candidates}) c "
        f"ORDER BY {_order_by(keys)} LIMIT {st.bind(limit)} OFFSET {st.bind(offset)}"
    )
    return f"WITH page AS ({page}) {_hits(len(keys))}", tuple(st.params), keys


def phrase_range(phrase: str) -> tuple[str, str]:
    """The range of keys starting with `` phrase`` in byte order (the keys are folded ASCII): from it up
    to, excluding, the phrase with its last character the next one."""
    if not phrase or not all(_WORD.fullmatch(word) for word in phrase.split(" ")):
        raise ValueError(f"not a folded phrase: {phrase!r}")
    return f" {phrase}", f" {phrase[:-1]}{chr(ord(phrase[-1]) + 1)}"


def is_term(word: str) -> bool:
    """Whether ``word`` belongs in the vocabulary of misspelling corrections (numbers do not)."""
    return 2 <= len(word) <= 64 and not word.isdigit()
