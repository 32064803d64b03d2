"""Logs are JSON lines and never carry personal data in clear."""

from __future__ import annotations

import json
import logging

from motcua_shared.chassis.context import request_id_var
from motcua_shared.chassis.logging import JsonFormatter, mask_text, mask_value


def test_phone_numbers_are_masked() -> None:
    assert "0912345678" not in mask_text("gọi 0912345678 ngay")
    assert "+84912345678" not in mask_text("số +84912345678")
    assert mask_text("gọi 0912345678").endswith("678")


def test_cccd_is_masked_but_short_numbers_kept() -> None:
    masked = mask_text("CCCD 079203001234, hồ sơ 000.00.14.H56-200203-0118, lệ phí 50000")
    assert "079203001234" not in masked
    assert "079******234" in masked
    assert "000.00.14.H56-200203-0118" in masked
    assert "50000" in masked


def test_email_is_masked() -> None:
    assert mask_text("gửi tới nguyen.van.a@hue.gov.vn") == "gửi tới n***@hue.gov.vn"


def test_named_personal_fields_are_hidden_whole() -> None:
    data = {"applicant": {"full_name": "Nguyễn Văn An", "address": "12 Lê Lợi, Huế", "procedure": "1.001193"}}
    masked = mask_value("data", data)
    assert masked == {"applicant": {"full_name": "***", "address": "***", "procedure": "1.001193"}}


def test_formatter_writes_one_masked_json_line_with_request_id() -> None:
    record = logging.makeLogRecord(
        {
            "name": "t",
            "levelno": logging.INFO,
            "levelname": "INFO",
            "msg": "OTP gửi tới %s",
            "args": ("0987654321",),
            "phone": "0987654321",
            "dossier_code": "H56-261128-0001",
        }
    )
    token = request_id_var.set("req-42")
    try:
        line = JsonFormatter("dossier").format(record)
    finally:
        request_id_var.reset(token)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["service"] == "dossier"
    assert entry["request_id"] == "req-42"
    assert "0987654321" not in line
    assert entry["phone"] == "***"
    assert entry["dossier_code"] == "H56-261128-0001"
