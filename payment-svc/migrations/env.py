"""Alembic environment of payment-svc (async; the chassis does the work)."""

from motcua_shared.chassis.audit import AuditBase
from motcua_shared.chassis.migrations import run_env
from payment_svc.db import Base

run_env(Base.metadata, AuditBase.metadata)
