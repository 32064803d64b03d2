"""Every query on templates."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from notify_svc.sql import insert_ignoring_duplicates
from notify_svc.templates.models import Template


class TemplateRepository:
    """Versions of templates."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def current(self, code: str, channel: str) -> Template | None:
        """The highest version of (code, channel)."""
        return await self._session.scalar(
            select(Template)
            .where(Template.code == code, Template.channel == channel)
            .order_by(Template.version.desc())
            .limit(1)
        )

    async def versions(self, code: str, channel: str) -> Sequence[Template]:
        """Every version of (code, channel), newest first."""
        return (
            await self._session.scalars(
                select(Template)
                .where(Template.code == code, Template.channel == channel)
                .order_by(Template.version.desc())
            )
        ).all()

    async def all_current(self) -> Sequence[Template]:
        """The current version of every (code, channel)."""
        latest = (
            select(Template.code, Template.channel, func.max(Template.version).label("version"))
            .group_by(Template.code, Template.channel)
            .subquery()
        )
        return (
            await self._session.scalars(
                select(Template)
                .join(
                    latest,
                    (Template.code == latest.c.code)
                    & (Template.channel == latest.c.channel)
                    & (Template.version == latest.c.version),
                )
                .order_by(Template.code, Template.channel)
            )
        ).all()

    async def existing_keys(self) -> set[tuple[str, str]]:
        """Every (code, channel) that has a version."""
        rows = await self._session.execute(select(Template.code, Template.channel).distinct())
        return {(r.code, r.channel) for r in rows}

    async def add_if_missing(self, values: dict[str, Any]) -> bool:
        """Insert a version unless it exists (replicas seeding at once); True if inserted."""
        result = await self._session.execute(insert_ignoring_duplicates(self._session, Template, values))
        return bool(getattr(result, "rowcount", 0))

    def add(self, template: Template) -> None:
        """Stage a new version."""
        self._session.add(template)
