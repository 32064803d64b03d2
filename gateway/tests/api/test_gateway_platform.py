"""The whole embedded platform behind the gateway: OTP sign-in end to end through notify's SMS sandbox, the
denial matrix over every route the merged OpenAPI lists, and schemathesis against ``/openapi.json``.

Both walk the merged document, so they grow as the services add routes.
"""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from jsonschema_rs import Draft202012Validator

from gateway.docs.examples import EXAMPLES
from gateway.identity.schemas import SCOPES
from motcua.embedded import create_platform
from motcua.infra.ports import free_port
from motcua_shared.chassis.keys import SigningKey, issue_token
from motcua_shared.testing import Tokens

METHODS = ("get", "post", "put", "patch", "delete")
WRITES = ("post", "put", "patch", "delete")


class Platform:
    """The embedded platform served by uvicorn in a thread of its own."""

    def __init__(self, var_dir: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.app = create_platform(var_dir, public_url=self.base)
        self.server = uvicorn.Server(
            uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_config=None, access_log=False)
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> Platform:
        self.thread.start()
        deadline = time.monotonic() + 120
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the platform did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(60)

    def token(self, subject: str, role: str, *, agency: str | None = None, **extra: Any) -> str:
        tokens = Tokens(self.app.state.keyring.current, ttl=timedelta(minutes=30))
        return tokens.token(subject, role, agency, **extra)


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    # The matrix and the fuzzer send hundreds of writes from one address: limits are tested elsewhere.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GATEWAY_LIMITS__ENABLED", "false")
        with Platform(tmp_path_factory.mktemp("platform")) as running:
            yield running


@pytest.fixture(scope="module")
def document(platform: Platform) -> dict[str, Any]:
    doc: dict[str, Any] = httpx.get(f"{platform.base}/openapi.json", timeout=30).json()
    assert "x-motcua-unavailable" not in doc, "every service's document was merged"
    return doc


# -- fit for code generators -------------------------------------------------------------------------


def test_every_operation_has_a_stable_unique_id_and_a_resource_tag(
    platform: Platform, document: dict[str, Any]
) -> None:
    assert document["servers"] == [{"url": platform.base, "description": "Cổng công khai của nền tảng"}]
    ids: dict[str, str] = {}
    for path, method, operation in _operations(document):
        label = f"{method.upper()} {path}"
        identifier = operation.get("operationId", "")
        assert re.fullmatch(r"[a-z_]+\.[a-z_]+", identifier), f"{label}: {identifier!r} is not resource.verb"
        assert identifier not in ids, f"{label} and {ids.get(identifier)} share {identifier}"
        ids[identifier] = label
        resource = identifier.split(".")[0]
        assert operation["tags"][0].replace("-", "_") == resource, f"{label}: tagged {operation['tags']}"
    assert {"dossiers.submit", "procedures.search", "payments.create", "auth.token"} <= set(ids)


def test_the_scopes_given_to_clients_are_every_scope_an_operation_asks_for(document: dict[str, Any]) -> None:
    asked = {
        scope
        for _, _, operation in _operations(document)
        for requirement in operation.get("security", [])
        for scopes in requirement.values()
        for scope in scopes
    }
    assert asked, "some operations ask integrators for scopes"
    assert asked == set(SCOPES), "GET /api/v1/auth/clients offers exactly these"


def test_required_headers_are_declared_and_response_headers_documented(document: dict[str, Any]) -> None:
    operations = {op["operationId"]: op for _, _, op in _operations(document)}
    for name in ("dossiers.submit", "payments.create", "payments.renew", "payments.refund"):
        keys = [p for p in operations[name]["parameters"] if p["name"] == "Idempotency-Key"]
        assert [(key["in"], key["required"]) for key in keys] == [("header", True)], name
    assert {"Location", "Idempotent-Replayed"} <= set(
        operations["dossiers.submit"]["responses"]["201"]["headers"]
    )
    assert "Idempotent-Replayed" in operations["payments.create"]["responses"]["201"]["headers"]
    for path, method, operation in _operations(document):
        for status, response in operation["responses"].items():
            label = f"{method.upper()} {path} {status}"
            assert response["headers"]["X-Request-ID"]["required"] is True, label
            if status in ("429", "503"):
                assert "Retry-After" in response["headers"], label


def test_the_examples_are_valid_for_their_operations(document: dict[str, Any]) -> None:
    operations = {op["operationId"]: op for _, _, op in _operations(document)}
    assert set(EXAMPLES) <= set(operations), "every example names an operation"
    # A new operation with a JSON body or a JSON success answer fails here until it has its example.
    missing = []
    for identifier, operation in operations.items():
        example = EXAMPLES.get(identifier, {})
        body = operation.get("requestBody", {}).get("content", {})
        if "application/json" in body and "request" not in example:
            missing.append(f"{identifier} request")
        status = min(s for s in operation["responses"] if s.startswith("2"))
        answer = operation["responses"][status].get("content", {})
        if "application/json" in answer and "response" not in example:
            missing.append(f"{identifier} response")
    assert not missing, f"operations without an example: {missing}"

    def valid(schema: dict[str, Any], value: Any, label: str) -> None:
        root = {**schema, "components": document["components"]}
        errors = [error.message for error in Draft202012Validator(root).iter_errors(value)]
        assert not errors, f"{label}: {errors}"

    for identifier, example in EXAMPLES.items():
        operation = operations[identifier]
        if "request" in example:
            body = operation["requestBody"]["content"]["application/json"]
            assert body["example"] == example["request"], identifier
            valid(body["schema"], example["request"], f"{identifier} request")
        if "response" in example:
            status = min(s for s in operation["responses"] if s.startswith("2"))
            answer = operation["responses"][status]["content"]["application/json"]
            assert answer["example"] == example["response"], identifier
            valid(answer["schema"], example["response"], f"{identifier} response")


# -- OTP end to end ------------------------------------------------------------------------------


def test_otp_sign_in_end_to_end_through_the_sms_sandbox(platform: Platform) -> None:
    with httpx.Client(base_url=platform.base, timeout=10) as client:
        challenge = client.post("/api/v1/auth/otp", json={"phone": "0905111222"})
        assert challenge.status_code == 202
        code = None
        deadline = time.monotonic() + 30
        while code is None and time.monotonic() < deadline:
            inbox = client.get("/api/v1/sandbox/sms", params={"phone": "+84905111222"})
            assert inbox.status_code == 200, inbox.text
            found = [re.search(r"\b(\d{6})\b", m["text"]) for m in inbox.json()["items"]]
            code = next((m.group(1) for m in found if m), None)
            time.sleep(0.2)
        assert code is not None, "notify sent the code by SMS"
        tokens = client.post(
            "/api/v1/auth/token",
            json={"grant_type": "otp", "challenge_id": challenge.json()["challenge_id"], "code": code},
        )
        assert tokens.status_code == 200, tokens.text
        me = client.get(
            "/api/v1/auth/me", headers={"Authorization": f"Bearer {tokens.json()['access_token']}"}
        )
        assert me.json()["phone"] == "+84905111222"


# -- the denial matrix -----------------------------------------------------------------------------


def _fill(path: str, operation: dict[str, Any]) -> tuple[str, dict[str, str]]:
    """A concrete URL for ``path`` (ids that exist nowhere) and its required query parameters."""
    query: dict[str, str] = {}
    for parameter in operation.get("parameters", []):
        schema = parameter.get("schema", {})
        value = parameter.get("example") or schema.get("default") or _sample(schema)
        if parameter["in"] == "path":
            path = path.replace("{" + parameter["name"] + "}", str(value))
        elif parameter["in"] == "query" and parameter.get("required"):
            query[parameter["name"]] = str(value)
    return re.sub(r"\{[^}]+\}", "khong-co", path), query


def _sample(schema: dict[str, Any]) -> Any:
    if "enum" in schema:
        return schema["enum"][0]
    for option in schema.get("anyOf", []):
        if option.get("type") != "null":
            return _sample(option)
    kind = schema.get("type")
    if kind == "integer":
        return max(1, int(schema.get("minimum", 1)))
    if kind == "boolean":
        return "true"
    if schema.get("format") == "date":
        return "2026-12-01"
    return "khong-co"


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, item in sorted(document["paths"].items())
        for method, operation in item.items()
        if method in METHODS
    ]


