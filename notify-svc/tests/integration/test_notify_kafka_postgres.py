"""On the real parts: a dossier submitted and received on Apache Kafka, notify-svc on PostgreSQL →
one SMS in the sandbox and one in-app notification each, even when Kafka delivers an event twice."""

from __future__ import annotations

import random
import uuid

import httpx
import pytest
from notify_testkit import TOKENS, FakeClock

from motcua_shared.chassis.bus.base import Message
from motcua_shared.chassis.bus.kafka import KafkaBus
from motcua_shared.chassis.settings import BusSettings, DbSettings
from motcua_shared.contracts import topics
from motcua_shared.contracts.base import CloudEvent
from motcua_shared.contracts.common import Contact
from motcua_shared.contracts.dossier import DossierReceived, DossierSubmitted
from motcua_shared.contracts.examples import examples
from motcua_shared.testing import eventually
from notify_svc.app import create_app
from notify_svc.settings import DispatchSettings, Settings

pytestmark = pytest.mark.integration


async def test_dossier_submitted_on_kafka_texts_and_notifies_once(
    fresh_pg_url: str, kafka_bootstrap: str
) -> None:
    suffix = uuid.uuid4().hex[:6]
    code = f"hue.xa.thuan-hoa-250804-{random.randint(1000, 9999)}{suffix}"
    phone = f"+8490{random.randint(1000000, 9999999)}"
    applicant = f"citizen-{suffix}"
    agency = f"hue.xa.thuan-hoa.{suffix}"
    ex = examples()
    submitted = ex[DossierSubmitted.TYPE].model_copy(
        update={
            "dossier_code": code,
            # An agency of this test's own: the session's broker holds other tests' dossier events, which
            # this new consumer group reads too, so a shared agency's queue would page theirs before ours.
            "agency_code": agency,
            "applicant_id": applicant,
            "applicant": Contact(name="Nguyễn Văn An", phone=phone, email=None),
        }
    )
    received = ex[DossierReceived.TYPE].model_copy(update={"dossier_code": code, "applicant_id": applicant})
    bus_settings = BusSettings(
        kind="kafka", bootstrap_servers=kafka_bootstrap, partitions=4, relay_poll_interval=0.1
    )
    settings = Settings(
        env="test",
        log_json=False,
        service_name=f"notify-it-{suffix}",
        db=DbSettings(url=fresh_pg_url),
        bus=bus_settings,
        dispatch=DispatchSettings(poll_interval=0.1),
    )
    producer = KafkaBus(bus_settings, client_id=f"dossier-it-{suffix}")
    await producer.start()
    # Daytime in Huế, whatever the wall clock says: at night the SMS would rightly wait for 07:00.
    app = create_app(settings, key_source=TOKENS.jwks, configure_logs=False, clock=FakeClock())
    envelopes = [CloudEvent.wrap(e, source="/motcua/dossier") for e in (submitted, received)]
    try:
        await producer.ensure_topics([topics.DOSSIER])
        async with app.router.lifespan_context(app):
            client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://notify")
            async with client:

                async def publish(envelope: CloudEvent) -> None:
                    value = envelope.to_json().encode()
                    await producer.publish([Message(topic=topics.DOSSIER, key=code, value=value)])

                for envelope in envelopes:
                    await publish(envelope)
                await publish(envelopes[1])  # Kafka's at-least-once: the same event again

                async def sms() -> list[dict[str, object]]:
                    response = await client.get("/api/v1/sandbox/sms", params={"phone": phone})
                    return list(response.json()["items"])

                async def texted() -> bool:
                    return len(await sms()) >= 1

                await eventually(texted, what="the SMS in the sandbox", timeout=60)
                consumer = app.state.runtime.consumer

                await eventually(lambda: consumer.duplicates >= 1, what="the duplicate seen", timeout=60)

                async def drained() -> bool:
                    # The session's topic holds other tests' dossier events, which this new group reads
                    # too: whatever they staged is sent as well before the phone's messages are counted.
                    sent: int = await app.state.dispatcher.dispatch_once()
                    return sent == 0

                await eventually(drained, what="every staged delivery sent", timeout=60)
                [message] = await sms()  # one text: the duplicate staged none
                assert message["text"] == (
                    f"Ho so {code} da duoc tiep nhan. Hen tra ket qua 08:35 ngay 05/08/2025. "
                    f"Tra cuu tai {settings.sms_link}"
                )
                inbox = (await client.get("/api/v1/notifications", headers=TOKENS.bearer(applicant))).json()
                assert [i["template"] for i in inbox["items"]] == ["dossier.received", "dossier.submitted"]
                officer = TOKENS.bearer(f"officer-{suffix}", "officer", agency)
                queue = (await client.get("/api/v1/notifications", headers=officer)).json()["items"]
                assert [i["template"] for i in queue if i["dossier_code"] == code] == [
                    "agency.dossier_submitted"
                ]
                log = await client.get(
                    "/api/v1/notifications/deliveries",
                    params={"dossier_code": code},
                    headers=TOKENS.bearer("ops", "admin"),
                )
                [row] = log.json()["items"]
                assert (row["channel"], row["status"], row["segments"]) == ("sms", "sent", 1)
    finally:
        await producer.stop()
