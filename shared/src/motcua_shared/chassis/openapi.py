"""Conventions of the platform's OpenAPI documents that code generators rely on."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any

from fastapi.routing import APIRoute
from pydantic import BeforeValidator

_NOT_A_NAME = re.compile(r"[^0-9a-z]+")


def operation_id(route: APIRoute) -> str:
    """``resource.verb``: the route's first tag (its resource) and its name (the endpoint function's).

    Stable across refactors that keep the tag and the name, and unique across the gateway's merged
    document (a test checks); a route whose function name is a poor verb sets ``operation_id`` itself,
    in the same form.
    """
    verb = _NOT_A_NAME.sub("_", route.name.lower()).strip("_")
    if not route.tags:
        return verb
    resource = _NOT_A_NAME.sub("_", str(route.tags[0]).lower()).strip("_")
    return f"{resource}.{verb}"


IDEMPOTENCY_KEY = "Idempotency-Key"
IDEMPOTENT_REPLAYED = "Idempotent-Replayed"

RESPONSE_HEADERS: dict[str, dict[str, Any]] = {
    "X-Request-ID": {
        "description": "The request's id (the caller's, or one minted); quote it when reporting a problem.",
        "schema": {"type": "string"},
        "example": "5f0c9a4e2b7d4c1e9a3f6d8b0c2e4f61",
    },
    "Retry-After": {
        "description": "Seconds to wait before trying again.",
        "schema": {"type": "integer", "minimum": 0},
        "example": 30,
    },
    IDEMPOTENT_REPLAYED: {
        "description": "`true` when this is the stored answer to an earlier request with the same "
        "Idempotency-Key (nothing was done again).",
        "schema": {"type": "string", "enum": ["true"]},
    },
    "Location": {
        "description": "Where the created resource is.",
        "schema": {"type": "string"},
        "example": "/api/v1/dossiers/000.00.14.H57-261206-0001",
    },
    "Content-Disposition": {
        "description": "The file's name, for saving it.",
        "schema": {"type": "string"},
        "example": 'attachment; filename="bien-nhan.pdf"',
    },
}
"""Every response header the platform documents (the gateway exposes them all to browsers through CORS)."""


def response_headers(*names: str) -> dict[str, dict[str, Any]]:
    """The ``headers`` of an OpenAPI response that carries ``names`` (from :data:`RESPONSE_HEADERS`)."""
    return {name: RESPONSE_HEADERS[name] for name in names}


def idempotent(
    *, max_length: int, status: int, headers: tuple[str, ...] = (), replays: bool = True
) -> dict[str, Any]:
    """``openapi_extra`` of an operation that requires an ``Idempotency-Key`` (a 400 problem without one)
    and answers ``status`` with ``headers`` (and ``Idempotent-Replayed: true`` to a replay if it ``replays``).

    The operation reads the header itself with ``include_in_schema=False``: declared as a required FastAPI
    parameter its absence would be a 422, where the key's draft standard and our clients expect 400.
    """
    answered = (*headers, IDEMPOTENT_REPLAYED) if replays else headers
    return {
        "parameters": [
            {
                "name": IDEMPOTENCY_KEY,
                "in": "header",
                "required": True,
                "description": "A unique key per intended operation (a UUID): a retry with the same key and "
                "body gets the first answer again, the same key with another body a 409.",
                "schema": {"type": "string", "minLength": 1, "maxLength": max_length},
                "example": "0b6a1f0e-3c1d-4a57-9a0e-5d8f2c7b9e14",
            }
        ],
        "responses": {str(status): {"headers": response_headers(*answered)}},
    }


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}")


def _rfc3339(pattern: re.Pattern[str], example: str) -> Callable[[object], object]:
    def check(value: object) -> object:
        if isinstance(value, str) and not pattern.match(value):
            raise ValueError(f"expected RFC 3339, e.g. {example}")
        return value

    return check


IsoDate = Annotated[date, BeforeValidator(_rfc3339(_DATE, "2026-12-06"))]
"""A date given as the document says (``format: date``): pydantic alone also takes ``0`` as 1970-01-01."""

IsoDateTime = Annotated[datetime, BeforeValidator(_rfc3339(_DATE_TIME, "2026-12-06T09:00:00+07:00"))]
"""A date-time given as the document says (``format: date-time``), not a Unix timestamp."""
