"""SMS text: Vietnamese without diacritics, the GSM-7 / UCS-2 choice and the segment count.

A single SMS carries 160 GSM-7 septets or 70 UCS-2 code units; a concatenated one loses room to its user
data header, leaving 153 and 67 per part. GSM-7 extension characters take two septets, and neither an
escape pair nor a UTF-16 surrogate pair is split across parts.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Literal

_GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENSION = frozenset("^{}\\[~]|€\f")

_VIETNAMESE_SPECIAL = str.maketrans({"đ": "d", "Đ": "D"})

Encoding = Literal["gsm7", "ucs2"]


def strip_diacritics(text: str) -> str:
    """``Hồ sơ đã được tiếp nhận`` → ``Ho so da duoc tiep nhan`` (đ has no combining form, so mapped)."""
    decomposed = unicodedata.normalize("NFD", text.translate(_VIETNAMESE_SPECIAL))
    kept = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return unicodedata.normalize("NFC", kept)


def is_gsm7(text: str) -> bool:
    """Whether every character fits the GSM 03.38 default alphabet or its extension table."""
    return all(ch in _GSM_BASIC or ch in _GSM_EXTENSION for ch in text)


@dataclass(frozen=True, slots=True)
class SmsText:
    """A message as it will be sent."""

    text: str
    encoding: Encoding
    segments: int
    units: int


def _pack(costs: list[int], single: int, multi: int) -> int:
    total = sum(costs)
    if total <= single:
        return 1
    segments, used = 1, 0
    for cost in costs:
        if used + cost > multi:
            segments += 1
            used = 0
        used += cost
    return segments


def measure(text: str) -> SmsText:
    """The encoding an SMS of ``text`` needs and how many segments it takes."""
    if not text:
        return SmsText(text, "gsm7", 1, 0)
    if is_gsm7(text):
        costs = [2 if ch in _GSM_EXTENSION else 1 for ch in text]
        return SmsText(text, "gsm7", _pack(costs, 160, 153), sum(costs))
    costs = [2 if ord(ch) > 0xFFFF else 1 for ch in text]
    return SmsText(text, "ucs2", _pack(costs, 70, 67), sum(costs))


MAX_SEGMENTS = 2
"""What one notification may cost: two segments (every default template fits, tested)."""


def prepare(text: str, *, strip: bool) -> SmsText:
    """The SMS for ``text``: whitespace tidied, diacritics removed when ``strip``, then measured.

    Kept with diacritics (UCS-2, 67 characters a part) only while that fits :data:`MAX_SEGMENTS`; a longer
    text goes without them (GSM-7, 153 a part), as brand-name routes send Vietnamese by default.
    """
    tidy = " ".join(text.split())
    if not strip:
        accented = measure(tidy)
        if accented.segments <= MAX_SEGMENTS:
            return accented
    return measure(strip_diacritics(tidy))
