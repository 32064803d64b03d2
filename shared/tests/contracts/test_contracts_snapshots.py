"""Each event type's JSON schema is committed, and a published schema only changes compatibly."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Any, ClassVar

import pytest
from pydantic import BaseModel, Field, create_model

from motcua_shared.contracts import Event, event_types, registry, snapshots
from motcua_shared.contracts.compat import breaking_changes
from motcua_shared.contracts.snapshots import REGENERATE, breaking, committed, schema_of, snapshot_path

TYPES = sorted(event_types().items())


@pytest.mark.parametrize(("type_name", "model"), TYPES)
def test_snapshot_matches_model(type_name: str, model: type[Event]) -> None:
    path = snapshot_path(type_name)
    assert path.exists(), f"no schema snapshot for {type_name}: run `{REGENERATE}`"
    old = json.loads(path.read_text(encoding="utf-8"))
    problems = breaking(type_name, old, model)
    assert not problems, "\n".join(problems)
    assert old == schema_of(model), (
        f"the schema of {type_name} changed compatibly; regenerate the snapshots: run `{REGENERATE}`"
    )


def test_no_snapshot_without_its_type() -> None:
    registered = event_types()
    for type_name in committed():
        assert type_name in registered, (
            f"breaking change to {type_name}: the type was removed; keep it registered"
        )


# -- the compatibility rule, on small models -------------------------------------------------------


class Colour(StrEnum):
    RED = "đỏ"
    BLUE = "xanh"


class Colour2(StrEnum):
    RED = "đỏ"
    BLUE = "xanh"
    YELLOW = "vàng"


class Colour3(StrEnum):
    RED = "đỏ"


class Item(BaseModel):
    name: str
    amount: int


class ItemFloat(BaseModel):
    name: str
    amount: float


BASE: dict[str, Any] = {
    "code": (str, ...),
    "amount": (int, ...),
    "note": (str | None, None),
    "colour": (Colour, Colour.RED),
    "items": (tuple[Item, ...], ()),
}


def _schema(**changes: Any) -> dict[str, Any]:
    """The schema of the BASE model with some fields replaced by ``(annotation, default)``; None drops one."""
    fields = {**BASE, **changes}
    kept = {name: spec for name, spec in fields.items() if spec is not None}
    model: type[BaseModel] = create_model("V1", **kept)
    return model.model_json_schema()


OLD = _schema()


def test_same_schema_is_compatible() -> None:
    assert breaking_changes(OLD, _schema()) == []


def test_new_optional_field_is_compatible() -> None:
    assert breaking_changes(OLD, _schema(channel=(str | None, None))) == []


def test_description_change_is_compatible() -> None:
    class Described(BaseModel):
        code: str = Field(description="Mã hồ sơ")
        amount: int = Field(description="Số tiền (VND)")
        note: str | None = None
        colour: Colour = Colour.RED
        items: tuple[Item, ...] = ()

    assert breaking_changes(OLD, Described.model_json_schema()) == []


def test_new_enum_value_is_compatible() -> None:
    assert breaking_changes(OLD, _schema(colour=(Colour2, Colour2.RED))) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"code": None}, "$.code: field removed or renamed"),
        ({"code": None, "dossier_code": (str, ...)}, "$.code: field removed or renamed"),
        ({"amount": (float, ...)}, "$.amount: type changed (integer -> number)"),
        ({"amount": (str, ...)}, "$.amount: type changed"),
        ({"amount": (int | None, ...)}, "$.amount: type changed"),
        ({"code": (str, "x")}, "$.code: required field became optional"),
        ({"note": (str | None, ...)}, "$.note: optional field became required"),
        ({"channel": (str, ...)}, "$.channel: new required field"),
        ({"colour": (Colour3, Colour3.RED)}, "$.colour: enum values removed: 'xanh'"),
        ({"colour": (str, "đỏ")}, "$.colour: type changed"),
        ({"items": (tuple[ItemFloat, ...], ())}, "$.items[].amount: type changed (integer -> number)"),
        ({"items": (tuple[str, ...], ())}, "$.items[]: type changed"),
    ],
)
def test_breaking_changes_are_found(change: dict[str, Any], expected: str) -> None:
    problems = breaking_changes(OLD, _schema(**change))
    assert any(problem.startswith(expected) for problem in problems), problems


# -- the refusal, end to end on a throwaway registry -------------------------------------------------


class ThingHappened(Event):
    """A thing happened (test only)."""

    TYPE: ClassVar[str] = "vn.motcua.dossier.thing.happened.v1"
    TOPIC: ClassVar[str] = "motcua.dossier.v1"
    SUBJECT_FIELD: ClassVar[str] = "thing_id"
    SUMMARY: ClassVar[str] = "A thing happened."

    thing_id: str = Field(description="Mã.")
    amount: int = Field(description="VND.")


class ThingHappenedRenamed(Event):
    """The same type with a field renamed: breaking."""

    TYPE: ClassVar[str] = ThingHappened.TYPE
    TOPIC: ClassVar[str] = ThingHappened.TOPIC
    SUBJECT_FIELD: ClassVar[str] = "thing_id"

    thing_id: str = Field(description="Mã.")
    amount_vnd: int = Field(description="VND.")


class ThingHappenedGrown(ThingHappened):
    """The same type with a new optional field: compatible."""

    note: str | None = Field(default=None, description="Ghi chú.")


@pytest.fixture
def scratch(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setattr(snapshots, "SCHEMA_DIR", tmp_path)
    monkeypatch.setattr(registry, "_TYPES", {})
    return tmp_path


def _swap(model: type[Event]) -> None:
    registry._TYPES.clear()
    registry._TYPES[ThingHappened.TYPE] = model


def test_write_refuses_a_breaking_change(scratch: Path) -> None:
    _swap(ThingHappened)
    assert snapshots.write_snapshots() == []
    path = scratch / f"{ThingHappened.TYPE}.json"
    first = path.read_text(encoding="utf-8")

    _swap(ThingHappenedRenamed)
    problems = snapshots.write_snapshots()
    assert problems
    assert problems[0].startswith(f"breaking change to {ThingHappened.TYPE}: add a .v2 type")
    assert path.read_text(encoding="utf-8") == first, "a refused write changed the snapshot"


def test_write_accepts_an_optional_field(scratch: Path) -> None:
    _swap(ThingHappened)
    assert snapshots.write_snapshots() == []
    _swap(ThingHappenedGrown)
    assert snapshots.write_snapshots() == []
    written = json.loads((scratch / f"{ThingHappened.TYPE}.json").read_text(encoding="utf-8"))
    assert "note" in written["properties"]


def test_write_refuses_removing_a_type(scratch: Path) -> None:
    _swap(ThingHappened)
    assert snapshots.write_snapshots() == []
    registry._TYPES.clear()
    (problem,) = snapshots.write_snapshots()
    assert problem.startswith(f"breaking change to {ThingHappened.TYPE}")
