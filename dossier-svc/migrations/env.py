"""Alembic environment of dossier-svc (async; the chassis does the work)."""

from dossier_svc.db import Base
from motcua_shared.chassis.migrations import run_env

run_env(Base.metadata)