def test_the_denial_matrix_over_every_route(platform: Platform, document: dict[str, Any]) -> None:
    foreign = SigningKey.generate()
    expired = issue_token(
        platform.app.state.keyring.current,
        subject="citizen-a",
        role="citizen",
        issuer="motcua",
        audience="motcua",
        ttl=timedelta(minutes=5),
        now=datetime.now(UTC) - timedelta(hours=1),
    )
    forged = issue_token(
        foreign, subject="admin", role="admin", issuer="motcua", audience="motcua", ttl=timedelta(minutes=5)
    )
    callers: dict[str, str | None] = {
        "anonymous": None,
        "forged": forged,
        "expired": expired,
        "citizen_a": platform.token("citizen-a", "citizen", phone_number="+84905000001"),
        "citizen_b": platform.token("citizen-b", "citizen", phone_number="+84905000002"),
        "officer_a": platform.token("officer-a", "officer", agency="000.00.14.H57"),
        "officer_b": platform.token("officer-b", "officer", agency="000.00.20.H57"),
        "integrator": platform.token("client:matrix", "integrator", scope="events:read"),
    }
    operations = _operations(document)
    assert len(operations) >= 10
    failures: list[str] = []

    async def run() -> None:
        async with httpx.AsyncClient(base_url=platform.base, timeout=30) as client:
            for path, method, operation in operations:
                url, query = _fill(path, operation)
                body: dict[str, Any] | None = {} if "requestBody" in operation and method in WRITES else None
                secured = bool(operation.get("security"))
                seen: dict[str, int] = {}
                for name, token in callers.items():
                    headers = {"Authorization": f"Bearer {token}"} if token else {}
                    # Streamed and closed after the head: an event stream never ends by itself.
                    request = client.build_request(method, url, params=query, headers=headers, json=body)
                    response = await client.send(request, stream=True)
                    await response.aclose()
                    seen[name] = response.status_code
                    label = f"{method.upper()} {path} as {name}: {response.status_code}"
                    if response.status_code >= 500:
                        failures.append(f"{label} (server error)")
                    if response.status_code >= 400 and response.status_code != 405:
                        kind = response.headers.get("content-type", "")
                        if kind != "application/problem+json":
                            failures.append(f"{label} is not problem+json ({kind})")
                    if secured and name in ("forged", "expired") and response.status_code != 401:
                        failures.append(f"{label}; a bad token must be 401")
                    if token and name not in ("forged", "expired") and response.status_code == 401:
                        failures.append(f"{label}; a valid token is never 401")
                refused = [n for n, s in seen.items() if s == 403]
                if refused and 200 <= seen["anonymous"] < 300:
                    failures.append(f"{method.upper()} {path}: {refused} refused, yet anonymous got through")

    asyncio.run(run())
    assert not failures, "\n".join(failures)


