"""Which service owns a public path: the first segment, unless a route names the first two."""

from __future__ import annotations

import pytest

from gateway.routing.table import route_of, service_for


@pytest.mark.parametrize(
    ("path", "route", "service"),
    [
        ("verify/results/abc", "verify/results", "dossier"),
        ("verify/pay-1", "verify", "payment"),
        ("verify", "verify", "payment"),
        ("/verify/results", "verify/results", "dossier"),
        ("dossiers/X-1/documents/result", "dossiers", "dossier"),
        ("nowhere/at/all", "nowhere", None),
        ("audit/dossiers", "audit/dossiers", "dossier"),
        ("audit/webhooks", "audit/webhooks", "notify"),
        ("audit/payments", "audit/payments", "payment"),
        ("audit/procedures", "audit/procedures", "catalog"),
        ("audit/nothing", "audit", None),
    ],
)
def test_the_longer_route_wins(path: str, route: str, service: str | None) -> None:
    assert route_of(path) == route
    assert service_for(path) == service
