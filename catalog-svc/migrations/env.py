"""Alembic environment of catalog-svc (async; the chassis does the work)."""

import catalog_svc.directory.models
import catalog_svc.procedures.models  # noqa: F401  (registers the tables on Base.metadata)
from catalog_svc.db import Base
from motcua_shared.chassis.audit import AuditBase
from motcua_shared.chassis.migrations import run_env

run_env(Base.metadata, AuditBase.metadata)
