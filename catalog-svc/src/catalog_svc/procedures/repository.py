"""Every query on procedures, including the search on both databases.

Both searches read ``procedure_search_keys`` — one dense row per published procedure, its facet codes
numbered in ``search_codes`` — to rank, and the page's rows from ``procedure_search``. The ranking is plain
SQL over the folded name, so both databases order the hits the same way.

PostgreSQL's search is in :mod:`catalog_svc.procedures.pg_search`; the SQLite one is here: FTS5
(``procedure_search_ranked``, migration 0011) matches every query word as a prefix, and the total and facet
counts are one grouping of the matched rowids, which carry each row's facet group; then one statement ranks
the matched rows — past :data:`TIERED_FROM` of them, only those that can be on the page
(:meth:`ProcedureRepository._candidates`) — and returns the page with everything a hit shows. Both run the
attempts that :mod:`catalog_svc.procedures.relevance` plans (exact, corrected, all words but one).
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import combinations
from math import comb
from typing import Any, Final

from sqlalchemy import (
    ColumnElement,
    FromClause,
    Integer,
    String,
    Text,
    case,
    column,
    delete,
    func,
    insert,
    literal_column,
    not_,
    null,
    or_,
    select,
    table,
    union_all,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from catalog_svc.procedures import relevance
from catalog_svc.procedures.models import (
    Procedure,
    ProcedureLevel,
    ProcedureSearch,
    ProcedureVersion,
    SearchSynonym,
    Status,
)
from catalog_svc.procedures.pg_search import PostgresSearch, forget_codes, is_term
from catalog_svc.procedures.relevance import LEXICON_TTL_S, Attempt, Lexicon
from catalog_svc.procedures.search_types import (
    Match,
    SearchFilters,
    SearchHit,
    SearchResult,
    sorted_counts,
)

__all__ = [
    "SEARCH_CACHE",
    "Match",
    "ProcedureRepository",
    "SearchCache",
    "SearchFilters",
    "SearchHit",
    "SearchResult",
    "forget_searches",
]

#: The vocabulary of the published catalogue (migration 0003 on PostgreSQL, 0008 on SQLite).
_TERMS = table("search_terms", column("term"))
#: The dense search table and its dictionary of facet codes (migration 0005 on PostgreSQL, 0009 on SQLite;
#: ``other_key`` is PostgreSQL's only).
_KEYS = table(
    "procedure_search_keys",
    column("procedure_id", Integer),
    column("code", String),
    column("field_id", Integer),
    column("agency_id", Integer),
    column("competent_id", Integer),
    column("levels_id", Integer),
    column("online_mode", String),
    column("name_len", Integer),
    column("name_key", Text),
    column("other_key", Text),
)
_CODES = table("search_codes", column("id", Integer), column("kind", String), column("code", String))
#: The facet codes numbered in ``search_codes``: (kind, projection column).
_CODED = (
    ("field", "field_code"),
    ("agency", "implementing_agency_code"),
    ("agency", "competent_agency_code"),
    ("levels", "levels"),
)
#: SQLite's search index (migration 0011): an FTS5 table (columns ``name`` and ``rest``) whose rowid is
#: ``min(name length, 511) << 54 | facet group << 32 | procedure id``, and its numbered facet groups.
_RANKED = table("procedure_search_ranked")
_GROUPS = table(
    "search_groups",
    column("id", Integer),
    column("field_id", Integer),
    column("agency_id", Integer),
    column("competent_id", Integer),
    column("levels_id", Integer),
    column("online_mode", String),
)
_LENGTH_SHIFT: Final = 54
_MAX_LENGTH: Final = 511
_ID_MASK: Final = (1 << 32) - 1
_GROUP_OF = literal_column(f"((rowid >> 32) & {(1 << 22) - 1})", Integer)
_ID_OF = literal_column(f"(rowid & {_ID_MASK})", Integer)
#: From how many matched rows SQLite ranks only the rows that can be on the page (:meth:`_candidates`);
#: below, ranking every matched row costs less than the few statements that pick them.
TIERED_FROM: Final = 2_000
#: At most how many combinations of the query's groups of words one tier of the ranking lists (the names
#: holding exactly ``j`` of ``n`` groups are C(n, j) alternatives); the tiers stop before a larger one.
MAX_TIER_COMBINATIONS: Final = 10
_S = ProcedureSearch.__table__.c
_K = _KEYS.c


@dataclass(frozen=True)
class _Key:
    """One ranking key: an SQL expression and its direction (descending keys are numbers)."""

    expr: ColumnElement[Any]
    descending: bool = False


class SearchCache:
    """Recent search results of one database, kept a few seconds, computed once when asked concurrently.

    The catalogue changes a few times a day and citizens ask the same few hundred questions, so most searches
    are answered here without the database. This process's writes clear it as soon as they commit
    (:func:`forget_searches`); other replicas see a change within :data:`SEARCH_CACHE.ttl` seconds, as
    they see directory changes. A search that began before a write is not stored after it.
    """

    def __init__(self) -> None:
        self.entries: OrderedDict[Hashable, tuple[float, SearchResult]] = OrderedDict()
        self.pending: dict[Hashable, asyncio.Future[SearchResult]] = {}
        self.generation = 0

    async def get_or_compute(
        self, key: Hashable, compute: Callable[[], Awaitable[SearchResult]]
    ) -> SearchResult:
        """The cached result for ``key``, the one being computed, or a fresh one from ``compute``."""
        ttl, size = SEARCH_CACHE.ttl, SEARCH_CACHE.size
        if ttl <= 0:
            return await compute()
        now = time.monotonic()
        cached = self.entries.get(key)
        if cached is not None and cached[0] > now:
            self.entries.move_to_end(key)
            return cached[1]
        waiting = self.pending.get(key)
        if waiting is not None:
            try:
                return await asyncio.shield(waiting)
            except asyncio.CancelledError:
                if not waiting.cancelled():
                    raise  # this caller was cancelled
                return await compute()  # the one computing it was; do it here
        generation = self.generation
        future: asyncio.Future[SearchResult] = asyncio.get_running_loop().create_future()
        self.pending[key] = future
        try:
            result = await compute()
        except asyncio.CancelledError:
            future.cancel()
            raise
        except Exception as exc:
            future.set_exception(exc)
            future.exception()  # marked as retrieved: the waiters, if any, re-raise it
            raise
        finally:
            self.pending.pop(key, None)
        future.set_result(result)
        if generation == self.generation:
            self.entries[key] = (now + ttl, result)
            self.entries.move_to_end(key)
            while len(self.entries) > size:
                self.entries.popitem(last=False)
        return result

    def clear(self) -> None:
        """Forget every result, and refuse those computed before now."""
        self.entries.clear()
        self.generation += 1


@dataclass
class SearchCacheSettings:
    """How long search results are kept (0 turns the cache off) and how many of them."""

    ttl: float = 30.0
    size: int = 2048


#: Set by the composition root from the service's settings.
SEARCH_CACHE = SearchCacheSettings()
_caches: dict[str, SearchCache] = {}
_lexicons: dict[str, Lexicon] = {}


def forget_searches() -> None:
    """Drop every cached search result and numbered code (after a commit that changed what is published)."""
    for cache in _caches.values():
        cache.clear()
    _lexicons.clear()
    forget_codes()


class ProcedureRepository:
    """Procedures of one unit of work."""

    def __init__(
        self, session: AsyncSession, dialect: str, cache_key: str = "", engine: AsyncEngine | None = None
    ) -> None:
        self.session = session
        self.dialect = dialect
        self.cache_key = cache_key
        #: PostgreSQL's search runs on connections of its own, in autocommit (see ``pg_search``).
        self.engine = engine

    async def get(self, code: str) -> Procedure | None:
        """The procedure with ``code``."""
        result: Procedure | None = await self.session.scalar(select(Procedure).where(Procedure.code == code))
        return result

    async def working_copies(
        self,
        *,
        status: str | None,
        changed: bool | None,
        words: tuple[str, str] | None,
        after: str | None,
        limit: int,
    ) -> tuple[list[Procedure], int]:
        """Procedures in any state by code (after ``after``, at most ``limit``), and how many match: of one
        status, with or without unpublished changes, or whose code or folded published name contains the
        first or second of ``words``."""
        query = select(Procedure)
        if status is not None:
            query = query.where(Procedure.status == status)
        if changed is not None:
            differs = or_(
                Procedure.published_hash.is_(None), Procedure.draft_hash != Procedure.published_hash
            )
            query = query.where(differs if changed else not_(differs))
        if words is not None:
            in_code, in_name = words
            query = query.where(
                or_(
                    func.lower(Procedure.code).contains(in_code, autoescape=True),
                    Procedure.name_key.contains(in_name, autoescape=True),
                )
            )
        total = await self.session.scalar(select(func.count()).select_from(query.subquery())) or 0
        if after is not None:
            query = query.where(Procedure.code > after)
        rows = await self.session.scalars(query.order_by(Procedure.code).limit(limit))
        return list(rows), total

    async def get_many(self, codes: Iterable[str]) -> dict[str, Procedure]:
        """The procedures among ``codes`` that exist, by code."""
        wanted = list(dict.fromkeys(codes))
        found: dict[str, Procedure] = {}
        for start in range(0, len(wanted), 1000):
            chunk = wanted[start : start + 1000]
            rows = await self.session.scalars(select(Procedure).where(Procedure.code.in_(chunk)))
            found.update((row.code, row) for row in rows)
        return found

    def add(self, procedure: Procedure) -> None:
        """Stage a new procedure."""
        self.session.add(procedure)

    async def flush(self) -> None:
        """Send staged rows (new procedures get their ids)."""
        await self.session.flush()

    async def set_levels(self, procedure_id: int, levels: Sequence[str]) -> None:
        """Replace the levels of a procedure's published version."""
        await self.session.execute(delete(ProcedureLevel).where(ProcedureLevel.procedure_id == procedure_id))
        await self.session.execute(
            insert(ProcedureLevel), [{"procedure_id": procedure_id, "level_code": lvl} for lvl in levels]
        )

    async def replace_levels(self, procedure_ids: Sequence[int], rows: Sequence[dict[str, Any]]) -> None:
        """Drop the levels of ``procedure_ids`` (their earlier versions'), then insert ``rows``."""
        for start in range(0, len(procedure_ids), 1000):
            chunk = procedure_ids[start : start + 1000]
            await self.session.execute(delete(ProcedureLevel).where(ProcedureLevel.procedure_id.in_(chunk)))
        if rows:
            await self.session.execute(insert(ProcedureLevel), list(rows))

    def add_version(self, version: ProcedureVersion) -> None:
        """Stage a published version."""
        self.session.add(version)

    async def version(self, procedure_id: int, version: int) -> ProcedureVersion | None:
        """One published version."""
        return await self.session.get(ProcedureVersion, (procedure_id, version))

    async def versions(
        self, procedure_ids: Iterable[int], version_of: dict[int, int]
    ) -> dict[int, ProcedureVersion]:
        """The versions named by ``version_of`` (procedure id → version), by procedure id."""
        ids = list(procedure_ids)
        found: dict[int, ProcedureVersion] = {}
        for start in range(0, len(ids), 1000):
            chunk = ids[start : start + 1000]
            rows = await self.session.scalars(
                select(ProcedureVersion).where(ProcedureVersion.procedure_id.in_(chunk))
            )
            found.update(
                (row.procedure_id, row) for row in rows if version_of.get(row.procedure_id) == row.version
            )
        return found

    async def count_published_by_field(self) -> dict[str, int]:
        """Published procedures per field."""
        rows = await self.session.execute(
            select(Procedure.field_code, func.count())
            .where(Procedure.status == Status.PUBLISHED)
            .group_by(Procedure.field_code)
        )
        return {str(code): int(count) for code, count in rows.all() if code is not None}

    async def index(self, rows: Sequence[dict[str, Any]]) -> None:
        """Make the published procedures in ``rows`` (search projection rows) searchable as given."""
        if not rows:
            return
        ids = [row["procedure_id"] for row in rows]
        for start in range(0, len(ids), 1000):
            chunk = ids[start : start + 1000]
            await self.session.execute(delete(ProcedureSearch).where(ProcedureSearch.procedure_id.in_(chunk)))
        await self.session.execute(insert(ProcedureSearch), list(rows))
        await self._index_keys(rows)
        terms = sorted({w for row in rows for w in row["search_text"].split() if is_term(w)})
        upsert = self._upsert()
        for start in range(0, len(terms), 5000):
            await self.session.execute(
                upsert(_TERMS).on_conflict_do_nothing(),
                [{"term": term} for term in terms[start : start + 5000]],
            )

    def _upsert(self) -> Callable[..., Any]:
        return pg_insert if self.dialect == "postgresql" else sqlite_insert

    async def _index_keys(self, rows: Sequence[dict[str, Any]]) -> None:
        """The dense search rows of ``rows``, their facet codes numbered in ``search_codes`` (SQLite matches
        with FTS5 and keeps no ``other_key``)."""
        wanted = sorted({(kind, row[name]) for row in rows for kind, name in _CODED if row[name] is not None})
        await self.session.execute(
            self._upsert()(_CODES).on_conflict_do_nothing(),
            [{"kind": kind, "code": code} for kind, code in wanted],
        )
        numbered = await self.session.execute(select(_CODES.c.kind, _CODES.c.code, _CODES.c.id))
        ids: dict[tuple[str, str], int] = {(kind, code): id_ for kind, code, id_ in numbered.all()}
        keys = []
        for row in rows:
            name_key, text_key = row["name_key"], " " + row["search_text"]
            # The searchable text starts with the folded name (see service.projection); if it ever did not,
            # the whole text is the rest, which still matches the same rows.
            other_key = text_key[len(name_key) :] if text_key.startswith(name_key) else text_key
            competent = row.get("competent_agency_code")
            keys.append(
                {
                    "procedure_id": row["procedure_id"],
                    "code": row["code"],
                    "field_id": ids[("field", row["field_code"])],
                    "agency_id": ids[("agency", row["implementing_agency_code"])],
                    "competent_id": ids[("agency", competent)] if competent is not None else None,
                    "levels_id": ids[("levels", row["levels"])],
                    "online_mode": row.get("online_mode"),
                    "name_len": len(name_key),
                    "name_key": name_key,
                    **({"other_key": other_key} if self.dialect == "postgresql" else {}),
                }
            )
        await self.session.execute(insert(_KEYS), keys)

    async def synonyms(self) -> list[SearchSynonym]:
        """Every synonym, by term."""
        return list(await self.session.scalars(select(SearchSynonym).order_by(SearchSynonym.term)))

    async def synonym(self, term: str) -> SearchSynonym | None:
        """The synonym of ``term`` (folded)."""
        return await self.session.get(SearchSynonym, term)

    def add_synonym(self, synonym: SearchSynonym) -> None:
        """Stage a new synonym."""
        self.session.add(synonym)

    async def delete_synonym(self, synonym: SearchSynonym) -> None:
        """Stage the removal of a synonym."""
        await self.session.delete(synonym)

    async def unindex(self, procedure_id: int) -> None:
        """Take a procedure out of the search (its words stay in the vocabulary: they do no harm)."""
        await self.session.execute(
            delete(ProcedureSearch).where(ProcedureSearch.procedure_id == procedure_id)
        )

    async def search(
        self, words: Sequence[str], filters: SearchFilters, *, offset: int, limit: int
    ) -> SearchResult:
        """Published procedures matching every word (prefixes, any order), best first, with facets.

        A recent identical search is answered from this process's cache (see :class:`SearchCache`).
        """
        cache = _caches.setdefault(self.cache_key, SearchCache())
        key = (tuple(words), filters, offset, limit)
        return await cache.get_or_compute(key, lambda: self._search(words, filters, offset, limit))

    async def _search(
        self, words: Sequence[str], filters: SearchFilters, offset: int, limit: int
    ) -> SearchResult:
        find: Callable[[Attempt | None, SearchFilters, int, int], Awaitable[SearchResult]]
        if self.dialect == "postgresql":
            if self.engine is None:
                raise RuntimeError("the PostgreSQL search needs the engine")
            find = PostgresSearch(self.engine).find
        else:
            find = self._find
        if not words:
            return await find(None, filters, offset, limit)
        lexicon = await self.lexicon()
        return await relevance.search(
            words,
            lexicon,
            lambda attempt, at, size: find(attempt, filters, at, size),
            offset=offset,
            limit=limit,
        )

    async def lexicon(self) -> Lexicon:
        """The vocabulary and synonyms, from this process's copy while it is fresh (see :class:`Lexicon`)."""
        cached = _lexicons.get(self.cache_key)
        if cached is not None and time.monotonic() - cached.loaded_at < LEXICON_TTL_S:
            return cached
        terms = (await self.session.scalars(select(_TERMS.c.term))).all()
        synonyms = (await self.session.execute(select(SearchSynonym.term, SearchSynonym.expansion))).all()
        lexicon = Lexicon.of([str(term) for term in terms], {str(t): str(e) for t, e in synonyms})
        _lexicons[self.cache_key] = lexicon
        return lexicon

    async def _find(
        self, attempt: Attempt | None, filters: SearchFilters, offset: int, limit: int
    ) -> SearchResult:
        """SQLite: the page and facets of one attempt of the relevance contract (``None``: everything).

        The match, the total and the facets come from ``procedure_search_ranked`` alone (migration 0011: a
        row's rowid carries its facet group); the ranking reads the dense rows of ``procedure_search_keys``
        (migration 0009) of only the rows that can be on the page (:meth:`_candidates`), and the page's rows
        are read from ``procedure_search``."""
        if attempt is None:
            keys = [_Key(_K.name_key), _Key(_K.code)]
            hits, counts = await self._page(_filters(filters, _K), keys, offset, limit, counted=True)
            return _result(hits, counts, "all")
        groups = attempt.groups
        order = [
            _Key(self._count_in(_K.name_key, groups), True),
            _Key(case((func.instr(_K.name_key, f" {attempt.phrase}") == 1, 1), else_=0), True),
            _Key(_K.name_len),
            _Key(self._count_in(_K.name_key, [[attempt.phrase]]), True),
            _Key(_K.code),
        ]
        fts = _fts(groups, all_but_one=attempt.all_but_one)
        grouped = _in_groups(filters)
        counts = await self._group_counts(fts, grouped)
        if not counts:
            return _result([], counts, attempt.match)
        candidates = None
        if sum(count for *_, count in counts) > TIERED_FROM:
            candidates = await self._candidates(attempt, fts, grouped, offset + limit)
        conditions = [*_filters(filters, _K), _matching(fts)] if candidates is None else [candidates]
        hits, _ = await self._page(conditions, order, offset, limit, counted=False)
        return _result(hits, counts, attempt.match)

    async def _group_counts(
        self, fts: str, grouped: Sequence[ColumnElement[bool]]
    ) -> list[tuple[str, str, str, int]]:
        """The matched rows counted by facet group, read from the FTS5 index alone, each group as its field,
        agency and levels codes."""
        group = _GROUP_OF.label("group_id")
        counted = (
            select(group, func.count().label("n"))
            .select_from(_RANKED)
            .where(_ranked_match(fts), *grouped)
            .group_by(group)
            .subquery("counted")
        )
        field, agency, levels = (_CODES.alias(name) for name in ("f", "a", "l"))
        rows = await self.session.execute(
            select(field.c.code, agency.c.code, levels.c.code, counted.c.n)
            .join_from(counted, _GROUPS, _GROUPS.c.id == counted.c.group_id)
            .join(field, field.c.id == _GROUPS.c.field_id)
            .join(agency, agency.c.id == _GROUPS.c.agency_id)
            .join(levels, levels.c.id == _GROUPS.c.levels_id)
        )
        return [(str(f), str(a), str(lv), int(n)) for f, a, lv, n in rows.all()]

    async def _candidates(
        self, attempt: Attempt, fts: str, grouped: Sequence[ColumnElement[bool]], wanted: int
    ) -> ColumnElement[bool] | None:
        """A condition on ``procedure_search_keys`` holding the first ``wanted`` rows of the ranking (and
        usually few more), or ``None`` when the tiers cannot tell (then every matched row is ranked).

        The ranking's first two keys split the matched rows into tiers (:func:`_tiers`), and within a tier
        the next key is the name's length, the rowid's top bits: the rows of a tier come shortest name first.
        Whole tiers are taken while they hold fewer rows than still wanted; in the tier that fills the page,
        every row whose name is no longer than the last one wanted (its length rounded as in the rowid)."""
        ids: list[int] = []
        need = wanted
        rowid = literal_column("rowid", Integer)
        for tier in _tiers(attempt, fts):
            if tier is None:
                return None
            first = await self.session.scalars(
                select(rowid)
                .select_from(_RANKED)
                .where(_ranked_match(tier), *grouped)
                .order_by(rowid)
                .limit(need)
            )
            found = list(first)
            if len(found) < need:
                ids += [row & _ID_MASK for row in found]
                need -= len(found)
                continue
            longest = found[-1] >> _LENGTH_SHIFT
            bound = [rowid < (longest + 1) << _LENGTH_SHIFT] if longest < _MAX_LENGTH else []
            cut = select(_ID_OF).select_from(_RANKED).where(_ranked_match(tier), *grouped, *bound)
            return (
                or_(_K.procedure_id.in_(ids), _K.procedure_id.in_(cut)) if ids else _K.procedure_id.in_(cut)
            )
        return _K.procedure_id.in_(ids)

    def _count_in(self, haystack: ColumnElement[str], groups: Sequence[Sequence[str]]) -> ColumnElement[int]:
        """How many ``groups`` have a word starting a word of ``haystack`` (which starts with a space)."""
        return sum(
            (
                case((or_(*(func.instr(haystack, f" {word}") > 0 for word in group)), 1), else_=0)
                for group in groups
            ),
            start=_zero(),
        )

    async def _page(
        self,
        conditions: Sequence[ColumnElement[bool]],
        order: Sequence[_Key],
        offset: int,
        limit: int,
        *,
        counted: bool,
    ) -> tuple[list[SearchHit], list[tuple[str, str, str, int]]]:
        """The ranked page of the rows of ``procedure_search_keys`` meeting ``conditions``, and (``counted``)
        those rows counted by facet codes, in one statement."""
        grouped = (_K.procedure_id, _K.field_id, _K.agency_id, _K.levels_id)
        keys = [key.expr.label(f"k{i}") for i, key in enumerate(order)]
        matched = select(*grouped, *keys).where(*conditions).cte("matched").prefix_with("MATERIALIZED")
        ranked = [matched.c[f"k{i}"] for i in range(len(order))]
        page = (
            select(matched.c.procedure_id, *ranked)
            .order_by(*_ordered(ranked, order))
            .limit(limit)
            .offset(offset)
            .cte("page")
        )
        hits = select(
            literal_column("1", Integer).label("part"),
            _S.field_code,
            _S.implementing_agency_code,
            _S.levels,
            null().label("n"),
            _S.code,
            _S.name,
            _S.online_level,
            _S.online_mode,
            _S.min_days,
            _S.max_days,
            _S.min_fee,
            _S.version,
            *(page.c[f"k{i}"] for i in range(len(order))),
        ).join_from(page, ProcedureSearch.__table__, page.c.procedure_id == _S.procedure_id)
        statement: Any = hits
        if counted:
            # Grouped by number, then the few groups named by their codes.
            facet_ids = [matched.c[column.name] for column in grouped[1:]]
            groups = select(*facet_ids, func.count().label("n")).group_by(*facet_ids).subquery("groups")
            named = [_CODES.alias(f"c{i}") for i in range(len(facet_ids))]
            joined: FromClause = groups
            for alias, facet in zip(named, facet_ids, strict=True):
                joined = joined.join(alias, alias.c.id == groups.c[facet.name])
            counts = select(
                literal_column("0", Integer),
                *(alias.c.code for alias in named),
                groups.c.n,
                *([null()] * (8 + len(order))),
            ).select_from(joined)
            statement = union_all(hits, counts)
        rows = (await self.session.execute(statement)).all()

        counted_rows: list[tuple[str, str, str, int]] = []
        found: list[tuple[tuple[Any, ...], SearchHit]] = []
        for row in rows:
            if row[0] == 0:
                counted_rows.append((row[1], row[2], row[3], int(row[4])))
                continue
            sort_key = tuple(
                -value if key.descending else value for value, key in zip(row[13:], order, strict=True)
            )
            found.append(
                (
                    sort_key,
                    SearchHit(
                        code=row[5],
                        name=row[6],
                        field_code=row[1],
                        implementing_agency_code=row[2],
                        levels=row[3].split(),
                        online_level=row[7],
                        online_mode=row[8],
                        min_days=row[9],
                        max_days=row[10],
                        min_fee=row[11],
                        version=row[12],
                    ),
                )
            )
        # The page came back unordered (a join); the keys it carries put it back in the ranking's order.
        found.sort(key=lambda item: item[0])
        return [hit for _, hit in found], counted_rows


