"""VietQR payloads, decoded by a parser written here from the EMVCo layout, not by the builder."""

from __future__ import annotations

import binascii

import pytest

from payment_svc.providers import vietqr


def decode(text: str) -> dict[str, str]:
    """EMVCo TLV: two-digit id, two-digit length, value; repeated to the end."""
    fields: dict[str, str] = {}
    at = 0
    while at < len(text):
        tag, length = text[at : at + 2], int(text[at + 2 : at + 4])
        fields[tag] = text[at + 4 : at + 4 + length]
        at += 4 + length
    assert at == len(text), "trailing bytes"
    return fields


def test_the_payload_decodes_to_what_napas_specifies() -> None:
    payload = vietqr.payload(bank_bin="970415", account="113000118888", amount=38_000, purpose="MC7K2Q9X4D")
    root = decode(payload)
    assert root["00"] == "01"
    assert root["01"] == "12"  # dynamic: it carries an amount
    merchant = decode(root["38"])
    assert merchant["00"] == "A000000727"
    assert merchant["02"] == "QRIBFTTA"
    beneficiary = decode(merchant["01"])
    assert beneficiary == {"00": "970415", "01": "113000118888"}
    assert root["53"] == "704"
    assert root["54"] == "38000"
    assert root["58"] == "VN"
    assert decode(root["62"]) == {"08": "MC7K2Q9X4D"}
    assert list(root)[-1] == "63"


def test_the_crc_is_ccitt_false_over_everything_before_it() -> None:
    payload = vietqr.payload(bank_bin="970436", account="0881000458086", amount=8_000, purpose="MCABCDEFGH")
    body, crc = payload[:-4], payload[-4:]
    assert body.endswith("6304")
    assert crc == f"{binascii.crc_hqx(body.encode(), 0xFFFF):04X}"


def test_the_crc_matches_a_published_vietqr_example() -> None:
    # From the vietqr-parser package's README (pkg.go.dev/github.com/thanhtinhpas1/vietqr-parser).
    published = (
        "00020001021238570010A00000072701270006970436011308810004580860208QRIBFTTA53037045802VN6304CD60"
    )
    assert vietqr.crc16(published[:-4]) == published[-4:]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"bank_bin": "97041", "account": "1", "amount": 1, "purpose": "MC1"}, "BIN"),
        ({"bank_bin": "970415", "account": "1", "amount": 0, "purpose": "MC1"}, "positive"),
        ({"bank_bin": "970415", "account": "1", "amount": 1, "purpose": "phí hồ sơ"}, "purpose"),
    ],
)
def test_bad_inputs_are_refused(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        vietqr.payload(**kwargs)  # type: ignore[arg-type]


def test_images_are_png_and_svg() -> None:
    text = vietqr.payload(bank_bin="970415", account="113000118888", amount=1, purpose="MCX")
    assert vietqr.png(text).startswith(b"\x89PNG\r\n\x1a\n")
    assert b"<svg" in vietqr.svg(text)
