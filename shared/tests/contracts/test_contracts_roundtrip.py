"""Every event survives the trip through its envelope and back, Vietnamese text intact."""

from __future__ import annotations

import json

import pytest

from motcua_shared.contracts import CloudEvent, DossierSubmitted, Event, decode, event_types, topics
from motcua_shared.contracts.examples import example_envelope, examples

EXAMPLES = sorted(examples().items())


def test_every_type_has_an_example() -> None:
    assert set(examples()) == set(event_types())


@pytest.mark.parametrize(("type_name", "event"), EXAMPLES)
def test_round_trip(type_name: str, event: Event) -> None:
    envelope = CloudEvent.wrap(event, source=f"/motcua/{topics.service_of(event.TOPIC)}", request_id="req-1")
    raw = envelope.to_json()

    back = CloudEvent.from_json(raw.encode("utf-8"))
    assert back == envelope
    assert back.type == type_name
    assert back.subject == event.subject() == str(getattr(event, event.SUBJECT_FIELD))
    decoded = decode(back)
    assert type(decoded) is type(event)
    assert decoded == event
    assert json.loads(raw)["data"] == event.model_dump(mode="json")


def test_vietnamese_text_stays_whole() -> None:
    event = examples()[DossierSubmitted.TYPE]
    assert isinstance(event, DossierSubmitted)
    raw = example_envelope(event).to_json()
    assert "Trần Thị Thu Hà" in raw, "the JSON should carry UTF-8 text, not \\u escapes"
    assert "lệ_phí" in raw
    decoded = decode(CloudEvent.from_json(raw.encode("utf-8")))
    assert isinstance(decoded, DossierSubmitted)
    assert decoded.applicant.name == "Trần Thị Thu Hà"
    assert decoded.fee_items[0].name == "Lệ phí đăng ký khai sinh không đúng hạn"
    assert decoded.procedure_name == "Đăng ký khai sinh"


def test_envelope_has_no_null_attributes() -> None:
    event = examples()[DossierSubmitted.TYPE]
    raw = json.loads(CloudEvent.wrap(event, source="/motcua/dossier").to_json())
    assert "traceparent" not in raw
    assert raw["specversion"] == "1.0"


def test_unknown_type_is_a_key_error() -> None:
    envelope = example_envelope(examples()[DossierSubmitted.TYPE]).model_copy(
        update={"type": "vn.motcua.dossier.dossier.unknown.v1"}
    )
    with pytest.raises(KeyError):
        decode(envelope)
