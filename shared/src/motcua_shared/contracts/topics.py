"""The platform's Kafka topics. One topic per producing service; the key is the aggregate id.

The services' topics (:data:`ALL`) are internal: they carry what the services need of one another, personal
data included. Integrators read the public topics (:data:`PUBLIC`): the same events, with the same ids,
personal data removed (:mod:`motcua_shared.contracts.public`). A broker's ACLs let an integrator's principal
read the public topics and nothing else.
"""

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


PUBLIC_DOSSIER = "motcua.public.dossier.v1"
PUBLIC_PAYMENT = "motcua.public.payment.v1"

PUBLIC: dict[str, str] = {DOSSIER: PUBLIC_DOSSIER, PAYMENT: PUBLIC_PAYMENT}
"""The public twin of each internal topic integrators may follow: its events without personal data, published
by the same service's outbox relay. The identity topic has none (it carries secrets); the catalogue's
procedures are public through the HTTP API; notify's delivery events concern citizens only."""


def service_of(topic: str) -> str:
    """The service segment of a topic name (``motcua.<service>.v1``, ``motcua.public.<service>.v1``), also the
    segment of its event types."""
    return topic.split(".")[-2]
