"""Where every event type is registered, so consumers can turn an envelope back into its model.

An *upcaster* turns the data of an old type version into the data of a newer one, so that consumers
handle the newest version only; ``decode`` applies them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from motcua_shared.contracts.base import CloudEvent, Event

E = TypeVar("E", bound=Event)

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]
"""Turns one version's ``data`` into the next version's ``data``; must not mutate its argument."""

_TYPES: dict[str, type[Event]] = {}
_UPCASTERS: dict[str, tuple[str, Upcaster]] = {}


def register(model: type[E]) -> type[E]:
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


def register_upcaster(from_type: str, to_type: str, fn: Upcaster) -> None:
    """Make ``decode`` turn events of ``from_type`` into ``to_type`` through ``fn``.

    Upcasters chain (v1 -> v2 -> v3); a second upcaster for the same ``from_type`` or one that would
    close a loop is refused.
    """
    if from_type == to_type:
        raise ValueError(f"upcaster from {from_type} to itself")
    if from_type in _UPCASTERS:
        raise ValueError(f"upcaster from {from_type} registered twice")
    step: str | None = to_type
    while step is not None:
        if step == from_type:
            raise ValueError(f"upcaster from {from_type} to {to_type} would close a loop")
        step = _UPCASTERS[step][0] if step in _UPCASTERS else None
    _UPCASTERS[from_type] = (to_type, fn)


def upcast(type_name: str, data: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Apply the upcasters registered from ``type_name`` on; the newest type name and its data."""
    while type_name in _UPCASTERS:
        type_name, fn = _UPCASTERS[type_name]
        data = fn(data)
    return type_name, data


def decode(envelope: CloudEvent) -> Event:
    """The typed event inside ``envelope``, upcast to its newest version; KeyError for an unknown type."""
    type_name, data = upcast(envelope.type, envelope.data)
    model = _TYPES[type_name]
    return model.model_validate(data)
