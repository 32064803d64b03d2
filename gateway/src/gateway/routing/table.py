"""The public API surface, by service (ARCHITECTURE.md's table)."""

from __future__ import annotations

SERVICES: tuple[str, ...] = ("catalog", "dossier", "payment", "notify")

# First path segment under /api/v1 -> the service that owns it.
ROUTES: dict[str, str] = {
    "procedures": "catalog",
    "agencies": "catalog",
    "fields": "catalog",
    "dossiers": "dossier",
    "lookup": "dossier",
    "calendar": "dossier",
    "stats": "dossier",
    "papers": "dossier",
    "wallet": "dossier",
    "payments": "payment",
    # Paper verification needs only the trust roots; payment-svc also knows the receipts QR codes name.
    "verify": "payment",
    "notifications": "notify",
    "stream": "notify",
    "me": "notify",
    "webhooks": "notify",
    "sandbox": "notify",
}


def service_for(path: str) -> str | None:
    """The service owning ``path`` (a path under ``/api/v1/``), or None."""
    head = path.strip("/").split("/", 1)[0]
    return ROUTES.get(head)
