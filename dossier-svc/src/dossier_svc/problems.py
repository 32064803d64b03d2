"""OpenAPI descriptions of the problem+json answers the routes give."""

from __future__ import annotations

from typing import Any

_PROBLEM: dict[str, Any] = {
    "content": {
        "application/problem+json": {
            "schema": {
                "type": "object",
                "properties": {
                    "type": {"type": "string"},
                    "title": {"type": "string"},
                    "status": {"type": "integer"},
                    "detail": {"type": "string"},
                    "errors": {"type": "array", "items": {"type": "object"}},
                },
            }
        }
    }
}

PROBLEMS: dict[int | str, dict[str, Any]] = {
    status: {"description": description, **_PROBLEM}
    for status, description in (
        (400, "Bad request"),
        (401, "No valid token"),
        (403, "Not allowed for this role or party"),
        (404, "Not found, or not the caller's"),
        (409, "Not allowed in the dossier's current state"),
        (413, "File too large"),
        (415, "File type not accepted"),
        (422, "Invalid input"),
        (429, "Too many requests"),
    )
}
