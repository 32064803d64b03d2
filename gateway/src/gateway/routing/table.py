"""The public API surface, by service (ARCHITECTURE.md's table)."""

from __future__ import annotations

SERVICES: tuple[str, ...] = ("catalog", "dossier", "payment", "notify")

# First path segment (or first two, which win) under /api/v1 -> the service that owns it.
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
    # ...and dossier-svc the results it signed.
    "verify/results": "dossier",
    "notifications": "notify",
    "stream": "notify",
    "me": "notify",
    "webhooks": "notify",
    "sandbox": "notify",
    # Each service keeps the audit trail of the personal data it holds (motcua_shared.chassis.audit).
    "audit/dossiers": "dossier",
    "audit/webhooks": "notify",
    "audit/payments": "payment",
    # ...and catalog-svc the admins' changes to the catalogue (an admin power, no personal data).
    "audit/procedures": "catalog",
}


def route_of(path: str) -> str:
    """The key of :data:`ROUTES` that ``path`` (a path under ``/api/v1/``) falls under: its first two segments
    when a route names them, else its first (which may name no route)."""
    parts = path.strip("/").split("/", 2)
    two = "/".join(parts[:2])
    return two if len(parts) > 1 and two in ROUTES else parts[0]


def service_for(path: str) -> str | None:
    """The service owning ``path`` (a path under ``/api/v1/``), or None."""
    return ROUTES.get(route_of(path))
