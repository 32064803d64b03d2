"""`python -m dossier_svc`: serve dossier-svc alone, configured from the environment.

With ``DOSSIER_WORKERS`` > 1 the service runs as that many uvicorn worker processes on one port (each
with a listening socket of its own, see :func:`~motcua_shared.chassis.serve.serve_workers`), replicas
of one another (the outbox relay's advisory lock, the Kafka consumer group, the deadline job's row
versions and the lookup limits, kept in PostgreSQL, already allow replicas; on SQLite the limits are each
worker's own). The database is migrated once, here, before they start.
"""

from __future__ import annotations

import os

from dossier_svc.app import MIGRATIONS, create_app
from dossier_svc.settings import Settings
from motcua_shared.chassis.migrations import upgrade
from motcua_shared.chassis.serve import serve, serve_workers

WORKER_RELAY_POLL_INTERVAL = 0.05
"""Seconds between outbox polls of each worker when there are several (see :func:`main`)."""


def main() -> None:
    """Serve in this process, or in ``settings.workers`` worker processes."""
    settings = Settings()
    if settings.workers <= 1:
        serve(create_app, settings)
        return
    if settings.db.auto_migrate:
        upgrade(MIGRATIONS, settings.db.url)
    # The workers build their app from the environment (uvicorn's factory); they must not migrate too.
    os.environ["DOSSIER_DB__AUTO_MIGRATE"] = "false"
    # A commit wakes only its own worker's relay, and one relay at a time holds the outbox lock: rows
    # committed by the others wait for its next cycle, so unless told otherwise it polls often.
    if not any(name.upper() == "DOSSIER_BUS__RELAY_POLL_INTERVAL" for name in os.environ):
        os.environ["DOSSIER_BUS__RELAY_POLL_INTERVAL"] = str(WORKER_RELAY_POLL_INTERVAL)
    serve_workers("dossier_svc.app:create_app", settings.http, settings.workers)


if __name__ == "__main__":
    main()
