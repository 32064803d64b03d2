"""The one Idempotency-Key: required and bounded, a canonical request fingerprint, a record that refuses
another request under its key."""

import hashlib
import json

import pytest

from motcua_shared.chassis.idempotency import (
    KEY_MAX_LENGTH,
    IdempotencyKeyMissing,
    IdempotencyKeyReused,
    IdempotencyRecordMixin,
    fingerprint,
    idempotency_key,
)


async def test_the_key_is_required_and_bounded() -> None:
    assert await idempotency_key(" k-1 ") == "k-1"
    assert await idempotency_key("k" * KEY_MAX_LENGTH) == "k" * KEY_MAX_LENGTH
    for refused in (None, "", "   ", "k" * (KEY_MAX_LENGTH + 1)):
        with pytest.raises(IdempotencyKeyMissing) as missing:
            await idempotency_key(refused)
        assert missing.value.status == 400
        assert missing.value.type.endswith("/idempotency-key-missing")


def test_a_fingerprint_ignores_key_order_and_keeps_vietnamese_as_utf8() -> None:
    one = fingerprint({"reason": "Hoàn phí", "amount": 8000})
    assert one == fingerprint({"amount": 8000, "reason": "Hoàn phí"})
    canonical = json.dumps({"amount": 8000, "reason": "Hoàn phí"}, sort_keys=True, ensure_ascii=False)
    assert one == hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    assert one != fingerprint({"amount": 8001, "reason": "Hoàn phí"})


def test_a_record_replays_its_own_request_and_refuses_another() -> None:
    record = IdempotencyRecordMixin()
    record.fingerprint = fingerprint({"payment_id": "pay-1"})
    record.replays(fingerprint({"payment_id": "pay-1"}))
    with pytest.raises(IdempotencyKeyReused) as reused:
        record.replays(fingerprint({"payment_id": "pay-2"}))
    assert reused.value.status == 409
    assert reused.value.type.endswith("/idempotency-key-reused")
