"""What integrators may read of an event: its fields known to the contract and not marked as personal data.

One rule for every way an event leaves the platform for an integrator: the public Kafka topics
(:data:`motcua_shared.contracts.topics.PUBLIC`, written by the outbox relay) and the webhook bodies
(notify-svc). A field marked ``json_schema_extra=PERSONAL`` (or ``SECRET``) is left out, in nested models
too; a field the type does not declare (a newer producer's, not yet vetted) is left out as well.
"""

from __future__ import annotations

import functools
import operator
import types
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, create_model
from pydantic.fields import FieldInfo

from motcua_shared.contracts import topics
from motcua_shared.contracts.base import CloudEvent, Event
from motcua_shared.contracts.registry import event_types, model_for


def is_personal(field: FieldInfo) -> bool:
    """True when ``field`` is marked as holding personal data (secrets are personal too)."""
    extra = field.json_schema_extra
    return isinstance(extra, dict) and bool(extra.get("x-personal-data"))


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    if get_origin(annotation) in (tuple, list, Union, types.UnionType):
        return [m for arg in get_args(annotation) for m in _models_in(arg)]
    return []


@functools.cache
def _kept_fields(model: type[BaseModel]) -> dict[str, type[BaseModel] | None]:
    """``model``'s fields an integrator may read, each with the model nested in it (None when none): worked
    out once per model, not for every field of every event relayed."""
    kept: dict[str, type[BaseModel] | None] = {}
    for name, field in model.model_fields.items():
        if not is_personal(field):
            nested = _models_in(field.annotation)
            kept[name] = nested[0] if nested else None
    return kept


def redact(model: type[BaseModel], data: Any) -> Any:
    """``data`` (a dump of ``model``) with only the declared fields that hold no personal data; nested
    models are redacted too, and a nested object left empty is dropped."""
    if isinstance(data, list):
        return [redact(model, item) for item in data]
    if not isinstance(data, dict):
        return data
    fields = _kept_fields(model)
    kept: dict[str, Any] = {}
    for name, value in data.items():
        if name not in fields:
            continue
        nested = fields[name]
        if nested is not None and value is not None:
            value = redact(nested, value)
            if value == {}:
                continue
        kept[name] = value
    return kept


def public_types() -> dict[str, type[Event]]:
    """The event types integrators may read: those of the topics that have a public twin."""
    return {name: model for name, model in event_types().items() if model.TOPIC in topics.PUBLIC}


def public_envelope(envelope: CloudEvent, model: type[Event] | None = None) -> CloudEvent | None:
    """The envelope an integrator receives: the same id, source, type, subject and time, its data redacted.

    ``model`` defaults to the type registered for the envelope's type; None when there is none (an
    unknown type is never shown to an integrator).
    """
    model = model or model_for(envelope.type)
    if model is None:
        return None
    return envelope.model_copy(update={"data": redact(model, envelope.data)})


def _public_annotation(annotation: Any) -> Any:
    """``annotation`` with every model in it replaced by its public model."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return public_model(annotation)
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        return functools.reduce(operator.or_, [_public_annotation(a) for a in get_args(annotation)])
    if origin in (tuple, list):
        args = tuple(a if a is Ellipsis else _public_annotation(a) for a in get_args(annotation))
        return origin[args]
    return annotation


@functools.cache
def public_model(model: type[BaseModel]) -> type[BaseModel]:
    """The schema of what :func:`redact` keeps of ``model``: a model named ``<Name>Public`` (the model
    itself when it holds no personal data anywhere). The AsyncAPI document describes the public topics
    with these."""
    fields: dict[str, Any] = {}
    changed = False
    for name, field in model.model_fields.items():
        if is_personal(field):
            changed = True
            continue
        annotation = _public_annotation(field.annotation)
        changed = changed or annotation != field.annotation
        copied = FieldInfo.merge_field_infos(field)
        fields[name] = (annotation, copied)
    if not changed:
        return model
    public: type[BaseModel] = create_model(
        f"{model.__name__}Public",
        __config__=ConfigDict(frozen=True, extra="ignore"),
        __doc__=(model.__doc__ or "").strip() + "\n\nAs integrators receive it: personal data left out.",
        **fields,
    )
    return public
