"""The merged OpenAPI document: the gateway's own routes and each service's public ones.

Each service's ``/openapi.json`` is fetched when the document is asked for, at most once per
``cache_seconds``; a service that is down keeps its last good document, or is listed under
``x-motcua-unavailable`` until it answers, so the document is always served.
"""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gateway.docs import examples
from gateway.routing.proxy import Upstreams
from gateway.routing.table import SERVICES, service_for
from gateway.settings import DocsSettings
from motcua_shared.chassis.openapi import RESPONSE_HEADERS
from motcua_shared.chassis.problems import PROBLEM_MEDIA_TYPE, PROBLEM_REF, problem_schemas

REQUEST_ID = "X-Request-ID"
RETRY_AFTER = "Retry-After"

log = logging.getLogger(__name__)

WRITE_METHODS = frozenset({"post", "put", "patch", "delete"})
HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})
_SCHEMA_REF = "#/components/schemas/"


@dataclass
class _Cached:
    document: dict[str, Any] | None = None
    fetched_at: float | None = None


class OpenApiMerger:
    """Builds and caches the merged document."""

    def __init__(
        self,
        own: Callable[[], dict[str, Any]],
        upstreams: Upstreams,
        settings: DocsSettings,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._own = own
        self._upstreams = upstreams
        self._settings = settings
        self._clock = clock
        self._cache: dict[str, _Cached] = {name: _Cached() for name in SERVICES}
        self._lock = asyncio.Lock()

    async def document(self) -> dict[str, Any]:
        """The merged document (services refreshed when their cache is stale)."""
        async with self._lock:
            await asyncio.gather(*(self._refresh(name) for name in SERVICES if self._stale(name)))
        return merge(self._own(), {name: c.document for name, c in self._cache.items()})

    def _stale(self, name: str) -> bool:
        cached = self._cache[name]
        if cached.fetched_at is None:
            return True
        age = self._clock() - cached.fetched_at
        # A service that has never answered is retried sooner than a good document expires.
        limit = (
            self._settings.cache_seconds
            if cached.document is not None
            else min(5.0, self._settings.cache_seconds)
        )
        return age >= limit

    async def _refresh(self, name: str) -> None:
        cached = self._cache[name]
        cached.fetched_at = self._clock()
        client = self._upstreams.clients.get(name)
        if client is None:
            return
        try:
            response = await client.get("/openapi.json", timeout=self._settings.fetch_timeout)
            response.raise_for_status()
            document = response.json()
        except Exception as exc:
            log.warning("openapi of %s unavailable (%s)", name, type(exc).__name__)
            return
        if isinstance(document, dict) and isinstance(document.get("paths"), dict):
            cached.document = document


def _public_paths(service: str, document: dict[str, Any]) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for path, item in document.get("paths", {}).items():
        if not path.startswith("/api/v1/"):
            continue
        if service_for(path[len("/api/v1/") :]) == service:
            paths[path] = item
    return paths


_OPS = "/ops/"
SERVICE_PARAMETER = {
    "name": "service",
    "in": "path",
    "required": True,
    "description": "The service whose dead letters these are.",
    "schema": {"type": "string", "enum": list(SERVICES)},
}


def _ops_paths(document: dict[str, Any]) -> dict[str, Any]:
    """A service's ops routes (the chassis's, the same in every service) as the gateway serves them:
    ``/ops/dlq`` becomes ``/ops/{service}/dlq``, the service a path parameter."""
    paths: dict[str, Any] = {}
    for path, item in document.get("paths", {}).items():
        if not path.startswith(_OPS):
            continue
        documented = copy.deepcopy(item)
        for _, operation in _operations(documented):
            operation["parameters"] = [SERVICE_PARAMETER, *operation.get("parameters", [])]
            # The gateway answers an unknown service itself.
            operation.setdefault("responses", {}).setdefault(
                "404",
                {
                    "description": "Không có dịch vụ này",
                    "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": PROBLEM_REF}}},
                },
            )
        paths[_OPS + "{service}/" + path[len(_OPS) :]] = documented
    return paths


def _rewrite_refs(node: Any, renames: dict[str, str]) -> Any:
    if isinstance(node, dict):
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith(_SCHEMA_REF):
                name = value[len(_SCHEMA_REF) :]
                out[key] = _SCHEMA_REF + renames.get(name, name)
            else:
                out[key] = _rewrite_refs(value, renames)
        return out
    if isinstance(node, list):
        return [_rewrite_refs(item, renames) for item in node]
    return node


