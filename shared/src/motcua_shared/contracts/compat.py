"""Is a new JSON schema of an event type compatible with the one already published?

Events stay in Kafka and in other services' replicas long after they were written, and consumers are
upgraded at their own pace, so a published type may only grow: new *optional* fields, new enum values
(consumers must be upgraded before a producer emits one). Anything else — a field removed or renamed, a
field that becomes required or optional, a new required field, a changed type, a removed enum value —
is a breaking change and needs a new ``.v2`` type.

Validation constraints (lengths, bounds, patterns) and annotations (titles, descriptions) are not compared.
"""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]


def breaking_changes(old: Schema, new: Schema) -> list[str]:
    """The breaking differences from ``old`` to ``new``, one sentence each; empty when compatible.

    Both are standalone JSON schemas as ``model_json_schema()`` makes them (local ``#/$defs/`` refs).
    """
    problems: list[str] = []
    _compare(old, new, old, new, "$", problems, set())
    return problems


def _deref(schema: Schema, root: Schema) -> tuple[Schema, str | None]:
    """Follow local ``$ref`` chains; the schema and the name of the last definition followed."""
    name: str | None = None
    seen: set[str] = set()
    while "$ref" in schema:
        ref = schema["$ref"]
        if not isinstance(ref, str) or not ref.startswith("#/") or ref in seen:
            raise ValueError(f"unresolvable $ref {ref!r}")
        seen.add(ref)
        target: Any = root
        for part in ref[2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        name = ref
        schema = target
    return schema, name


def _is_object(schema: Schema) -> bool:
    return schema.get("type") == "object" or "properties" in schema


def _alternatives(schema: Schema) -> list[Schema] | None:
    for key in ("anyOf", "oneOf"):
        if key in schema:
            alternatives: list[Schema] = schema[key]
            return alternatives
    return None


def _describe(schema: Schema) -> str:
    if "enum" in schema:
        return "enum"
    if "const" in schema:
        return f"const {schema['const']!r}"
    kind = str(schema.get("type", "any"))
    return f"{kind} ({schema['format']})" if "format" in schema else kind


def _compare(
    old: Schema,
    new: Schema,
    old_root: Schema,
    new_root: Schema,
    path: str,
    problems: list[str],
    visiting: set[tuple[str | None, str | None]],
) -> None:
    old, old_name = _deref(old, old_root)
    new, new_name = _deref(new, new_root)
    if old_name is not None or new_name is not None:
        pair = (old_name, new_name)
        if pair in visiting:  # a recursive model: this pair is being compared further up
            return
        visiting = visiting | {pair}

    old_alts, new_alts = _alternatives(old), _alternatives(new)
    if old_alts is not None or new_alts is not None:
        olds, news = old_alts or [old], new_alts or [new]
        if len(olds) != len(news):
            problems.append(f"{path}: type changed (one of {len(olds)} kinds -> one of {len(news)} kinds)")
            return
        for i, (o, n) in enumerate(zip(olds, news, strict=True)):
            _compare(o, n, old_root, new_root, f"{path}<{i}>", problems, visiting)
        return

    if _is_object(old) or _is_object(new):
        if not (_is_object(old) and _is_object(new)):
            problems.append(f"{path}: type changed ({_describe(old)} -> {_describe(new)})")
            return
        _compare_objects(old, new, old_root, new_root, path, problems, visiting)
        return

    if "enum" in old or "enum" in new:
        if "enum" not in old or "enum" not in new:
            problems.append(f"{path}: type changed ({_describe(old)} -> {_describe(new)})")
            return
        removed = [v for v in old["enum"] if v not in new["enum"]]
        if removed:
            problems.append(f"{path}: enum values removed: {', '.join(map(repr, removed))}")
        return

    if old.get("const") != new.get("const") or _describe(old) != _describe(new):
        problems.append(f"{path}: type changed ({_describe(old)} -> {_describe(new)})")
        return

    if "items" in old or "items" in new:
        old_items, new_items = old.get("items", {}), new.get("items", {})
        _compare(old_items, new_items, old_root, new_root, f"{path}[]", problems, visiting)


def _compare_objects(
    old: Schema,
    new: Schema,
    old_root: Schema,
    new_root: Schema,
    path: str,
    problems: list[str],
    visiting: set[tuple[str | None, str | None]],
) -> None:
    old_props: dict[str, Schema] = old.get("properties", {})
    new_props: dict[str, Schema] = new.get("properties", {})
    old_required = set(old.get("required", ()))
    new_required = set(new.get("required", ()))
    for name, old_prop in old_props.items():
        where = f"{path}.{name}"
        if name not in new_props:
            problems.append(f"{where}: field removed or renamed")
            continue
        if name in old_required and name not in new_required:
            problems.append(f"{where}: required field became optional")
        elif name not in old_required and name in new_required:
            problems.append(f"{where}: optional field became required")
        _compare(old_prop, new_props[name], old_root, new_root, where, problems, visiting)
    for name in new_props.keys() - old_props.keys():
        if name in new_required:
            problems.append(f"{path}.{name}: new required field")
