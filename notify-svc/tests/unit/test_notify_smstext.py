"""SMS text: diacritics removed exactly, the GSM-7/UCS-2 choice and segment counts at the boundaries."""

from __future__ import annotations

import pytest

from notify_svc.channels.smstext import measure, prepare, strip_diacritics


def test_vietnamese_without_diacritics() -> None:
    assert strip_diacritics("Đăng ký khai sinh – Ủy ban nhân dân phường Thuận Hóa") == (
        "Dang ky khai sinh – Uy ban nhan dan phuong Thuan Hoa"
    )
    assert (
        strip_diacritics("Hồ sơ đã được tiếp nhận; hẹn trả kết quả")
        == "Ho so da duoc tiep nhan; hen tra ket qua"
    )
    assert strip_diacritics("ỨNG DỤNG Hue-S ĐẸP") == "UNG DUNG Hue-S DEP"


@pytest.mark.parametrize(
    ("text", "encoding", "segments"),
    [
        ("a" * 160, "gsm7", 1),
        ("a" * 161, "gsm7", 2),
        ("a" * 306, "gsm7", 2),
        ("a" * 307, "gsm7", 3),
        ("€" * 80, "gsm7", 1),  # extension characters take two septets
        ("€" * 81, "gsm7", 2),
        ("a" * 152 + "€" + "a" * 10, "gsm7", 2),  # an escape pair is not split: 152 + (2) would be 154
        ("ư" * 70, "ucs2", 1),
        ("ư" * 71, "ucs2", 2),
        ("ư" * 134, "ucs2", 2),
        ("ư" * 135, "ucs2", 3),
        ("", "gsm7", 1),
    ],
)
def test_segments(text: str, encoding: str, segments: int) -> None:
    measured = measure(text)
    assert (measured.encoding, measured.segments) == (encoding, segments)


def test_an_escape_pair_moves_to_the_next_part() -> None:
    # 152 septets, then "€" (2) cannot fit the 153 of part one: it opens part two.
    assert measure("a" * 152 + "€" + "a" * 152).segments == 3


def test_prepare_strips_unless_told_not_to() -> None:
    kept = prepare("Mã  xác thực\n482915", strip=False)
    assert (kept.text, kept.encoding) == ("Mã xác thực 482915", "ucs2")
    stripped = prepare("Mã  xác thực\n482915", strip=True)
    assert (stripped.text, stripped.encoding, stripped.segments) == ("Ma xac thuc 482915", "gsm7", 1)
