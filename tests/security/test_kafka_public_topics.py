"""Integrators on Kafka read the public topics and nothing else, on a broker that enforces ACLs.

A dedicated broker runs the StandardAuthorizer with ``allow.everyone.if.no.acl.found=false`` and a SASL
listener; the ACLs are those SECURITY.md tells an operator to set (an integrator: Read on the
``motcua.public.`` prefix and on groups under its own prefix; dossier-svc: Write on its internal and public
topics). dossier-svc's outbox relay, signed in as ``dossier``, publishes a submission; the integrator, signed
in as ``portal``, reads it on ``motcua.public.dossier.v1`` without the applicant's contact, and is refused the
internal topic, writing to the public one, and a group outside its prefix.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.errors import GroupAuthorizationFailedError, TopicAuthorizationFailedError
from kafka.admin import (
    ACL,
    ACLOperation,
    ACLPermissionType,
    ACLResourcePatternType,
    KafkaAdminClient,
    ResourcePattern,
    ResourceType,
)
from pydantic import SecretStr

from motcua.infra.kafka import KafkaBroker
from motcua.infra.ports import free_ports
from motcua_shared.chassis.bus.kafka import KafkaBus
from motcua_shared.chassis.db import Database
from motcua_shared.chassis.messaging.outbox import OutboxRelay
from motcua_shared.chassis.settings import BusSettings
from motcua_shared.chassis.uow import UnitOfWork
from motcua_shared.contracts import topics
from motcua_shared.contracts.base import CloudEvent
from motcua_shared.contracts.dossier import DossierSubmitted
from motcua_shared.contracts.examples import examples
from motcua_shared.testing import PERSONAL_VALUES, eventually, messaging_db

pytestmark = pytest.mark.integration

PASSWORDS = {"dossier": "dossier-secret", "portal": "portal-secret"}
"""The SASL/PLAIN users the broker knows (a deployment would use SCRAM and a secret store)."""


def _acls() -> list[ACL]:
    """The ACLs of SECURITY.md for the integrator ``portal`` and for dossier-svc."""

    def allow(principal: str, operation: ACLOperation, kind: ResourceType, name: str, prefixed: bool) -> ACL:
        pattern = ACLResourcePatternType.PREFIXED if prefixed else ACLResourcePatternType.LITERAL
        return ACL(
            principal=f"User:{principal}",
            host="*",
            operation=operation,
            permission_type=ACLPermissionType.ALLOW,
            resource_pattern=ResourcePattern(kind, name, pattern),
        )

    integrator = [
        allow("portal", ACLOperation.READ, ResourceType.TOPIC, "motcua.public.", True),
        allow("portal", ACLOperation.DESCRIBE, ResourceType.TOPIC, "motcua.public.", True),
        allow("portal", ACLOperation.READ, ResourceType.GROUP, "integrator-portal.", True),
    ]
    service = [
        allow("dossier", operation, ResourceType.TOPIC, topic, False)
        for topic in (topics.DOSSIER, topics.PUBLIC_DOSSIER)
        for operation in (ACLOperation.WRITE, ACLOperation.DESCRIBE, ACLOperation.CREATE)
    ]
    return integrator + service


@pytest.fixture
def broker(kafka_broker_factory: Callable[..., KafkaBroker]) -> tuple[KafkaBroker, str]:
    """A broker enforcing ACLs: PLAINTEXT for the operator (a super user), SASL for everyone else."""
    port, sasl_port, controller_port = free_ports(3)
    users = " ".join(f'user_{name}="{password}"' for name, password in PASSWORDS.items())
    started = kafka_broker_factory(
        port=port,
        controller_port=controller_port,
        partitions=2,
        properties={
            "listeners": (
                f"PLAINTEXT://127.0.0.1:{port},SASL_PLAINTEXT://127.0.0.1:{sasl_port},"
                f"CONTROLLER://127.0.0.1:{controller_port}"
            ),
            "advertised.listeners": f"PLAINTEXT://127.0.0.1:{port},SASL_PLAINTEXT://127.0.0.1:{sasl_port}",
            "listener.security.protocol.map": (
                "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT"
            ),
            "sasl.enabled.mechanisms": "PLAIN",
            "listener.name.sasl_plaintext.plain.sasl.jaas.config": (
                f"org.apache.kafka.common.security.plain.PlainLoginModule required {users};"
            ),
            "authorizer.class.name": "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
            "allow.everyone.if.no.acl.found": "false",
            # The operator's listener, the inter-broker and controller connections: unauthenticated here.
            "super.users": "User:ANONYMOUS",
        },
    )
    admin = KafkaAdminClient(bootstrap_servers=started.bootstrap, client_id="operator")
    try:
        result = admin.create_acls(_acls())
        assert not result["failed"], result["failed"]
    finally:
        admin.close()
    return started, f"127.0.0.1:{sasl_port}"


def _as(user: str, bootstrap: str) -> BusSettings:
    return BusSettings(
        kind="kafka",
        bootstrap_servers=bootstrap,
        partitions=2,
        security_protocol="SASL_PLAINTEXT",
        sasl_mechanism="PLAIN",
        sasl_username=user,
        sasl_password=SecretStr(PASSWORDS[user]),
    )


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await messaging_db(tmp_path / "dossier.db")
    yield database
    await database.dispose()


async def _read_one(options: dict[str, Any], topic: str, group: str) -> bytes:
    consumer = AIOKafkaConsumer(topic, **options, group_id=group, auto_offset_reset="earliest")
    try:
        await consumer.start()
        async with asyncio.timeout(60):
            message = await consumer.getone()
    finally:
        await consumer.stop()
    value = message.value
    assert isinstance(value, bytes)
    return value


async def test_an_integrator_reads_the_public_topic_only(
    broker: tuple[KafkaBroker, str], db: Database
) -> None:
    _, sasl = broker
    submitted = examples()[DossierSubmitted.TYPE]
    async with UnitOfWork(db, source="/motcua/dossier") as uow:
        sent = uow.outbox.add(submitted)
        await uow.commit()
    bus = KafkaBus(_as("dossier", sasl), client_id="dossier")
    relay = OutboxRelay(db, bus, service="dossier", public=topics.PUBLIC)
    try:
        await eventually(relay.relay_once, what="the dossier's events published as dossier", timeout=60)
    finally:
        await relay.stop()
        await bus.stop()

    portal = _as("portal", sasl).client_options()
    group = f"integrator-portal.{uuid.uuid4().hex[:6]}"
    public = await _read_one(portal, topics.PUBLIC_DOSSIER, group)
    event = CloudEvent.from_json(public)
    assert (event.id, event.type, event.subject) == (sent.id, sent.type, sent.subject)
    assert PERSONAL_VALUES.search(public.decode()) is None, public
    assert PERSONAL_VALUES.search(sent.to_json()), "the internal event carries the contact"

    with pytest.raises(TopicAuthorizationFailedError):
        await _read_one(portal, topics.DOSSIER, f"integrator-portal.{uuid.uuid4().hex[:6]}")
    with pytest.raises(GroupAuthorizationFailedError):
        await _read_one(portal, topics.PUBLIC_DOSSIER, f"dossier-{uuid.uuid4().hex[:6]}")
    producer = AIOKafkaProducer(**portal, request_timeout_ms=10000)
    try:
        await producer.start()
        with pytest.raises(TopicAuthorizationFailedError):
            await producer.send_and_wait(topics.PUBLIC_DOSSIER, b"{}", key=b"forged")
    finally:
        await producer.stop()
