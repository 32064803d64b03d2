"""Look-up by SMS, the pure parts (smslookup/models.py): messages as citizens type them, the signature."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from dossier_svc.settings import Settings, SmsLookupSettings
from dossier_svc.smslookup.models import PhoneGate, SmsQuery, parse, sign, signature_verifies

CODE = "hue.xa.thuan-hoa-250804-0118"


@pytest.mark.parametrize(
    "text",
    [
        f"TRACUU {CODE} 5678",
        f"tracuu {CODE} 5678",
        f"  Tracuu   {CODE}\t5678  ",
        f"TRA CUU {CODE} 5678",
        f"Tra cứu {CODE} 5678",
        f"TRA CỨU {CODE}, 5678.",
        f"TRACUU;{CODE};5678",
    ],
)
def test_a_look_up_reads_alike_however_it_is_typed(text: str) -> None:
    assert parse(text) == SmsQuery(CODE, "5678")


def test_the_code_is_kept_as_typed_and_the_receipts_secret_is_a_proof_too() -> None:
    assert parse("TRACUU hue.xa.phu-xuan-250804-0118 k7q2m9x4") == SmsQuery(
        "hue.xa.phu-xuan-250804-0118", "k7q2m9x4"
    )


@pytest.mark.parametrize(
    "text",
    [
        "",
        "TRACUU",
        f"TRACUU {CODE}",
        f"TRACUU {CODE} 5678 them",
        f"HOSO {CODE} 5678",
        f"{CODE} 5678",
        f"TRACUUX {CODE} 5678",
        "TRACUU " + "9" * 97 + " 5678",
    ],
)
def test_anything_else_is_not_a_look_up(text: str) -> None:
    assert parse(text) is None


def test_the_signature_covers_the_timestamp_and_the_body() -> None:
    key, body = b"k", b'{"text":"TRACUU"}'
    good = sign(key, "1754300000", body)
    assert good.startswith("sha256=")
    assert len(good) == 7 + 64
    assert signature_verifies(key, "1754300000", good, body)
    assert not signature_verifies(key, "1754300001", good, body)
    assert not signature_verifies(key, "1754300000", good, body + b" ")
    assert not signature_verifies(b"other", "1754300000", good, body)
    assert not signature_verifies(key, None, good, body)
    assert not signature_verifies(key, "1754300000", None, body)
    assert not signature_verifies(key, "-1", sign(key, "-1", body), body)


async def test_a_phone_gets_its_burst_then_waits_and_a_message_counts_once() -> None:
    gate = PhoneGate(SmsLookupSettings(per_phone_burst=2, per_phone_per_hour=1))
    assert [await gate.admit("+84905123456") for _ in range(3)] == [True, True, False]
    assert await gate.admit("+84912345678")
    assert await gate.first_time("mo-1")
    assert not await gate.first_time("mo-1")
    assert await gate.first_time("mo-2")


def test_production_refuses_the_development_key() -> None:
    with pytest.raises(ValidationError, match="DOSSIER_LOOKUP__SMS__SECRET"):
        Settings(env="production", db={"url": "postgresql+asyncpg://dossier@db/dossier"})
