"""Load the real catalogue shipped in ``catalog_svc/data``: Huế's levels, agencies, fields and procedures.

Idempotent: the structure is upserted, and procedures go through the bulk import, which leaves a
procedure already published at the same version and content unchanged. New versions are published, so
their events reach the other services when the platform starts (the outbox relay sends them).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from importlib import resources
from typing import Any

from catalog_svc.directory.schemas import AgencyIn, FieldIn, LevelIn
from catalog_svc.directory.service import load_structure
from catalog_svc.procedures.service import import_procedures, seed_synonyms
from catalog_svc.settings import Settings
from catalog_svc.uow import CatalogUnitOfWork
from motcua_shared.chassis.db import Database


def load_data(name: str) -> Any:
    """One of the shipped data files, parsed."""
    return json.loads(resources.files("catalog_svc.data").joinpath(name).read_text(encoding="utf-8"))


def real_procedures() -> list[dict[str, Any]]:
    """The shipped procedures, as import rows."""
    rows: list[dict[str, Any]] = load_data("procedures.json")["procedures"]
    return rows


async def seed_database(db: Database, *, source: str = "/motcua/catalog") -> str:
    """Load the shipped structure and procedures into ``db`` (migrated); returns a one-line summary."""
    levels = [LevelIn.model_validate(x) for x in load_data("levels.json")["levels"]]
    fields = [FieldIn.model_validate(x) for x in load_data("fields.json")["fields"]]
    agencies = [AgencyIn.model_validate(x) for x in load_data("agencies.json")["agencies"]]
    counts = await load_structure(CatalogUnitOfWork(db, source=source), levels, fields, agencies)
    report = await import_procedures(
        CatalogUnitOfWork(db, source=source), real_procedures(), allow_synthetic=False
    )
    synonyms = await seed_synonyms(
        CatalogUnitOfWork(db, source=source), load_data("synonyms.json")["synonyms"], now=datetime.now(UTC)
    )
    return (
        f"{counts[0]} levels, {counts[1]} fields, {counts[2]} agencies; "
        f"{report.received} procedures ({len(report.published)} published, "
        f"{len(report.unchanged)} unchanged); {synonyms} search synonyms added"
    )


async def seed(settings: Settings) -> str:
    """The `motcua seed` entry point: seed the catalogue database of ``settings`` (already migrated)."""
    db = Database(settings.db)
    try:
        return await seed_database(db, source=settings.source)
    finally:
        await db.dispose()
