"""VietQR: the NAPAS profile of the EMVCo merchant-presented QR code, for bank transfers to an account.

A payload is a sequence of ``ID LENGTH VALUE`` data objects (two-digit id, two-digit length). NAPAS puts
the beneficiary under ID 38: the VietQR GUID ``A000000727``, the beneficiary bank's BIN and account
(sub-template 01), and the service code ``QRIBFTTA`` (transfer to an account). We add the amount (54),
currency 704 (53), country VN (58), and our payment reference as the purpose of transaction (62/08),
which banking apps copy into the transfer description. ID 63 closes it with a CRC-16/CCITT-FALSE
(polynomial 0x1021, initial value 0xFFFF) over everything before it, ``6304`` included.
"""

from __future__ import annotations

import binascii
import io
import re
from typing import Final

import segno

GUID: Final = "A000000727"
SERVICE_TO_ACCOUNT: Final = "QRIBFTTA"
CURRENCY_VND: Final = "704"
_PURPOSE_CHARS: Final = re.compile(r"^[0-9A-Za-z ]{1,25}$")


def tlv(tag: str, value: str) -> str:
    """One data object; ``value`` must be 1–99 characters."""
    if len(tag) != 2 or not tag.isdigit():
        raise ValueError(f"bad tag {tag!r}")
    if not 1 <= len(value) <= 99:
        raise ValueError(f"value of tag {tag} must be 1-99 characters")
    return f"{tag}{len(value):02d}{value}"


def crc16(data: str) -> str:
    """CRC-16/CCITT-FALSE of ``data`` as four upper-case hex digits (``crc_hqx`` is that CRC from 0xFFFF)."""
    return f"{binascii.crc_hqx(data.encode('utf-8'), 0xFFFF):04X}"


def payload(*, bank_bin: str, account: str, amount: int, purpose: str) -> str:
    """A dynamic VietQR payload asking for ``amount`` VND to ``account`` at the bank ``bank_bin``."""
    if not re.fullmatch(r"[0-9]{6}", bank_bin):
        raise ValueError("a bank BIN is six digits")
    if amount <= 0:
        raise ValueError("a VietQR payment needs a positive amount")
    if not _PURPOSE_CHARS.match(purpose):
        raise ValueError("the purpose must be 1-25 letters, digits or spaces")
    beneficiary = tlv("00", bank_bin) + tlv("01", account)
    merchant = tlv("00", GUID) + tlv("01", beneficiary) + tlv("02", SERVICE_TO_ACCOUNT)
    body = (
        tlv("00", "01")
        + tlv("01", "12")
        + tlv("38", merchant)
        + tlv("53", CURRENCY_VND)
        + tlv("54", str(amount))
        + tlv("58", "VN")
        + tlv("62", tlv("08", purpose))
        + "6304"
    )
    return body + crc16(body)


def png(text: str, *, scale: int = 6) -> bytes:
    """The QR code of ``text`` as PNG."""
    out = io.BytesIO()
    segno.make(text, error="m", micro=False).save(out, kind="png", scale=scale, border=4)
    return out.getvalue()


def svg(text: str, *, scale: int = 6) -> bytes:
    """The QR code of ``text`` as SVG."""
    out = io.BytesIO()
    segno.make(text, error="m", micro=False).save(out, kind="svg", scale=scale, border=4, xmldecl=True)
    return out.getvalue()
