"""The four services as data, for the commands that act on all of them (migrate, seed)."""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from motcua_shared.chassis.migrations import upgrade
from motcua_shared.chassis.settings import ServiceSettings

PACKAGES: dict[str, str] = {
    "catalog": "catalog_svc",
    "dossier": "dossier_svc",
    "payment": "payment_svc",
    "notify": "notify_svc",
}


def settings_of(name: str, var_dir: Path) -> ServiceSettings:
    """The service's settings from its environment; SQLite under ``var_dir`` when no URL is given."""
    package = PACKAGES[name]
    settings_class: type[ServiceSettings] = importlib.import_module(f"{package}.settings").Settings
    settings = settings_class()
    if "db" not in settings.model_fields_set:
        settings = settings.model_copy(
            update={"db": settings.db.model_copy(update={"url": f"sqlite+aiosqlite:///{var_dir / name}.db"})}
        )
    return settings


def migrations_of(name: str) -> Path:
    """The service's Alembic script directory."""
    path: Path = importlib.import_module(f"{PACKAGES[name]}.app").MIGRATIONS
    return path


def migrate_all(var_dir: Path) -> list[tuple[str, str]]:
    """Upgrade every service database to head; returns (service, url) pairs."""
    done: list[tuple[str, str]] = []
    for name in PACKAGES:
        url = settings_of(name, var_dir).db.url
        upgrade(migrations_of(name), url)
        done.append((name, url))
    return done


async def seed_all(var_dir: Path) -> list[str]:
    """Migrate, then run each service's ``<package>.seed.seed(settings)`` where the service ships data."""
    lines: list[str] = []
    for name, url in await asyncio.to_thread(migrate_all, var_dir):
        try:
            module = importlib.import_module(f"{PACKAGES[name]}.seed")
        except ModuleNotFoundError as exc:
            if exc.name != f"{PACKAGES[name]}.seed":
                raise
            continue
        seed: Callable[[ServiceSettings], Awaitable[Any]] = module.seed
        result = await seed(settings_of(name, var_dir))
        lines.append(f"{name}: {result} ({url.split('@')[-1]})")
    return lines
