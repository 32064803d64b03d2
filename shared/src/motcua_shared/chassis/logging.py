"""JSON-line logs with personal data masked: phones, CCCD numbers, e-mails, and named fields."""

from __future__ import annotations

import json
import logging
import re
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from motcua_shared.chassis.context import request_id_var, service_var

# Vietnamese mobile numbers (0xxxxxxxxx or +84xxxxxxxxx) and 12-digit CCCD, not inside longer numbers.
_PHONE = re.compile(r"(?<!\d)(?:\+?84|0)(\d{2})\d{4,5}(\d{3})(?!\d)")
_CCCD = re.compile(r"(?<!\d)(\d{3})\d{6}(\d{3})(?!\d)")
_EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})")
PII_KEYS = frozenset(
    {
        "name",
        "full_name",
        "applicant_name",
        "citizen_name",
        "phone",
        "phone_number",
        "email",
        "cccd",
        "id_number",
        "identity_number",
        "address",
        "password",
        "otp",
        "code_plain",
        "token",
        "authorization",
        "secret",
    }
)
_RESERVED = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName"}


def mask_text(text: str) -> str:
    """Mask every phone number, CCCD and e-mail address in ``text``."""
    text = _CCCD.sub(r"\1******\2", text)
    text = _PHONE.sub(lambda m: m.group(0)[: len(m.group(0)) - 7] + "****" + m.group(2), text)
    return _EMAIL.sub(r"\1***@\2", text)


def mask_value(key: str, value: Any) -> Any:
    """``value`` with personal data masked; fields named as personal are hidden whole."""
    if key.lower() in PII_KEYS and value is not None:
        return "***"
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return {k: mask_value(str(k), v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [mask_value(key, v) for v in value]
    return value


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, extra fields — all masked."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "service": service_var.get() or self.service,
            "logger": record.name,
            "message": mask_text(record.getMessage()),
        }
        request_id = request_id_var.get()
        if request_id:
            entry["request_id"] = request_id
        for key, value in record.__dict__.items():
            if key not in _RESERVED and not key.startswith("_"):
                entry[key] = mask_value(key, value)
        if record.exc_info:
            entry["exception"] = mask_text(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False, default=str)


class RepeatLimiter(logging.Filter):
    """Let one record a ``interval`` through for each (logger, level, message) of the given loggers, with
    ``suppressed``: how many like it were dropped since the last one let through.

    A client library that cannot reach its broker logs the same error many times a second (aiokafka: ~45,000
    lines per service in six minutes); one line every few seconds, with a count, says as much.
    """

    def __init__(
        self,
        prefixes: tuple[str, ...],
        *,
        interval: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self.prefixes = prefixes
        self.interval = interval
        self.clock = clock
        self._seen: dict[tuple[str, int, str], tuple[float, int]] = {}
        self._lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        """Whether ``record`` is logged (annotated with the count it stands for when some were dropped)."""
        if not record.name.startswith(self.prefixes):
            return True
        key = (record.name, record.levelno, str(record.msg))
        now = self.clock()
        with self._lock:
            last, dropped = self._seen.get(key, (None, 0))
            if last is not None and now - last < self.interval:
                self._seen[key] = (last, dropped + 1)
                return False
            self._seen[key] = (now, 0)
        if dropped:
            record.suppressed = dropped
        return True


def configure_logging(service: str, *, level: str = "INFO", json_lines: bool = True) -> None:
    """Send the root logger's records to stderr as masked JSON lines (idempotent)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_motcua", False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler._motcua = True  # type: ignore[attr-defined]
    handler.setFormatter(
        JsonFormatter(service) if json_lines else logging.Formatter("%(levelname)s %(name)s %(message)s")
    )
    handler.addFilter(RepeatLimiter(("aiokafka", "kafka")))
    root.addHandler(handler)
    root.setLevel(level)
    for noisy in ("aiokafka", "kafka", "sqlalchemy.engine", "httpx", "alembic"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
    logging.getLogger("uvicorn.access").disabled = True