def _document_responses(path: str, method: str, operation: dict[str, Any], *, proxied: bool) -> None:
    """What every answer carries, what the chassis answers on any route (validation errors as they really
    are, a malformed body), and what the gateway itself may answer on a proxied route."""
    examples.attach(operation)
    responses: dict[str, Any] = operation.setdefault("responses", {})
    problem = {"content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": PROBLEM_REF}}}}
    validation = responses.get("422")
    if validation is not None and "application/json" in validation.get("content", {}):
        # The chassis renders every validation error as problem+json, whatever FastAPI's default says.
        responses["422"] = {"description": "Dữ liệu không hợp lệ", **problem}
    defaults: dict[str, str] = {}
    if "requestBody" in operation:
        defaults["400"] = "Nội dung yêu cầu không đọc được"
    if proxied:
        defaults |= {"503": "Dịch vụ tạm thời không khả dụng", "504": "Dịch vụ phản hồi quá chậm"}
        if method in WRITE_METHODS or path.startswith("/api/v1/lookup/"):
            defaults["429"] = "Quá nhiều yêu cầu"
        if "requestBody" in operation:
            defaults["413"] = "Nội dung quá lớn"
    for status, description in defaults.items():
        responses.setdefault(status, {"description": description, **problem})
    for status, response in responses.items():
        if "$ref" in response:
            continue
        headers: dict[str, Any] = response.setdefault("headers", {})
        headers.setdefault(REQUEST_ID, {**RESPONSE_HEADERS[REQUEST_ID], "required": True})
        if status in ("429", "503"):
            headers.setdefault(RETRY_AFTER, RESPONSE_HEADERS[RETRY_AFTER])


def merge(own: dict[str, Any], services: dict[str, dict[str, Any] | None]) -> dict[str, Any]:
    """The gateway's document with each available service's public paths and schemas added.

    A schema name two services define differently is prefixed with the service's name in that service's
    part of the document, so neither overwrites the other.
    """
    merged = copy.deepcopy(own)
    merged["openapi"] = "3.1.0"
    paths: dict[str, Any] = merged.setdefault("paths", {})
    for path, item in paths.items():
        for method, operation in _operations(item):
            _document_responses(path, method, operation, proxied=False)
    components: dict[str, Any] = merged.setdefault("components", {})
    schemas: dict[str, Any] = components.setdefault("schemas", {})
    for name, schema in problem_schemas().items():
        schemas.setdefault(name, schema)
    security: dict[str, Any] = components.setdefault("securitySchemes", {})
    tags = {t["name"]: t for t in merged.get("tags", [])}
    unavailable: list[str] = []
    for service, document in services.items():
        if document is None:
            unavailable.append(service)
            continue
        theirs: dict[str, Any] = document.get("components", {}).get("schemas", {})
        renames = {
            name: f"{service.capitalize()}{name}"
            for name, schema in theirs.items()
            if name in schemas and _canonical(schemas[name]) != _canonical(schema)
        }
        for name, schema in theirs.items():
            schemas.setdefault(renames.get(name, name), _rewrite_refs(schema, renames))
        for name, scheme in document.get("components", {}).get("securitySchemes", {}).items():
            security.setdefault(name, scheme)
        # Every service has the same ops routes: the first document available stands for them all.
        ops = {} if any(p.startswith(_OPS) for p in paths) else _ops_paths(document)
        for path, item in (_public_paths(service, document) | ops).items():
            rewritten = _rewrite_refs(item, renames)
            for method, operation in _operations(rewritten):
                _document_responses(path, method, operation, proxied=True)
            paths[path] = rewritten
        for tag in document.get("tags", []):
            tags.setdefault(tag["name"], tag)
    if tags:
        merged["tags"] = list(tags.values())
    if unavailable:
        merged["x-motcua-unavailable"] = sorted(unavailable)
    return merged


def _operations(item: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (method, operation)
        for method, operation in item.items()
        if method in HTTP_METHODS and isinstance(operation, dict)
    ]


def _canonical(schema: Any) -> str:
    return json.dumps(schema, sort_keys=True, ensure_ascii=False)
