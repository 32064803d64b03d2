"""The platform's Kafka topics. One topic per producing service; the key is the aggregate id."""

from __future__ import annotations

CATALOG = "motcua.catalog.v1"
DOSSIER = "motcua.dossier.v1"
PAYMENT = "motcua.payment.v1"
NOTIFY = "motcua.notify.v1"
IDENTITY = "motcua.identity.v1"

ALL: tuple[str, ...] = (CATALOG, DOSSIER, PAYMENT, NOTIFY, IDENTITY)


def dlq(topic: str) -> str:
    """The dead-letter topic of ``topic``."""
    return f"{topic}.dlq"


PRODUCERS: dict[str, str] = {
    CATALOG: "catalog-svc",
    DOSSIER: "dossier-svc",
    PAYMENT: "payment-svc",
    NOTIFY: "notify-svc",
    IDENTITY: "gateway",
}
"""The one service that publishes on each topic."""


def service_of(topic: str) -> str:
    """The service segment of a topic name (``motcua.<service>.v1``), also the segment of its event types."""
    return topic.split(".")[1]
