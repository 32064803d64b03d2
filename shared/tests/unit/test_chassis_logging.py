"""Logs are JSON lines and never carry personal data in clear."""

from __future__ import annotations

import json
import logging

from motcua_shared.chassis.context import request_id_var
from motcua_shared.chassis.logging import (
    JsonFormatter,
    RepeatLimiter,
    configure_logging,
    mask_text,
    mask_value,
)


def test_phone_numbers_are_masked() -> None:
    assert "0912345678" not in mask_text("gọi 0912345678 ngay")
    assert "+84912345678" not in mask_text("số +84912345678")
    assert mask_text("gọi 0912345678").endswith("678")


def test_cccd_is_masked_but_short_numbers_kept() -> None:
    masked = mask_text("CCCD 079203001234, hồ sơ hue.xa.thuan-hoa-250804-0118, lệ phí 50000")
    assert "079203001234" not in masked
    assert "079******234" in masked
    assert "hue.xa.thuan-hoa-250804-0118" in masked
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


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def limited(clock: Clock) -> tuple[logging.Handler, list[logging.LogRecord]]:
    kept: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            kept.append(record)

    handler = Keep()
    handler.addFilter(RepeatLimiter(("aiokafka",), interval=10.0, clock=clock))
    return handler, kept


def record(name: str, msg: str, *args: object) -> logging.LogRecord:
    return logging.makeLogRecord({"name": name, "levelno": logging.ERROR, "msg": msg, "args": args})


def test_a_broker_outage_logs_one_line_an_interval_with_the_count_it_stands_for() -> None:
    clock = Clock()
    handler, kept = limited(clock)
    for i in range(45_000):  # six minutes of aiokafka failing to connect
        clock.now = i * 0.008
        handler.handle(record("aiokafka.conn", "Unable connect to node with id %s: %s", 1, "refused"))
    clock.now += 10
    handler.handle(record("aiokafka.conn", "Unable connect to node with id %s: %s", 1, "refused"))

    assert 36 <= len(kept) <= 38, "one line every ten seconds"
    assert len(kept) + sum(getattr(r, "suppressed", 0) for r in kept) == 45_001, "every one counted"
    assert not hasattr(kept[0], "suppressed")
    assert kept[1].suppressed == 1249  # type: ignore[attr-defined]


def test_distinct_errors_and_other_loggers_are_not_held_back() -> None:
    clock = Clock()
    handler, kept = limited(clock)
    handler.handle(record("aiokafka.conn", "Unable connect to node with id %s", 1))
    handler.handle(
        record("aiokafka.consumer.group_coordinator", "Group Coordinator Request failed: %s", "15")
    )
    for _ in range(100):
        handler.handle(record("motcua.http", "unhandled error"))
    assert len(kept) == 102


def test_the_service_logs_go_through_the_limiter() -> None:
    configure_logging("probe", json_lines=True)
    ours = [h for h in logging.getLogger().handlers if getattr(h, "_motcua", False)]
    assert len(ours) == 1
    [limiter] = [f for f in ours[0].filters if isinstance(f, RepeatLimiter)]
    assert "aiokafka".startswith(limiter.prefixes)
