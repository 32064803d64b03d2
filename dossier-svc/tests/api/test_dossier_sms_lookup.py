"""Look-up by SMS over ASGI: the provider's signed webhook, the sandbox phone, and what each refuses."""

from __future__ import annotations

import json
import time
from typing import Any

from dossier_testkit import Harness, HarnessFactory, problem

from dossier_svc.smslookup.models import sign

INBOUND = "/api/v1/lookup/sms/inbound"
SANDBOX = "/api/v1/lookup/sms/sandbox"


def signed(harness: Harness, payload: dict[str, Any], *, at: float | None = None) -> dict[str, Any]:
    """``payload`` as the provider posts it: the raw body and its timestamp and signature headers."""
    body = json.dumps(payload, ensure_ascii=False).encode()
    timestamp = str(int(at if at is not None else time.time()))
    key = harness.settings.lookup.sms.secret.get_secret_value().encode()
    return {
        "content": body,
        "headers": {
            "Content-Type": "application/json",
            "X-Timestamp": timestamp,
            "X-Signature": sign(key, timestamp, body),
        },
    }


async def test_the_provider_posts_a_look_up_and_the_answer_is_an_event(harness: Harness) -> None:
    dossier = await harness.submit()
    code = dossier["code"]
    right = {"message_id": "mo-1", "phone": "84905123456", "text": f"tracuu {code} 5678"}
    response = await harness.client.post(INBOUND, **signed(harness, right))
    assert response.status_code == 200, response.text
    assert response.json() == {"message_id": "mo-1", "status": "answered"}
    again = await harness.client.post(INBOUND, **signed(harness, right))
    assert again.json() == {"message_id": "mo-1", "status": "duplicate"}
    wrong = {"message_id": "mo-2", "phone": "0905123456", "text": f"TRACUU {code} 0000"}
    assert (await harness.client.post(INBOUND, **signed(harness, wrong))).json()["status"] == "answered"
    found, refused = await harness.events("answered")
    assert found["type"] == "vn.motcua.dossier.lookup.answered.v1"
    assert (found["phone"], found["outcome"], found["dossier_code"]) == ("+84905123456", "found", code)
    assert found["status_label"] == "Mới đăng ký"
    assert found["next_step"] == "Chờ cơ quan tiếp nhận hồ sơ."
    assert (refused["outcome"], refused["dossier_code"], refused["status_label"]) == ("not_found", None, None)


async def test_a_bad_signature_or_an_old_timestamp_is_a_403_problem_and_changes_nothing(
    harness: Harness,
) -> None:
    dossier = await harness.submit()
    payload = {"message_id": "mo-1", "phone": "0905123456", "text": f"TRACUU {dossier['code']} 5678"}
    unsigned = await harness.client.post(INBOUND, json=payload)
    body = problem(unsigned, 403)
    assert body["type"].endswith("/bad-sms-signature")
    forged = signed(harness, payload)
    forged["headers"]["X-Signature"] = "sha256=" + "0" * 64
    problem(await harness.client.post(INBOUND, **forged), 403)
    tampered = signed(harness, payload)
    tampered["content"] = tampered["content"].replace(b"5678", b"0000")
    problem(await harness.client.post(INBOUND, **tampered), 403)
    old = signed(harness, payload, at=time.time() - 600)
    replayed = problem(await harness.client.post(INBOUND, **old), 403)
    assert replayed["type"].endswith("/stale-sms-message")
    assert await harness.events("answered") == []
    fresh = await harness.client.post(INBOUND, **signed(harness, payload))
    assert fresh.json()["status"] == "answered", "nothing was spent by the refusals"


async def test_the_sandbox_phone_sends_as_the_provider_and_says_where_replies_arrive(
    harness: Harness,
) -> None:
    dossier = await harness.submit()
    text = f"TRACUU {dossier['code']} 5678"
    sent = await harness.client.post(SANDBOX, json={"phone": "0905123456", "text": text})
    assert sent.status_code == 200, sent.text
    out = sent.json()
    assert out["status"] == "answered"
    assert out["message_id"].startswith("sbx-mo-")
    assert out["replies"] == "/api/v1/sandbox/sms?phone=0905123456"
    (answer,) = await harness.events("answered")
    assert (answer["message_id"], answer["outcome"]) == (out["message_id"], "found")


async def test_there_is_no_sandbox_phone_in_production(make_harness: HarnessFactory) -> None:
    harness: Harness = await make_harness()
    harness.ports.settings.__dict__["env"] = "production"
    assert harness.settings.sandbox_enabled is False
    problem(await harness.client.post(SANDBOX, json={"phone": "0905123456", "text": "TRACUU"}), 404)
