"""The embedded platform is one process with one log handler: each line still names the service it is from."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from motcua.embedded import create_platform
from motcua_shared.chassis.logging import JsonFormatter


class Lines(logging.Handler):
    """Every record, formatted as the platform formats it (the formatter's own default says `gateway`)."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(JsonFormatter("gateway"))
        self.lines: list[dict[str, object]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(self.format(record)))


@pytest.fixture
def lines() -> Iterator[Lines]:
    handler = Lines()
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield handler
    root.removeHandler(handler)
    root.setLevel(level)


async def test_each_services_lines_name_that_service(tmp_path: Path, lines: Lines) -> None:
    app = create_platform(tmp_path / "var", partitions=1)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as client:
            assert (await client.get("/api/v1/agencies")).status_code == 200
            assert (await client.get("/api/v1/stats")).status_code == 200
    started = {line["service"] for line in lines.lines if line["message"] == "service started"}
    assert {"catalog", "dossier", "payment", "notify"} <= started
    served = {
        (line["service"], line["path"])
        for line in lines.lines
        if line["message"] == "request" and "path" in line
    }
    assert ("catalog", "/api/v1/agencies") in served
    assert ("dossier", "/api/v1/stats") in served
    assert ("gateway", "/api/v1/agencies") in served, "the gateway's own line stays the gateway's"
