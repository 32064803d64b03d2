"""Every query on procedures, including the search on both databases.

Matching is the database's own full-text engine over the folded text: FTS5 on SQLite, a GIN-indexed
``tsvector`` on PostgreSQL. Both see the same ASCII tokens (see :mod:`catalog_svc.text`) and every query word
is a prefix, so both find the same rows; the ranking is plain SQL over the folded name, so both order
them the same way. When no row has every word, PostgreSQL falls back on trigram similarity (``pg_trgm``),
which forgives misspellings, and SQLite on rows with any of the words.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import (
    ColumnElement,
    case,
    delete,
    func,
    insert,
    literal,
    literal_column,
    or_,
    select,
    text,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement as Col
from sqlalchemy.sql.elements import TextClause
from sqlalchemy.sql.selectable import CompoundSelect

from catalog_svc.procedures.models import Procedure, ProcedureLevel, ProcedureVersion, Status

Match = Literal["all", "exact", "fuzzy", "none"]


@dataclass(frozen=True)
class SearchFilters:
    """What narrows a search besides the words."""

    field: str | None = None
    agency: str | None = None
    level: str | None = None
    online: Literal["full", "partial", "any"] | None = None


@dataclass(frozen=True)
class SearchResult:
    """A page of hits, the total and the facet counts."""

    rows: Sequence[Procedure]
    levels: dict[int, list[str]]
    total: int
    match: Match
    facets: dict[str, list[tuple[str, int]]]


class ProcedureRepository:
    """Procedures of one unit of work."""

    def __init__(self, session: AsyncSession, dialect: str) -> None:
        self.session = session
        self.dialect = dialect

    async def get(self, code: str) -> Procedure | None:
        """The procedure with ``code``."""
        result: Procedure | None = await self.session.scalar(select(Procedure).where(Procedure.code == code))
        return result

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

    async def search(
        self, tokens: Sequence[str], filters: SearchFilters, *, offset: int, limit: int
    ) -> SearchResult:
        """Published procedures matching every word (prefixes, any order), best first, with facets."""
        base = self._filters(filters)
        if not tokens:
            return await self._page(
                base, [Procedure.name_key.asc(), Procedure.code.asc()], offset, limit, "all"
            )
        exact: list[Any] = [*base, self._match_all(tokens)]
        result = await self._page(exact, self._ranking(tokens), offset, limit, "exact")
        if result.total:
            return result
        fuzzy, order = self._tolerant(tokens)
        result = await self._page([*base, fuzzy], order, offset, limit, "fuzzy")
        if result.total:
            return result
        return SearchResult(rows=[], levels={}, total=0, match="none", facets=result.facets)

    def _filters(self, filters: SearchFilters) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = [Procedure.status == Status.PUBLISHED]
        if filters.field:
            conditions.append(Procedure.field_code == filters.field)
        if filters.agency:
            conditions.append(
                or_(
                    Procedure.implementing_agency_code == filters.agency,
                    Procedure.competent_agency_code == filters.agency,
                )
            )
        if filters.level:
            conditions.append(
                Procedure.id.in_(
                    select(ProcedureLevel.procedure_id).where(ProcedureLevel.level_code == filters.level)
                )
            )
        if filters.online == "any":
            conditions.append(Procedure.online_mode.is_not(None))
        elif filters.online:
            conditions.append(Procedure.online_mode == filters.online)
        return conditions

    def _match_all(self, tokens: Sequence[str]) -> ColumnElement[bool] | TextClause:
        if self.dialect == "postgresql":
            query = " & ".join(f"{token}:*" for token in tokens)
            return text("procedures.search_tsv @@ to_tsquery('simple', :tsquery)").bindparams(tsquery=query)
        fts = " AND ".join(f'"{token}"*' for token in tokens)
        return Procedure.id.in_(
            select(literal_column("rowid"))
            .select_from(text("procedure_fts"))
            .where(text("procedure_fts MATCH :fts").bindparams(fts=fts))
        )

    def _tolerant(self, tokens: Sequence[str]) -> tuple[ColumnElement[bool] | TextClause, list[Any]]:
        if self.dialect == "postgresql":
            phrase = " ".join(tokens)
            similar = text("(:phrase <% procedures.search_text)").bindparams(phrase=phrase)
            score = func.word_similarity(phrase, Procedure.search_text)
            return similar, [score.desc(), *self._ranking(tokens)]
        fts = " OR ".join(f'"{token}"*' for token in tokens)
        condition = Procedure.id.in_(
            select(literal_column("rowid"))
            .select_from(text("procedure_fts"))
            .where(text("procedure_fts MATCH :fts").bindparams(fts=fts))
        )
        text_hits = sum(
            (case((Procedure.search_text.like(f"%{token}%"), 1), else_=0) for token in tokens), start=_zero()
        )
        return condition, [text_hits.desc(), *self._ranking(tokens)]

    @staticmethod
    def _ranking(tokens: Sequence[str]) -> list[Any]:
        # Most query words starting a word of the name first, then the shortest such name (the most
        # specific), then the query as a phrase: plain SQL, so SQLite and PostgreSQL rank identically.
        name_hits = sum(
            (case((Procedure.name_key.like(f"% {token}%"), 1), else_=0) for token in tokens), start=_zero()
        )
        phrase = case((Procedure.name_key.like(f"% {' '.join(tokens)}%"), 1), else_=0)
        return [name_hits.desc(), func.length(Procedure.name_key).asc(), phrase.desc(), Procedure.code.asc()]

    async def _page(
        self, conditions: list[Any], order: list[Any], offset: int, limit: int, match: Match
    ) -> SearchResult:
        facets = await self._facets(conditions)
        # Every published procedure has exactly one field, so the field facet adds up to the total.
        total = sum(count for _, count in facets["field"])
        if not total:
            return SearchResult(rows=[], levels={}, total=0, match=match, facets=facets)
        rows = (
            await self.session.scalars(
                select(Procedure).where(*conditions).order_by(*order).offset(offset).limit(limit)
            )
        ).all()
        levels: dict[int, list[str]] = {row.id: [] for row in rows}
        if rows:
            for procedure_id, level in await self.session.execute(
                select(ProcedureLevel.procedure_id, ProcedureLevel.level_code).where(
                    ProcedureLevel.procedure_id.in_(list(levels))
                )
            ):
                levels[procedure_id].append(level)
        return SearchResult(rows=rows, levels=levels, total=total, match=match, facets=facets)

    async def _facets(self, conditions: list[Any]) -> dict[str, list[tuple[str, int]]]:
        # One round trip for the three facets.
        by_field = select(literal("field").label("facet"), Procedure.field_code.label("code"), func.count())
        by_agency = select(
            literal("agency").label("facet"), Procedure.implementing_agency_code.label("code"), func.count()
        )
        by_level = select(
            literal("level").label("facet"), ProcedureLevel.level_code.label("code"), func.count()
        ).join(Procedure, ProcedureLevel.procedure_id == Procedure.id)
        query: CompoundSelect[Any] = union_all(
            by_field.where(*conditions).group_by(Procedure.field_code),
            by_agency.where(*conditions).group_by(Procedure.implementing_agency_code),
            by_level.where(*conditions).group_by(ProcedureLevel.level_code),
        )
        facets: dict[str, list[tuple[str, int]]] = {"field": [], "level": [], "agency": []}
        for facet, code, count in (await self.session.execute(query)).all():
            if code is not None:
                facets[str(facet)].append((str(code), int(count)))
        for values in facets.values():
            values.sort(key=lambda item: (-item[1], item[0]))
        return facets


def _zero() -> Col[int]:
    return literal_column("0")
