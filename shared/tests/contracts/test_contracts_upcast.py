"""Upcasters turn an old version's data into the newest, so consumers handle one version only."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

import pytest
from pydantic import Field

from motcua_shared.contracts import CloudEvent, Event, decode, register, register_upcaster, registry

V0 = "vn.motcua.dossier.thing.happened.v0"
V1 = "vn.motcua.dossier.thing.happened.v1"
V2 = "vn.motcua.dossier.thing.happened.v2"
V3 = "vn.motcua.dossier.thing.happened.v3"


@pytest.fixture(autouse=True)
def scratch_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry, "_TYPES", dict(registry._TYPES))
    monkeypatch.setattr(registry, "_UPCASTERS", {})


def _envelope(type_name: str, data: dict[str, Any]) -> CloudEvent:
    return CloudEvent(
        id="e-1", source="/motcua/dossier", type=type_name, subject="HS-1", time=datetime.now(UTC), data=data
    )


def _thing_v2() -> type[Event]:
    @register
    class ThingHappenedV2(Event):
        """A thing happened, amounts in VND (test only)."""

        TYPE: ClassVar[str] = V2
        TOPIC: ClassVar[str] = "motcua.dossier.v1"
        SUBJECT_FIELD: ClassVar[str] = "thing_id"

        thing_id: str = Field(description="Mã.")
        amount_vnd: int = Field(description="VND.")
        label: str = Field(description="Nhãn.")

    return ThingHappenedV2


def _v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    new = {key: value for key, value in data.items() if key != "amount"}
    return {**new, "amount_vnd": data["amount"], "label": "chưa phân loại"}


def test_decode_upcasts_an_old_version() -> None:
    model = _thing_v2()
    register_upcaster(V1, V2, _v1_to_v2)
    old = {"thing_id": "HS-1", "amount": 8000}

    event = decode(_envelope(V1, old))

    assert type(event) is model
    assert event == model(thing_id="HS-1", amount_vnd=8000, label="chưa phân loại")
    assert old == {"thing_id": "HS-1", "amount": 8000}, "the envelope's data must not be changed"


def test_upcasters_chain() -> None:
    model = _thing_v2()
    register_upcaster(V1, V2, _v1_to_v2)
    register_upcaster(V0, V1, lambda data: {**data, "amount": data["tien"]})

    event = decode(_envelope(V0, {"thing_id": "HS-1", "tien": 5000}))

    assert event == model(thing_id="HS-1", amount_vnd=5000, label="chưa phân loại")


def test_current_version_is_untouched() -> None:
    model = _thing_v2()
    register_upcaster(V1, V2, _v1_to_v2)
    data = {"thing_id": "HS-1", "amount_vnd": 1, "label": "x"}
    assert decode(_envelope(V2, data)) == model.model_validate(data)


def test_duplicates_and_loops_are_refused() -> None:
    register_upcaster(V1, V2, _v1_to_v2)
    register_upcaster(V2, V3, dict)
    with pytest.raises(ValueError, match="twice"):
        register_upcaster(V1, V3, dict)
    with pytest.raises(ValueError, match="loop"):
        register_upcaster(V3, V1, dict)
    with pytest.raises(ValueError, match="itself"):
        register_upcaster(V3, V3, dict)
