"""Where every event type is registered, so consumers can turn an envelope back into its model."""

from __future__ import annotations

from motcua_shared.contracts.base import CloudEvent, Event

_TYPES: dict[str, type[Event]] = {}


def register(model: type[Event]) -> type[Event]:
    """Class decorator: make ``model`` known by its ``TYPE``."""
    existing = _TYPES.get(model.TYPE)
    if existing is not None and existing is not model:
        raise ValueError(f"event type {model.TYPE} registered twice")
    _TYPES[model.TYPE] = model
    return model


def event_types() -> dict[str, type[Event]]:
    """Every registered type, by type name."""
    return dict(_TYPES)


def model_for(type_name: str) -> type[Event] | None:
    """The model registered for ``type_name``, or None."""
    return _TYPES.get(type_name)


def decode(envelope: CloudEvent) -> Event:
    """The typed event inside ``envelope``; raises KeyError for an unknown type."""
    model = _TYPES[envelope.type]
    return model.model_validate(envelope.data)
