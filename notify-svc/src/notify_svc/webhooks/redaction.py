"""What an integrator may read of an event: everything but the fields marked as personal data."""

from __future__ import annotations

import types
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel

from motcua_shared.contracts.base import CloudEvent, Event


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    if get_origin(annotation) in (tuple, list, Union, types.UnionType):
        return [m for arg in get_args(annotation) for m in _models_in(arg)]
    return []


def redact(model: type[BaseModel], data: Any) -> Any:
    """``data`` (a dump of ``model``) without its personal fields; nested models are redacted too."""
    if isinstance(data, list):
        return [redact(model, item) for item in data]
    if not isinstance(data, dict):
        return data
    kept: dict[str, Any] = {}
    for name, value in data.items():
        field = model.model_fields.get(name)
        if field is None:
            kept[name] = value
            continue
        extra = field.json_schema_extra
        if isinstance(extra, dict) and extra.get("x-personal-data"):
            continue
        nested = _models_in(field.annotation)
        if nested and value is not None:
            value = redact(nested[0], value)
            if value == {}:
                continue
        kept[name] = value
    return kept


def public_envelope(event: Event, envelope: CloudEvent) -> str:
    """The CloudEvent JSON an integrator receives: the same envelope, its data redacted."""
    data = redact(type(event), envelope.data)
    return envelope.model_copy(update={"data": data}).to_json()
