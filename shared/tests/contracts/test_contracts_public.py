"""The public topics carry no personal data: every field of every message on a channel for integrators is
known to hold none, and the events the relay and the webhooks make from real samples keep none of it.

A new field of an event on a topic with a public twin (:data:`motcua_shared.contracts.topics.PUBLIC`)
fails :func:`test_every_field_on_a_public_topic_is_vetted` until it is marked personal
(``json_schema_extra=PERSONAL``: left out of public events) or added to :data:`VETTED` after checking that
it holds no name, phone, identity number, e-mail, address or birth date.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from motcua_shared.contracts import topics
from motcua_shared.contracts.asyncapi import build_asyncapi
from motcua_shared.contracts.base import CloudEvent
from motcua_shared.contracts.examples import example_envelope, examples
from motcua_shared.contracts.public import public_envelope, public_model, public_types, redact
from motcua_shared.contracts.registry import event_types
from motcua_shared.testing import PERSONAL_VALUES, with_personal_text

VETTED = frozenset(
    {
        # Identities of dossiers, procedures, agencies, payments: codes and numbers, never a person's.
        "dossier_code",
        "procedure_code",
        "procedure_version",
        "procedure_name",
        "agency_code",
        "agency_name",
        "case_code",
        "from_agency_code",
        "to_agency_code",
        "responsible_agency_code",
        "payment_id",
        "refund_id",
        "reference",
        "receipt_number",
        "provider",
        "provider_txn_id",
        "renews",
        # An account's opaque subject (a UUID): it names no one outside the platform.
        "applicant_id",
        "id",
        # States, channels, times, money, steps.
        "status",
        "national_status",
        "occurred_at",
        "due_at",
        "previous_due_at",
        "step_due_at",
        "respond_by",
        "expires_at",
        "channel",
        "role",
        "actor",
        "timeliness",
        "rating",
        "method",
        "cause",
        "currency",
        "amount",
        "amount_due",
        "refunded_amount",
        "total_refunded",
        "proposed_amount",
        "fee_items",
        "fee_total",
        "fee_timing",
        "items",
        "kind",
        "exempt",
        "name",  # only a fee item's name survives redaction (a contact's is personal; see below)
        "timing",
        "processing_days",
        "days",
        "step_order",
        "step_count",
        "step_name",
        "documents",
        "extensions",
        "late_steps",
        # An SMS look-up's answer: the provider's message id and the platform's own words (the phone is
        # personal, redacted).
        "message_id",
        "outcome",
        "status_label",
        "next_step",
        "answered_at",
    }
)


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    return build_asyncapi()


def _schema(doc: dict[str, Any], ref: str) -> dict[str, Any]:
    node: Any = doc
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    assert isinstance(node, dict)
    return node


def _properties(doc: dict[str, Any], schema: dict[str, Any], seen: set[str]) -> Iterator[tuple[str, Any]]:
    """Every property of ``schema``, through its references, alternatives and items, each schema once."""
    if "$ref" in schema:
        if schema["$ref"] in seen:
            return
        seen.add(schema["$ref"])
        yield from _properties(doc, _schema(doc, schema["$ref"]), seen)
    for key in ("anyOf", "oneOf", "allOf"):
        for alternative in schema.get(key, []):
            yield from _properties(doc, alternative, seen)
    if isinstance(schema.get("items"), dict):
        yield from _properties(doc, schema["items"], seen)
    for name, prop in schema.get("properties", {}).items():
        yield name, prop
        yield from _properties(doc, prop, seen)


def _public_data_schemas(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The ``data`` schema of every message on a channel for integrators, by channel address and type."""
    found: dict[str, dict[str, Any]] = {}
    for channel in doc["channels"].values():
        if [tag["name"] for tag in channel["tags"]] != ["integrators"]:
            continue
        for name, ref in channel["messages"].items():
            message = _schema(doc, ref["$ref"])
            specifics = message["payload"]["allOf"][1]
            found[f"{channel['address']} {name}"] = specifics["properties"]["data"]
    return found


def test_the_public_channels_are_the_public_topics(doc: dict[str, Any]) -> None:
    schemas = _public_data_schemas(doc)
    assert {key.split()[0] for key in schemas} == set(topics.PUBLIC.values())
    assert {key.split()[1] for key in schemas} == set(public_types())
    assert topics.IDENTITY not in topics.PUBLIC, "sign-in events carry secrets: never public"


def test_no_schema_of_a_public_topic_has_a_personal_field(doc: dict[str, Any]) -> None:
    for where, schema in _public_data_schemas(doc).items():
        personal = sorted(
            name for name, prop in _properties(doc, schema, set()) if prop.get("x-personal-data")
        )
        assert personal == [], (where, personal)


def test_every_field_on_a_public_topic_is_vetted(doc: dict[str, Any]) -> None:
    unknown = {
        where: sorted({name for name, _ in _properties(doc, schema, set())} - VETTED)
        for where, schema in _public_data_schemas(doc).items()
    }
    assert {where: names for where, names in unknown.items() if names} == {}, (
        "mark these fields PERSONAL (left out of public events) or list them in VETTED"
    )


def test_contacts_and_free_text_never_reach_a_public_topic(doc: dict[str, Any]) -> None:
    for where, schema in _public_data_schemas(doc).items():
        kept = {name for name, _ in _properties(doc, schema, set())}
        for personal in ("applicant", "payer", "phone", "email", "comment", "note", "reason", "result"):
            assert personal not in kept, (where, personal)


def test_public_events_keep_no_personal_value_and_match_their_schema() -> None:
    samples = {name: with_personal_text(e) for name, e in examples().items() if name in public_types()}
    assert set(samples) == set(public_types()), "an example of every public type"
    carrying = {name for name, e in samples.items() if PERSONAL_VALUES.search(e.model_dump_json())}
    assert len(carrying) >= 10, "the samples carry personal data for redaction to remove"
    for name, event in samples.items():
        internal = example_envelope(event)
        public = public_envelope(CloudEvent.from_json(internal.to_json()))
        assert public is not None
        text = public.to_json()
        assert PERSONAL_VALUES.search(text) is None, (name, text)
        assert (public.id, public.type, public.subject, public.time) == (
            internal.id,
            internal.type,
            internal.subject,
            internal.time,
        )
        model = public_model(type(event))
        assert set(public.data) <= set(model.model_fields), name
        assert json.loads(model.model_validate(public.data).model_dump_json()) == public.data, name
        assert public.data == redact(type(event), public.data), "nothing personal left to remove"


def test_a_field_the_contract_does_not_declare_is_left_out() -> None:
    name, model = next(iter(sorted(public_types().items())))
    envelope = example_envelope(examples()[name])
    newer = envelope.model_copy(update={"data": {**envelope.data, "applicant_cccd": "046190001234"}})
    public = public_envelope(newer)
    assert public is not None
    assert "applicant_cccd" not in public.data
    assert set(public.data) <= set(model.model_fields)


def test_an_unknown_type_is_never_made_public() -> None:
    envelope = example_envelope(next(iter(examples().values())))
    unknown = envelope.model_copy(update={"type": "vn.motcua.dossier.dossier.unheard_of.v1"})
    assert unknown.type not in event_types()
    assert public_envelope(unknown) is None
