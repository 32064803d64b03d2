"""OpenAPI descriptions of the problem+json answers the routes give."""

from __future__ import annotations

from typing import Any

_PROBLEM: dict[str, Any] = {"application/problem+json": {"schema": {"type": "object"}}}

PROBLEMS: dict[int | str, dict[str, Any]] = {
    status: {"description": description, "content": _PROBLEM}
    for status, description in (
        (401, "Not authenticated"),
        (403, "Not allowed"),
        (404, "Not found"),
        (409, "Conflicts with the current state"),
        (422, "Invalid input (one entry per invalid field in `errors`)"),
    )
}
