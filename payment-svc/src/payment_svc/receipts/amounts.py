"""Amounts of đồng as receipts and notices write them, in figures and in words."""

from __future__ import annotations

from typing import Final

from num2words import num2words

_GROUPS: Final = ("", " nghìn", " triệu", " tỷ", " nghìn tỷ", " triệu tỷ")


def vnd(amount: int) -> str:
    """``8000`` → ``8.000 đồng``."""
    return f"{amount:,}".replace(",", ".") + " đồng"


def _group(value: int, *, full: bool) -> str:
    """One group of three digits (1–999) in words.

    num2words reads the group on its own; a receipt reads a group after the first in full, hundreds included
    (``một triệu không trăm năm mươi nghìn``, ``hai triệu không trăm lẻ năm``), and says ``tư`` for a four
    after ``mươi`` (``hai mươi tư``): the wording our receipts have always printed.
    """
    words = str(num2words(value, lang="vi"))
    if full and value < 100:
        words = "không trăm " + ("lẻ " if value < 10 else "") + words
    return words.replace("mươi bốn", "mươi tư")


def in_words(amount: int) -> str:
    """An amount of đồng in Vietnamese words, as receipts write it (``Tám nghìn đồng``)."""
    if amount == 0:
        return "Không đồng"
    groups: list[int] = []
    while amount:
        groups.append(amount % 1000)
        amount //= 1000
    parts: list[str] = []
    for index in range(len(groups) - 1, -1, -1):
        value = groups[index]
        if value:
            full = index != len(groups) - 1
            parts.append(_group(value, full=full) + _GROUPS[index])
    text = " ".join(parts) + " đồng"
    return text[0].upper() + text[1:]
