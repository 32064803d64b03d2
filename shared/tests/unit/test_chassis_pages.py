"""One page model and one opaque cursor: positions round-trip, foreign cursors are a 422, pages are cut."""

from datetime import UTC, datetime

import pytest
from pydantic import NonNegativeInt, TypeAdapter

from motcua_shared.chassis.pages import Cursor, InvalidCursor, Page

AT = datetime(2025, 8, 4, 1, 15, 30, 123456, tzinfo=UTC)
PAIRS = Cursor(TypeAdapter(tuple[datetime, str]))
OFFSETS = Cursor(TypeAdapter(NonNegativeInt))


def test_a_position_round_trips_through_an_opaque_url_safe_cursor() -> None:
    cursor = PAIRS.encode((AT, "pay-01"))
    assert "=" not in cursor
    assert "pay-01" not in cursor
    assert PAIRS.decode(cursor) == (AT, "pay-01")
    assert OFFSETS.decode(OFFSETS.encode(40)) == 40
    assert OFFSETS.decode(None) is None
    assert OFFSETS.decode("") is None


@pytest.mark.parametrize(
    ("codec", "cursor"),
    [(PAIRS, "abc"), (PAIRS, "%%%"), (PAIRS, OFFSETS.encode(3)), (OFFSETS, "LTE"), (OFFSETS, "bnVsbA")],
)
def test_a_cursor_that_is_not_the_listings_own_is_a_422(codec: Cursor[object], cursor: str) -> None:
    with pytest.raises(InvalidCursor) as refused:
        codec.decode(cursor)
    assert refused.value.status == 422
    assert refused.value.errors == [
        {"field": "cursor", "in": "query", "message": "invalid", "code": "cursor"}
    ]


def test_a_page_read_one_long_says_where_the_next_starts() -> None:
    rows, following = OFFSETS.cut([5, 4, 3], 2, lambda r: r)
    assert rows == [5, 4]
    assert OFFSETS.decode(following) == 4
    assert OFFSETS.cut([5, 4], 2, lambda r: r) == ([5, 4], None)
    assert OFFSETS.cut([], 2, lambda r: r) == ([], None)


def test_a_page_serialises_with_the_platforms_field_names() -> None:
    class Numbers(Page[int]):
        """A page of numbers."""

    page = Numbers(items=[1, 2], total=3, next_cursor=OFFSETS.encode(2))
    assert set(page.model_dump()) == {"items", "total", "next_cursor"}
