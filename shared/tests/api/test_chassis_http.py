"""The HTTP chassis over ASGI: problem+json for every error, request ids, metrics, ops auth."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka.errors import IllegalStateError, KafkaConnectionError, KafkaTimeoutError
from fastapi import APIRouter
from pydantic import BaseModel, Field
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from motcua_shared.chassis.app import Runtime, create_service_app
from motcua_shared.chassis.auth import Role
from motcua_shared.chassis.bus.local import LocalBus
from motcua_shared.chassis.errors import Conflict
from motcua_shared.chassis.messaging.models import MessagingBase
from motcua_shared.chassis.settings import DbSettings, ServiceSettings
from motcua_shared.testing import Tokens

TOKENS = Tokens()


class Applicant(BaseModel):
    full_name: str = Field(min_length=1)
    phone: str = Field(pattern=r"^0\d{9}$")
    cccd: str = Field(pattern=r"^\d{12}$")


router = APIRouter(prefix="/api/v1")


@router.post("/applicants")
async def create_applicant(body: Applicant) -> dict[str, str]:
    return {"full_name": body.full_name}


@router.post("/conflict")
async def conflict() -> None:
    raise Conflict("Hồ sơ đã được tiếp nhận, không thể rút.")


@router.get("/boom")
async def boom() -> None:
    raise RuntimeError("SELECT * FROM secrets WHERE cccd='079203001234'")


class DriverError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(f"driver says {sqlstate}")
        self.sqlstate = sqlstate


OUTAGES: dict[str, Exception] = {
    "refused": ConnectionRefusedError(111, "Connect call failed ('127.0.0.1', 5432)"),
    "admin-shutdown": DBAPIError("SELECT 1", None, DriverError("57P01")),
    "starting-up": DBAPIError("SELECT 1", None, DriverError("57P03")),
    "connection-lost": DBAPIError("SELECT 1", None, DriverError("08006")),
    "pool-exhausted": PoolTimeout("QueuePool limit of size 10 overflow 0 reached"),
    "deadlock": DBAPIError("SELECT 1 FOR UPDATE", None, DriverError("40P01")),
    "broker-unreachable": KafkaConnectionError("No connection to node with id 1"),
    "broker-timeout": KafkaTimeoutError(),
}
BUGS: dict[str, Exception] = {
    "unique-violation": IntegrityError("INSERT", None, DriverError("23505")),
    "syntax": DBAPIError("SELEC 1", None, DriverError("42601")),
    "kafka-misuse": IllegalStateError("not subscribed"),
}


@router.get("/fails/{kind}")
async def fails(kind: str) -> None:
    raise {**OUTAGES, **BUGS}[kind]


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    settings = ServiceSettings(
        service_name="probe",
        db=DbSettings(url=f"sqlite+aiosqlite:///{tmp_path}/probe.db", auto_migrate=False),
    )
    app = create_service_app(
        settings,
        title="probe",
        routers=[router],
        bus=LocalBus(None),
        key_source=TOKENS.jwks,
        setup=_messaging_schema,
    )
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://probe") as client:
            yield client


async def _messaging_schema(runtime: Runtime[Any]) -> None:
    async with runtime.db.engine.begin() as conn:
        await conn.run_sync(MessagingBase.metadata.create_all)


async def test_answers_to_a_caller_with_credentials_are_never_cached(client: httpx.AsyncClient) -> None:
    signed_in = {"Authorization": f"Bearer {TOKENS.token('citizen-1')}"}
    for response in (
        await client.post("/api/v1/applicants", json={"full_name": "Nguyễn Văn An"}, headers=signed_in),
        await client.post("/api/v1/conflict", headers=signed_in),
        await client.get("/healthz", headers=signed_in),
    ):
        assert response.headers["cache-control"] == "no-store", response.request.url
    assert "cache-control" not in (await client.post("/api/v1/conflict")).headers


async def test_malformed_json_is_a_400_problem(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/applicants", content=b'{"full_name": ', headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 400
    assert body["type"].endswith("/malformed-json")
    assert body["title"]


async def test_invalid_fields_each_listed(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/applicants", json={"full_name": "", "phone": "12", "cccd": "x"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert {e["field"] for e in body["errors"]} == {"full_name", "phone", "cccd"}
    assert all(e["message"] for e in body["errors"])
    assert "x" not in str([e.get("input") for e in body["errors"]])


async def test_domain_error_keeps_its_status_and_type(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/conflict")
    assert response.status_code == 409
    body = response.json()
    assert body["type"] == "https://motcua.vn/problems/conflict"
    assert body["detail"] == "Hồ sơ đã được tiếp nhận, không thể rút."


async def test_unexpected_error_is_a_generic_500_without_internals(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/boom")
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert "SELECT" not in response.text
    assert "079203001234" not in response.text


@pytest.mark.parametrize("kind", [*sorted(OUTAGES), *sorted(BUGS)])
async def test_a_dependency_down_is_a_503_to_retry_later_any_other_failure_a_500(
    client: httpx.AsyncClient, kind: str
) -> None:
    response = await client.get(f"/api/v1/fails/{kind}")
    assert response.headers["content-type"] == "application/problem+json"
    assert "SELECT" not in response.text
    if kind in OUTAGES:
        assert response.status_code == 503
        assert int(response.headers["retry-after"]) > 0
        assert response.json()["type"] == "https://motcua.vn/problems/unavailable"
        assert "5432" not in response.text
    else:
        assert response.status_code == 500
        assert "retry-after" not in response.headers
        assert response.json()["type"] == "https://motcua.vn/problems/internal"


async def test_unknown_route_and_method_are_problems(client: httpx.AsyncClient) -> None:
    missing = await client.get("/api/v1/nothing-here")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    wrong = await client.get("/api/v1/applicants")
    assert wrong.status_code == 405
    assert wrong.json()["status"] == 405


async def test_a_body_that_is_not_json_is_415_not_422(client: httpx.AsyncClient) -> None:
    for content_type in ("text/plain", "application/x-www-form-urlencoded"):
        response = await client.post(
            "/api/v1/applicants", content=b"full_name=An", headers={"content-type": content_type}
        )
        assert response.status_code == 415, (content_type, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["type"] == "https://motcua.vn/problems/unsupported-media-type"
    invalid = await client.post("/api/v1/applicants", json={"full_name": ""})
    assert invalid.status_code == 422, "JSON that breaks the rules is still a 422"


async def test_unknown_paths_and_methods_anywhere_are_the_platforms_problems(
    client: httpx.AsyncClient,
) -> None:
    for path in ("/api/v1/nothing-here", "/nothing-here", "/healthz/deeper"):
        missing = await client.get(path)
        assert missing.status_code == 404
        assert missing.json()["type"] == "https://motcua.vn/problems/not-found", path
        assert missing.json()["title"] == "Không tìm thấy"
    for path in ("/api/v1/applicants", "/healthz"):
        wrong = await client.delete(path)
        assert wrong.status_code == 405
        assert wrong.json()["type"] == "https://motcua.vn/problems/method-not-allowed", path
        assert wrong.headers["allow"]


@pytest.mark.parametrize(
    ("accept_language", "language"),
    [
        (None, "vi"),
        ("vi", "vi"),
        ("en", "en"),
        ("en-US,en;q=0.9", "en"),
        ("vi-VN,vi;q=0.9,en;q=0.8", "vi"),
        ("fr, en;q=0.5", "en"),
        ("fr", "vi"),
        ("en;q=0.4, vi;q=0.6", "vi"),
    ],
)
async def test_accept_language_picks_the_language_of_titles_and_details_alike(
    client: httpx.AsyncClient, accept_language: str | None, language: str
) -> None:
    headers = {"accept-language": accept_language} if accept_language else {}
    answers = [
        await client.post("/api/v1/conflict", headers=headers),
        await client.post("/api/v1/applicants", json={"full_name": ""}, headers=headers),
        await client.post(
            "/api/v1/applicants", content=b"{", headers={**headers, "content-type": "application/json"}
        ),
        await client.post(
            "/api/v1/applicants", content=b"x", headers={**headers, "content-type": "text/plain"}
        ),
        await client.get("/nothing-here", headers=headers),
        await client.delete("/healthz", headers=headers),
        await client.get("/api/v1/boom", headers=headers),
    ]
    vietnamese = {
        "409": ("Xung đột trạng thái", "Hồ sơ đã được tiếp nhận, không thể rút."),
        "422": ("Dữ liệu không hợp lệ", "3 trường dữ liệu không hợp lệ."),
    }
    english = {
        "409": ("Conflict", "The request conflicts with the resource's current state."),
        "422": ("Invalid input", "3 field(s) are invalid."),
    }
    for answer in answers:
        body = answer.json()
        assert answer.headers["content-language"] == language, answer.text
        expected = (english if language == "en" else vietnamese).get(str(answer.status_code))
        if expected:
            assert (body["title"], body["detail"]) == expected
        text = body["title"] + " " + body["detail"]
        has_vietnamese = any(ch in text for ch in "ảạăâđêếệọốồộơớờợưứừựýỳ")
        assert has_vietnamese == (language == "vi"), (language, text)


async def test_request_id_is_echoed_or_minted(client: httpx.AsyncClient) -> None:
    given = await client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert given.headers["x-request-id"] == "abc-123"
    minted = await client.get("/healthz", headers={"X-Request-ID": "<script>"})
    assert minted.headers["x-request-id"] != "<script>"
    assert len(minted.headers["x-request-id"]) == 32
    problem = await client.get("/api/v1/nothing", headers={"X-Request-ID": "trace-me"})
    assert problem.json()["request_id"] == "trace-me"


ADMIN = {"Authorization": f"Bearer {TOKENS.token('ops', Role.ADMIN)}"}


async def test_metrics_are_not_public(client: httpx.AsyncClient) -> None:
    assert (await client.get("/metrics")).status_code == 401
    citizen = {"Authorization": f"Bearer {TOKENS.token('citizen-1')}"}
    assert (await client.get("/metrics", headers=citizen)).status_code == 403
    assert (await client.get("/metrics", headers={"Authorization": "Bearer guess"})).status_code == 401
    assert (await client.get("/metrics", headers=ADMIN)).status_code == 200


async def test_a_scraper_reads_the_metrics_with_its_token(tmp_path: Path) -> None:
    settings = ServiceSettings(
        service_name="probe",
        db=DbSettings(url=f"sqlite+aiosqlite:///{tmp_path}/probe.db", auto_migrate=False),
        metrics_token="scrape-8Jq2",
    )
    app = create_service_app(
        settings, title="probe", routers=[router], bus=LocalBus(None), key_source=TOKENS.jwks,
        setup=_messaging_schema,
    )  # fmt: skip
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://probe") as client:
            scraped = await client.get("/metrics", headers={"Authorization": "Bearer scrape-8Jq2"})
            assert scraped.status_code == 200
            assert "motcua_http_requests_total" in scraped.text
            wrong = await client.get("/metrics", headers={"Authorization": "Bearer scrape-8Jq3"})
            assert wrong.status_code == 401


async def test_metrics_count_requests_by_route_template(client: httpx.AsyncClient) -> None:
    await client.post("/api/v1/conflict")
    text = (await client.get("/metrics", headers=ADMIN)).text
    assert (
        'motcua_http_requests_total{method="POST",route="/api/v1/conflict",service="probe",status="409"}'
        in text
    )
    assert "motcua_http_request_duration_seconds_bucket" in text
    assert "motcua_dlq_size" in text


async def test_dlq_ops_endpoint_is_admin_only(client: httpx.AsyncClient) -> None:
    assert (await client.get("/ops/dlq")).status_code == 401
    citizen = await client.get("/ops/dlq", headers=TOKENS.bearer("u-1", Role.CITIZEN))
    assert citizen.status_code == 403
    officer = await client.get("/ops/dlq", headers=TOKENS.bearer("u-1", Role.OFFICER, "H56.01"))
    assert officer.status_code == 403
    admin = await client.get("/ops/dlq", headers=TOKENS.bearer("u-1", Role.ADMIN))
    assert admin.status_code == 200
    assert admin.json() == {"items": [], "total": 0, "next_cursor": None}
