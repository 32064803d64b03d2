"""Money as text: receipts' words and statements' amounts, never through a float."""

from __future__ import annotations

import pytest

from payment_svc.receipts.amounts import in_words, vnd
from payment_svc.reconciliation.service import parse_amount, parse_statement


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        (0, "Không đồng"),
        (8_000, "Tám nghìn đồng"),
        (15_000, "Mười lăm nghìn đồng"),
        (21_000, "Hai mươi mốt nghìn đồng"),
        (38_000, "Ba mươi tám nghìn đồng"),
        (105_000, "Một trăm lẻ năm nghìn đồng"),
        (1_050_000, "Một triệu không trăm năm mươi nghìn đồng"),
        (2_000_024, "Hai triệu không trăm hai mươi tư đồng"),
    ],
)
def test_amounts_in_vietnamese_words(amount: int, words: str) -> None:
    assert in_words(amount) == words


def test_vnd_formatting() -> None:
    assert vnd(1_234_567) == "1.234.567 đồng"


@pytest.mark.parametrize(
    ("text", "value"),
    [("8000", 8000), ("8.000", 8000), ("8,000", 8000), ("8000.00", 8000), ("1.050.000", 1_050_000)],
)
def test_statement_amounts(text: str, value: int) -> None:
    assert parse_amount(text) == value


@pytest.mark.parametrize("text", ["8000.50", "abc", "-5", "1e3", ""])
def test_statement_amounts_that_are_not_whole_dong(text: str) -> None:
    with pytest.raises(ValueError, match="whole"):
        parse_amount(text)


def test_statements_skip_failures_and_report_bad_lines() -> None:
    lines, errors = parse_statement(
        "\ufeffprovider_txn_id,reference,amount,status\n1,MCA,8000,success\n2,MCB,9000,failed\n3,MCC,12.5,success\n"
    )
    assert [line.provider_txn_id for line in lines] == ["1"]
    assert errors == [{"line": 4, "message": "not a whole amount of VND: '12.5'"}]
