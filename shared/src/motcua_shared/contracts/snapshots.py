"""The committed JSON schema of every event type, ``schemas/<type>.json``, and the rule that guards it.

A snapshot is the published contract of a type. Regenerating it is refused when the model changed in a
breaking way (see :mod:`motcua_shared.contracts.compat`): such a change needs a new ``.v2`` type.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from motcua_shared.contracts.base import Event
from motcua_shared.contracts.compat import breaking_changes
from motcua_shared.contracts.registry import event_types

SCHEMA_DIR = Path(__file__).parent / "schemas"
REGENERATE = "uv run python -m motcua_shared.contracts.asyncapi --write"


def dump(document: Any) -> str:
    """Render JSON the way the committed files are written: indented, UTF-8 text, final newline."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def schema_of(model: type[Event]) -> dict[str, Any]:
    """The JSON schema of an event type, as its snapshot holds it."""
    return model.model_json_schema(mode="validation")


def snapshot_path(type_name: str) -> Path:
    """Where the snapshot of ``type_name`` lives."""
    return SCHEMA_DIR / f"{type_name}.json"


def committed() -> dict[str, dict[str, Any]]:
    """Every committed snapshot, by type name."""
    return {
        path.name.removesuffix(".json"): json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(SCHEMA_DIR.glob("*.json"))
    }


def breaking(type_name: str, old: dict[str, Any], model: type[Event] | None) -> list[str]:
    """Why replacing the snapshot ``old`` of ``type_name`` with ``model``'s schema would break consumers."""
    if model is None:
        return [f"breaking change to {type_name}: the type was removed; keep it registered"]
    changes = breaking_changes(old, schema_of(model))
    if not changes:
        return []
    return [f"breaking change to {type_name}: add a .v2 type ({'; '.join(changes)})"]


def write_snapshots() -> list[str]:
    """Write every registered type's snapshot, unless a change is breaking.

    Returns the problems found; when there are any, nothing is written.
    """
    types = event_types()
    problems = [
        problem
        for type_name, old in committed().items()
        for problem in breaking(type_name, old, types.get(type_name))
    ]
    if problems:
        return problems
    SCHEMA_DIR.mkdir(exist_ok=True)
    for type_name, model in sorted(types.items()):
        path = snapshot_path(type_name)
        text = dump(schema_of(model))
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
    return []
