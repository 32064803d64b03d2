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
