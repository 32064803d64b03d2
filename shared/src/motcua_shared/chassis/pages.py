"""Lists: one page model, ``{"items": [...], "total": n, "next_cursor": ...}``, and one opaque cursor.

A cursor is the position after the last item of a page (an id, an offset, a ``(created_at, id)`` pair…)
as compact JSON in unpadded URL-safe base64: clients pass it back as it is and never build one.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from typing import Annotated, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from motcua_shared.chassis.errors import Unprocessable

ItemT = TypeVar("ItemT")
PositionT = TypeVar("PositionT")
RowT = TypeVar("RowT")

CURSOR_MAX_LENGTH = 200

CursorQuery = Annotated[
    str | None,
    Query(
        max_length=CURSOR_MAX_LENGTH,
        description="The previous page's `next_cursor`, as it was given; absent for the first page.",
    ),
]
"""The ``cursor`` query parameter of a listing."""


class Page(BaseModel, Generic[ItemT]):
    """A page of a list: its items, how many there are in all, and the cursor of the next page (``null``
    on the last). A listing's response model subclasses ``Page[ItsItem]`` (naming it, and adding what
    that list says besides); a use case may return a ``Page`` of rows to its router."""

    # A use case's page holds rows (ORM objects), which are checked by type only.
    model_config = ConfigDict(arbitrary_types_allowed=True)

    items: list[ItemT]
    total: int
    next_cursor: str | None


class InvalidCursor(Unprocessable):
    """A cursor that is not one this listing gave."""

    def __init__(self) -> None:
        super().__init__(
            "Con trỏ phân trang không hợp lệ.",
            errors=[{"field": "cursor", "in": "query", "message": "invalid", "code": "cursor"}],
        )


class Cursor(Generic[PositionT]):
    """The codec of one listing's cursors, whose positions are ``PositionT`` (``Cursor(TypeAdapter(int))``,
    ``Cursor(TypeAdapter(tuple[datetime, str]))``)."""

    def __init__(self, position: TypeAdapter[PositionT]) -> None:
        self._position = position

    def encode(self, position: PositionT) -> str:
        """The opaque cursor of ``position``."""
        return base64.urlsafe_b64encode(self._position.dump_json(position)).rstrip(b"=").decode("ascii")

    def decode(self, cursor: str | None) -> PositionT | None:
        """The position ``cursor`` names, None without one; :class:`InvalidCursor` (422) when it is not
        one of this listing's."""
        if not cursor:
            return None
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
            return self._position.validate_json(raw)
        except (ValueError, binascii.Error, ValidationError):
            raise InvalidCursor() from None

    def cut(
        self, rows: Sequence[RowT], limit: int, position: Callable[[RowT], PositionT]
    ) -> tuple[list[RowT], str | None]:
        """The first ``limit`` of ``rows``, read ``limit + 1`` to learn whether more follow, and the cursor
        after the last of them when more do."""
        kept = list(rows[:limit])
        more = len(rows) > limit and bool(kept)
        return kept, self.encode(position(kept[-1])) if more else None
