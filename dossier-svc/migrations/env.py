"""Alembic environment of dossier-svc (async; the chassis does the work)."""

import dossier_svc.documents.models
import dossier_svc.dossiers.models
import dossier_svc.procedures.models  # noqa: F401 - the imports register the tables on Base.metadata
from dossier_svc.db import Base
from motcua_shared.chassis.audit import AuditBase
from motcua_shared.chassis.limits import LimitsBase
from motcua_shared.chassis.migrations import run_env

run_env(Base.metadata, LimitsBase.metadata, AuditBase.metadata)
