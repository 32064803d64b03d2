"""SQL helpers that differ by dialect."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Insert, Table
from sqlalchemy.ext.asyncio import AsyncSession

from motcua_shared.chassis.db import conflict_insert


def dialect_of(session: AsyncSession) -> str:
    """``postgresql`` or ``sqlite``: the dialect of the session's engine."""
    return session.bind.dialect.name if session.bind is not None else "sqlite"


def _insert(dialect: str, table: Table) -> Any:
    return conflict_insert(table, postgres=dialect == "postgresql")


def insert_ignoring_duplicates(session: AsyncSession, model: type[Any], values: dict[str, Any]) -> Insert:
    """``INSERT … ON CONFLICT DO NOTHING`` for the session's dialect (PostgreSQL or SQLite)."""
    insert = conflict_insert(model, postgres=dialect_of(session) == "postgresql")
    return insert.values(**values).on_conflict_do_nothing()


# Built once per (dialect, table, column) and reused: a statement object memoises its cache key and
# compiled form, which building one per row (``.values(**row)``) would compute again every time.
_NEW_ROWS: dict[tuple[str, str, str], Insert] = {}
_UPSERTS: dict[tuple[str, str], Insert] = {}


async def insert_new_rows(
    session: AsyncSession, model: type[Any], rows: Sequence[dict[str, Any]], *, returning: str
) -> set[Any]:
    """Insert ``rows`` into ``model``'s table with ``ON CONFLICT DO NOTHING``, in as few statements as
    possible (one ``executemany`` per set of keys); returns the ``returning`` column of the rows that
    were inserted."""
    if not rows:
        return set()
    table: Table = model.__table__
    dialect = dialect_of(session)
    key = (dialect, table.name, returning)
    statement = _NEW_ROWS.get(key)
    if statement is None:
        statement = _insert(dialect, table).on_conflict_do_nothing().returning(table.c[returning])
        _NEW_ROWS[key] = statement
    # A row leaving a column out gets its default; an executemany needs the same keys in every row.
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(tuple(sorted(row)), []).append(row)
    inserted: set[Any] = set()
    for group in groups.values():
        inserted.update((await session.execute(statement, group)).scalars())
    return inserted


async def upsert_many(session: AsyncSession, model: type[Any], rows: Sequence[dict[str, Any]]) -> None:
    """``INSERT … ON CONFLICT (primary key) DO UPDATE`` every other column of ``model``'s table, one
    ``executemany`` for all ``rows`` (each names every column, no two the same key)."""
    if not rows:
        return
    table: Table = model.__table__
    dialect = dialect_of(session)
    statement = _UPSERTS.get((dialect, table.name))
    if statement is None:
        insert = _insert(dialect, table)
        keys = [c.name for c in table.primary_key.columns]
        statement = insert.on_conflict_do_update(
            index_elements=keys,
            set_={c.name: insert.excluded[c.name] for c in table.columns if c.name not in keys},
        )
        _UPSERTS[(dialect, table.name)] = statement
    await session.execute(statement, list(rows))
