"""Alembic environment of catalog-svc (async; the chassis does the work)."""

from catalog_svc.db import Base
from motcua_shared.chassis.migrations import run_env

run_env(Base.metadata)
