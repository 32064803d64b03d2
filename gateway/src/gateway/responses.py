"""The problem+json responses the gateway's routes document in OpenAPI."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

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
    """``components.schemas`` entries the ``problems`` responses refer to."""
    schema = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    nested = schema.pop("$defs", {})
    return {"Problem": schema, **nested}


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for ``statuses``, each a problem+json body."""
    return {
        status: {
            "description": HTTPStatus(status).phrase,
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": PROBLEM_REF}}},
        }
        for status in statuses
    }