def _result(
    hits: Sequence[SearchHit], counts: Sequence[tuple[str, str, str, int]], match: Match
) -> SearchResult:
    """A search's answer from its page and its rows counted by (field, agency, levels) codes."""
    by_field: dict[str, int] = {}
    by_agency: dict[str, int] = {}
    by_level: dict[str, int] = {}
    for field_code, agency, levels, count in counts:
        by_field[field_code] = by_field.get(field_code, 0) + count
        by_agency[agency] = by_agency.get(agency, 0) + count
        for level in levels.split():
            by_level[level] = by_level.get(level, 0) + count
    facets = {
        "field": sorted_counts(by_field),
        "level": sorted_counts(by_level),
        "agency": sorted_counts(by_agency),
    }
    return SearchResult(hits=list(hits), total=sum(by_field.values()), match=match, facets=facets)


def _filters(filters: SearchFilters, on: Any) -> list[ColumnElement[bool]]:
    """The conditions of ``filters`` on the columns ``on`` (of ``procedure_search_keys`` or
    ``search_groups``, where no competent agency is 0 and no online mode '')."""
    conditions: list[ColumnElement[bool]] = []
    if filters.field:
        conditions.append(on.field_id == _code_id("field", filters.field))
    if filters.agency:
        agency = _code_id("agency", filters.agency)
        conditions.append((on.agency_id == agency) | (on.competent_id == agency))
    if filters.level:
        level_sets = select(_CODES.c.id).where(
            _CODES.c.kind == "levels", func.instr(_CODES.c.code, f" {filters.level} ") > 0
        )
        conditions.append(on.levels_id.in_(level_sets))
    if filters.online == "any":
        conditions.append(func.coalesce(on.online_mode, "") != "")
    elif filters.online:
        conditions.append(on.online_mode == filters.online)
    return conditions


