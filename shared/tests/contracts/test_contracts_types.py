"""Every registered event type follows the naming, topic and modelling rules."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from pydantic import ValidationError

from motcua_shared.contracts import Event, PaymentRequested, PaymentSucceeded, event_types, topics
from motcua_shared.contracts.examples import examples

TYPE_NAME = re.compile(r"^vn\.motcua\.(catalog|dossier|payment|notify|identity)\.[a-z_]+\.[a-z_]+\.v[0-9]+$")
MONEY = re.compile(r"^(amount|.+_amount|fee_total|total_refunded)$")
NON_INTEGER_NUMBERS = {"processing_days"}
PERSONAL_NAMES = {"phone", "email", "comment"}

TYPES = sorted(event_types().items())


def _properties(schema: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(model title, property name, property schema) of the schema and all its ``$defs``."""
    for definition in [schema, *schema.get("$defs", {}).values()]:
        for name, prop in definition.get("properties", {}).items():
            yield definition.get("title", "?"), name, prop


def _kinds(prop: dict[str, Any]) -> set[str]:
    alternatives = prop.get("anyOf", [prop])
    return {alt["type"] for alt in alternatives if "type" in alt}


def test_there_are_event_types() -> None:
    assert len(TYPES) >= 20


@pytest.mark.parametrize(("type_name", "model"), TYPES)
def test_name_and_topic(type_name: str, model: type[Event]) -> None:
    assert TYPE_NAME.match(type_name), (
        f"{type_name} does not follow vn.motcua.<service>.<entity>.<happening>.v<n>"
    )
    assert type_name == model.TYPE
    assert model.TOPIC in topics.ALL, f"{type_name}: unknown topic {model.TOPIC}"
    assert type_name.split(".")[2] == topics.service_of(model.TOPIC), f"{type_name} is on {model.TOPIC}"


@pytest.mark.parametrize(("type_name", "model"), TYPES)
def test_model_rules(type_name: str, model: type[Event]) -> None:
    assert model.model_config.get("frozen") is True, f"{type_name} is not frozen"
    assert model.model_config.get("extra") == "ignore", f"{type_name} must ignore unknown fields"
    assert model.SUMMARY.strip(), f"{type_name} has no SUMMARY"
    assert (model.__doc__ or "").strip(), f"{type_name} has no docstring"
    subject = model.model_fields.get(model.SUBJECT_FIELD)
    assert subject is not None, f"{type_name}: SUBJECT_FIELD {model.SUBJECT_FIELD} is not a field"
    assert subject.is_required(), f"{type_name}: the subject must be required"
    assert subject.annotation is str, f"{type_name}: the subject must be a str"


def test_class_names_are_unique() -> None:
    names = [model.__name__ for _, model in TYPES]
    assert len(names) == len(set(names))


@pytest.mark.parametrize(("type_name", "model"), TYPES)
def test_every_field_is_described_and_typed(type_name: str, model: type[Event]) -> None:
    schema = model.model_json_schema()
    for definition in [schema, *schema.get("$defs", {}).values()]:
        assert definition.get("description"), f"{type_name}: {definition.get('title')} has no docstring"
    for owner, name, prop in _properties(schema):
        where = f"{type_name}: {owner}.{name}"
        assert prop.get("description"), f"{where} has no description"
        if MONEY.match(name):
            assert _kinds(prop) == {"integer"}, f"{where} is money: integer VND"
        if "number" in _kinds(prop):
            assert name in NON_INTEGER_NUMBERS, f"{where} is a float; money and counts are integers"
        if name in PERSONAL_NAMES:
            assert prop.get("x-personal-data") is True, f"{where} holds personal data: mark it"


def test_applicant_contact_and_otp_are_marked_personal() -> None:
    submitted = event_types()["vn.motcua.dossier.dossier.submitted.v1"].model_json_schema()
    contact = submitted["$defs"]["Contact"]["properties"]
    assert all(prop.get("x-personal-data") for prop in contact.values())
    otp = event_types()["vn.motcua.identity.otp.requested.v1"].model_json_schema()["properties"]
    assert otp["code"].get("x-secret") is True
    assert otp["phone"].get("x-personal-data") is True


@pytest.mark.parametrize(("type_name", "model"), TYPES)
def test_times_need_an_offset(type_name: str, model: type[Event]) -> None:
    event = examples()[type_name]
    data = event.model_dump()
    times = [name for name, value in data.items() if isinstance(value, datetime)]
    assert times, f"{type_name} carries no time"
    for name in times:
        naive = {**data, name: data[name].replace(tzinfo=None)}
        with pytest.raises(ValidationError):
            model.model_validate(naive)


def test_events_are_immutable_and_tolerant() -> None:
    event = examples()["vn.motcua.payment.payment.succeeded.v1"]
    assert isinstance(event, PaymentSucceeded)
    with pytest.raises(ValidationError):
        event.amount = 1  # type: ignore[misc]
    newer = {**event.model_dump(mode="json"), "a_field_from_a_later_version": "giá trị mới"}
    assert type(event).model_validate(newer) == event


def test_money_is_never_a_float() -> None:
    data = examples()[PaymentRequested.TYPE].model_dump(mode="json")
    with pytest.raises(ValidationError):
        PaymentRequested.model_validate({**data, "amount": 8000.5})
