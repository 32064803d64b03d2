"""Alembic environment of the gateway (async; the chassis does the work)."""

import gateway.identity.models  # noqa: F401 - registers the tables on the metadata
from gateway.db import Base
from motcua_shared.chassis.limits import LimitsBase
from motcua_shared.chassis.migrations import run_env

run_env(Base.metadata, LimitsBase.metadata)