def _in_groups(filters: SearchFilters) -> list[ColumnElement[bool]]:
    """The condition of ``filters`` on a row of ``procedure_search_ranked``: its facet group is one they
    allow (none without filters)."""
    conditions = _filters(filters, _GROUPS.c)
    return [_GROUP_OF.in_(select(_GROUPS.c.id).where(*conditions))] if conditions else []


def _any(words: Iterable[str]) -> str:
    """An FTS5 query: a word starting with one of ``words``."""
    return " OR ".join(f'"{word}"*' for word in words)


def _fts(groups: Sequence[Sequence[str]], *, all_but_one: bool = False) -> str:
    """The FTS5 query of the rows with, for every group of words (``all_but_one``: every group but any
    one), a word starting with one of them."""

    def every(chosen: Sequence[Sequence[str]]) -> str:
        return " AND ".join(f"({_any(group)})" for group in chosen)

    if all_but_one:
        return " OR ".join(f"({every([*groups[:i], *groups[i + 1 :]])})" for i in range(len(groups)))
    return every(groups)


def _tiers(attempt: Attempt, fts: str) -> Iterator[str | None]:
    """The rows matched by ``fts`` split by the ranking's first two keys, as FTS5 queries in ranking order,
    ending with ``None`` before a tier of more than :data:`MAX_TIER_COMBINATIONS` alternatives.

    First the names starting with the phrase (so holding every group), then the other names holding every
    group, then those holding every group but one, and so on down to the names holding none."""
    groups = attempt.groups
    starts = f'{{name}} : ^ "{attempt.phrase}" *'
    names = [f"{{name}} : ({_any(group)})" for group in groups]
    yield f"({fts}) AND {starts}"
    yield f"(({fts}) AND {' AND '.join(names)}) NOT {starts}"
    for held in range(len(groups) - 1, 0, -1):
        if comb(len(groups), held) > MAX_TIER_COMBINATIONS:
            yield None
            return
        parts = [
            f"(({' AND '.join(names[i] for i in chosen)}) NOT {{name}} : ("
            + " OR ".join(_any(group) for i, group in enumerate(groups) if i not in chosen)
            + "))"
            for chosen in combinations(range(len(groups)), held)
        ]
        yield f"({fts}) AND ({' OR '.join(parts)})"
    yield f"({fts}) NOT {{name}} : ({' OR '.join(_any(group) for group in groups)})"


def _ranked_match(fts: str) -> ColumnElement[bool]:
    return literal_column("procedure_search_ranked").match(fts)


def _matching(fts: str) -> ColumnElement[bool]:
    """The rows of ``procedure_search_keys`` that the FTS5 query ``fts`` matches."""
    return _K.procedure_id.in_(select(_ID_OF).select_from(_RANKED).where(_ranked_match(fts)))


def _ordered(keys: Sequence[ColumnElement[Any]], order: Sequence[_Key]) -> list[ColumnElement[Any]]:
    """``keys`` as ORDER BY terms, each in its direction in ``order``."""
    return [key.desc() if spec.descending else key for key, spec in zip(keys, order, strict=True)]


def _code_id(kind: str, code: str) -> ColumnElement[int]:
    """The number of a facet code in ``search_codes`` (NULL, matching nothing, when nothing published used
    it)."""
    return select(_CODES.c.id).where(_CODES.c.kind == kind, _CODES.c.code == code).scalar_subquery()


def _zero() -> ColumnElement[int]:
    return literal_column("0")
