"""An operation's documented problem+json answers, generated from the domain errors it can raise."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field

from motcua_shared.chassis.errors import DomainError, Unprocessable

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_REF = "#/components/schemas/Problem"


class ProblemField(BaseModel):
    """One invalid field."""

    field: str
    message: str
    code: str | None = None

    model_config = ConfigDict(extra="allow", json_schema_extra={"additionalProperties": True})


class Problem(BaseModel):
    """An RFC 9457 problem document."""

    type: str = Field(description="A URI naming the kind of problem.")
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    request_id: str | None = None
    errors: list[ProblemField] | None = None

    model_config = ConfigDict(extra="allow", json_schema_extra={"additionalProperties": True})


def problem_schemas() -> dict[str, Any]:
    """``components.schemas`` entries the :func:`problems` responses refer to."""
    schema = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    nested = schema.pop("$defs", {})
    return {"Problem": schema, **nested}


def problems(*errors: type[DomainError]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for the domain errors an operation can raise: one problem+json response per
    status, described by the errors' titles, each error's type URI and title given as an example."""
    by_status: dict[int, list[type[DomainError]]] = {}
    for error in errors:
        listed = by_status.setdefault(error.status, [])
        if error not in listed:
            listed.append(error)
    responses: dict[int | str, dict[str, Any]] = {}
    for status in sorted(by_status):
        kinds = by_status[status]
        titles = list(dict.fromkeys(kind.title for kind in kinds))
        examples = {
            kind.__name__: {
                "summary": kind.title,
                "value": {"type": kind.type, "title": kind.title, "status": status},
            }
            for kind in kinds
        }
        responses[status] = {
            "description": "; ".join(titles),
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": PROBLEM_REF}, "examples": examples}},
        }
    return responses


class ProblemDocumentingApp(FastAPI):
    """A FastAPI app whose OpenAPI document holds the :class:`Problem` schema :func:`problems` refers to."""

    def openapi(self) -> dict[str, Any]:
        """The OpenAPI document, generated once."""
        if self.openapi_schema is None:
            document = super().openapi()
            schemas = document.setdefault("components", {}).setdefault("schemas", {})
            for name, schema in problem_schemas().items():
                schemas.setdefault(name, schema)
            _validation_as_problems(document)
        return super().openapi()


def _validation_as_problems(document: dict[str, Any]) -> None:
    """FastAPI documents its own 422 body on every operation with parameters; the chassis answers
    invalid input as problem+json (see :func:`install_problem_handlers`), so say that instead."""
    validation = problems(Unprocessable)[Unprocessable.status]
    for item in document.get("paths", {}).values():
        for operation in item.values():
            responses = operation.get("responses", {}) if isinstance(operation, dict) else {}
            answer = responses.get("422") or responses.get(422)
            if answer is not None and "application/json" in answer.get("content", {}):
                responses.pop(422, None)
                responses["422"] = validation
