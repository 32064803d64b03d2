"""The ``Idempotency-Key`` of a POST that creates money or a dossier: same key and body, same answer;
same key, another body, 409; no key, 400.

A route takes :data:`IdempotencyKeyDep` (and documents the header with
:func:`motcua_shared.chassis.openapi.idempotent`); its use case fingerprints the request with
:func:`fingerprint`, looks up the caller's record of the key (a table of the service's own, with the
columns of :class:`IdempotencyRecordMixin`), and either answers as the record says (:meth:`replays`
refuses another body) or does the work and writes the record in the same transaction.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Header
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from motcua_shared.chassis.db import UtcDateTime
from motcua_shared.chassis.errors import PROBLEM_BASE, Conflict, DomainError
from motcua_shared.chassis.openapi import IDEMPOTENCY_KEY

KEY_MAX_LENGTH = 255


class IdempotencyKeyMissing(DomainError):
    """A POST that needs an ``Idempotency-Key`` came without one (or with one too long)."""

    status = 400
    type = PROBLEM_BASE + "idempotency-key-missing"
    title = "Thiếu Idempotency-Key"
    title_en = "Idempotency-Key missing"

    def __init__(self) -> None:
        super().__init__(
            f"Yêu cầu này cần tiêu đề Idempotency-Key (1–{KEY_MAX_LENGTH} ký tự).",
            errors=[{"field": IDEMPOTENCY_KEY, "in": "header", "message": "required"}],
        )


class IdempotencyKeyReused(Conflict):
    """The same ``Idempotency-Key`` came with another request."""

    type = PROBLEM_BASE + "idempotency-key-reused"
    title = "Idempotency-Key đã được dùng cho yêu cầu khác"
    title_en = "Idempotency-Key used for another request"

    def __init__(self) -> None:
        super().__init__("Idempotency-Key này đã được dùng cho một yêu cầu khác.")


async def idempotency_key(
    key: Annotated[str | None, Header(alias=IDEMPOTENCY_KEY, include_in_schema=False)] = None,
) -> str:
    """The request's ``Idempotency-Key``, required (:class:`IdempotencyKeyMissing`, a 400, without one)."""
    key = key.strip() if key is not None else ""
    if not 1 <= len(key) <= KEY_MAX_LENGTH:
        raise IdempotencyKeyMissing()
    return key


IdempotencyKeyDep = Annotated[str, Depends(idempotency_key)]


def fingerprint(request: dict[str, Any]) -> str:
    """What makes two requests under one key the same request: the SHA-256 of ``request`` as canonical
    JSON (keys sorted, UTF-8; values JSON cannot hold by their ``str``)."""
    canonical = json.dumps(request, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class IdempotencyRecordMixin:
    """The columns of a remembered key: whose, which, the request's :func:`fingerprint` and when. A
    service's record table adds what a replay answers from (and any scope of the key, in its primary key)."""

    subject: Mapped[str] = mapped_column(String(128), primary_key=True)
    key: Mapped[str] = mapped_column(String(KEY_MAX_LENGTH), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)

    def replays(self, fingerprint: str) -> None:
        """Check that a request with ``fingerprint`` is the one this key was used for: it gets the same
        answer; another request is refused (:class:`IdempotencyKeyReused`, a 409)."""
        if self.fingerprint != fingerprint:
            raise IdempotencyKeyReused()
