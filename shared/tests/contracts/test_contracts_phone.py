"""The platform's one reading of a Vietnamese mobile number."""

from __future__ import annotations

import pytest

from motcua_shared.contracts.common import NotAMobileNumber, vn_mobile


@pytest.mark.parametrize(
    "raw",
    [
        "0905123456",
        "+84905123456",
        "84905123456",
        " 84905123456",
        "0905 123 456",
        "0905.123.456",
        "(090) 5123-456",
    ],
)
def test_every_way_of_writing_a_mobile_number_is_one_number(raw: str) -> None:
    assert vn_mobile(raw) == "+84905123456"


@pytest.mark.parametrize("lead", ["03", "05", "07", "08", "09"])
def test_every_mobile_range(lead: str) -> None:
    assert vn_mobile(f"{lead}12345678") == f"+84{lead[1]}12345678"


@pytest.mark.parametrize("raw", ["02343822123", "+842438264321", "024 3826 4321"])
def test_a_landline_is_named_as_such(raw: str) -> None:
    with pytest.raises(NotAMobileNumber) as refused:
        vn_mobile(raw)
    assert refused.value.landline


@pytest.mark.parametrize(
    "raw", ["", "0905", "905123456", "+14155552671", "00905123456", "0105123456", "09051234567"]
)
def test_anything_else_is_not_a_mobile_number(raw: str) -> None:
    with pytest.raises(NotAMobileNumber) as refused:
        vn_mobile(raw)
    assert not refused.value.landline