# -- schemathesis ------------------------------------------------------------------------------------

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
SCHEMATHESIS_CONFIG = Path(__file__).with_name("schemathesis.toml")


def _event_streams(document: dict[str, Any]) -> set[str]:
    """Paths that answer with an endless event stream (a fuzzer would wait on them forever)."""
    return {
        path
        for path, _, operation in _operations(document)
        if any("text/event-stream" in r.get("content", {}) for r in operation.get("responses", {}).values())
    }


def _failures(report: Path) -> list[str]:
    """One line per distinct failure in a schemathesis NDJSON report: operation, check, answer."""
    found: set[str] = set()
    for line in report.read_text(encoding="utf-8").splitlines():
        event = json.loads(line)
        finished = event.get("ScenarioFinished")
        if finished is None:
            continue
        recorder = finished["recorder"]
        for case_id, checks in recorder.get("checks", {}).items():
            for check in checks:
                if check.get("status") != "failure":
                    continue
                case = recorder["cases"][case_id]["value"]
                response = (recorder.get("interactions", {}).get(case_id) or {}).get("response") or {}
                sent = {k: case[k] for k in ("path_parameters", "query", "headers", "body") if case.get(k)}
                found.add(
                    f"{case['method']} {case['path']} ({recorder['label']}): {check['name']}, "
                    f"answered {response.get('status_code')} to {json.dumps(sent, ensure_ascii=False)[:300]}"
                )
    return sorted(found)


@pytest.mark.parametrize("role", ["citizen", "officer"])
# About two minutes a role on a quiet 2-core machine (10 examples an operation, every phase); the margin is
# for a machine busy with other work.
@pytest.mark.timeout(900)
def test_schemathesis_finds_no_server_error_and_no_mismatch(
    platform: Platform, document: dict[str, Any], role: str, tmp_path: Path
) -> None:
    """Every check schemathesis has, over every operation of the merged document, as a signed-in citizen
    and as an officer: 0 server errors and 0 mismatches between the document and what the API does."""
    token = (
        platform.token("citizen-fuzz", "citizen", phone_number="+84905123999")
        if role == "citizen"
        else platform.token("officer-fuzz", "officer", agency="hue.so-tu-phap")
    )
    report = tmp_path / "report.ndjson"
    command = [
        str(SCHEMATHESIS),
        "--config-file",
        str(SCHEMATHESIS_CONFIG),
        "--no-color",
        "run",
        f"{platform.base}/openapi.json",
        "--url",
        platform.base,
        "--checks",
        "all",
        "--header",
        f"Authorization: Bearer {token}",
        "--max-examples",
        "10",
        "--seed",
        "20261206",
        # One worker: CPython 3.11's `ast` is not thread-safe (gh-106905), and two workers building cases at
        # once once ended a run with "SystemError: AST constructor recursion depth mismatch" in the coverage
        # phase, a fault of the interpreter, not of the API.
        "--workers",
        "1",
        "--request-timeout",
        "20",
        "--suppress-health-check",
        "all",
        "--report",
        "ndjson",
        "--report-ndjson-path",
        str(report),
    ]
    for path in sorted(_event_streams(document)):
        command += ["--exclude-path", path]
    # Run where its cache of crashes (.schemathesis/) stays out of the work tree.
    run = subprocess.run(command, capture_output=True, text=True, timeout=900, check=False, cwd=tmp_path)
    assert report.exists(), run.stdout[-3000:] + run.stderr[-3000:]
    failures = _failures(report)
    assert not failures, "\n".join(failures)
    assert run.returncode == 0, run.stdout[-5000:]
