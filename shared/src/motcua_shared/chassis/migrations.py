"""Alembic for every service: an async env, one call to upgrade, the messaging tables in revision one."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from alembic.operations import Operations
from sqlalchemy import MetaData, pool, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import async_engine_from_config

from motcua_shared.chassis.messaging.models import MessagingBase
from motcua_shared.chassis.singleton import lock_key


def alembic_config(script_location: Path, url: str) -> Config:
    """An Alembic config for one service's migrations and database."""
    cfg = Config()
    cfg.set_main_option("script_location", str(script_location))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.set_main_option("path_separator", "os")
    return cfg


def upgrade(script_location: Path, url: str, revision: str = "head") -> None:
    """Migrate the database at ``url`` to ``revision`` (blocking; run it in a thread from async code)."""
    if url.startswith("sqlite") and ":///" in url:
        database = url.split(":///", 1)[1]
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(script_location, url), revision)


async def aupgrade(script_location: Path, url: str, revision: str = "head") -> None:
    """:func:`upgrade` from async code (Alembic's env runs its own event loop, so in a thread)."""
    await asyncio.to_thread(upgrade, script_location, url, revision)


def run_env(*metadata: MetaData) -> None:
    """The body of every service's ``migrations/env.py``: online migrations over an async engine."""
    target = [*metadata, MessagingBase.metadata]
    if context.is_offline_mode():
        context.configure(
            url=context.config.get_main_option("sqlalchemy.url"),
            target_metadata=target,
            literal_binds=True,
            render_as_batch=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        return

    def run(connection: Connection) -> None:
        context.configure(
            connection=connection,
            target_metadata=target,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            if connection.dialect.name == "postgresql":
                # Replicas starting together migrate one after the other: the next one waits here, then
                # finds the schema current (the lock ends with the migration's transaction).
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:k)"), {"k": lock_key("motcua-migrations")}
                )
            context.run_migrations()

    async def run_async() -> None:
        engine = async_engine_from_config(
            context.config.get_section(context.config.config_ini_section, {}),
            prefix="sqlalchemy.",
            poolclass=pool.NullPool,
        )
        async with engine.connect() as connection:
            await connection.run_sync(run)
        await engine.dispose()

    asyncio.run(run_async())


def create_messaging_tables(op: Operations) -> None:
    """Create the outbox, inbox and dead-letter tables (call from a service's first revision)."""
    MessagingBase.metadata.create_all(bind=op.get_bind())


def drop_messaging_tables(op: Operations) -> None:
    """Drop what :func:`create_messaging_tables` created."""
    MessagingBase.metadata.drop_all(bind=op.get_bind())
