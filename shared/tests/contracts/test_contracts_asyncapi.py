"""The AsyncAPI document: committed, structurally sound, and in step with the registry."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from motcua_shared.contracts import decode, event_types, topics
from motcua_shared.contracts.asyncapi import ASYNCAPI_PATH, build_asyncapi, main, render
from motcua_shared.contracts.base import CloudEvent
from motcua_shared.contracts.public import public_model
from motcua_shared.contracts.snapshots import REGENERATE


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    return build_asyncapi()


def _refs(node: Any, path: str = "#") -> Iterator[tuple[str, str]]:
    """Every ``$ref`` in ``node``, with where it is."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield path, value
            else:
                yield from _refs(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _refs(value, f"{path}/{i}")


def _resolve(doc: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), f"{ref} is not local to the document"
    node: Any = doc
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        assert isinstance(node, dict), f"{ref} does not resolve (at {part!r})"
        assert part in node, f"{ref} does not resolve (at {part!r})"
        node = node[part]
    return node


def test_committed_document_is_current(doc: dict[str, Any]) -> None:
    assert ASYNCAPI_PATH.exists(), f"asyncapi.json is missing: run `{REGENERATE}`"
    committed = json.loads(ASYNCAPI_PATH.read_text(encoding="utf-8"))
    assert committed == doc, f"asyncapi.json is out of date: run `{REGENERATE}`"


def test_main_prints_the_document(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 0
    assert capsys.readouterr().out == render()


def test_asyncapi_3_structure(doc: dict[str, Any]) -> None:
    assert doc["asyncapi"] == "3.0.0"
    assert doc["info"]["title"] == "motcua events"
    assert doc["info"]["version"]
    assert doc["defaultContentType"] == "application/cloudevents+json"
    server = doc["servers"]["production"]
    assert server["host"] == "kafka:9092"
    assert server["protocol"] == "kafka"
    for key in ("channels", "operations", "components"):
        assert doc[key], f"{key} is empty"
    assert set(doc["components"]) <= {"schemas", "messages", "messageTraits", "correlationIds"}
    for channel_id, channel in doc["channels"].items():
        assert set(channel) <= {
            "address",
            "title",
            "summary",
            "description",
            "tags",
            "messages",
            "bindings",
        }, channel_id
    for operation in doc["operations"].values():
        assert operation["action"] == "send"
        assert set(operation) <= {"action", "channel", "title", "summary", "messages"}


def test_every_ref_resolves(doc: dict[str, Any]) -> None:
    refs = list(_refs(doc))
    assert refs
    for where, ref in refs:
        assert isinstance(ref, str), where
        _resolve(doc, ref)
    assert "$defs" not in json.dumps(doc), "pydantic $defs left in the document"


def test_one_channel_per_topic(doc: dict[str, Any]) -> None:
    addresses = [channel["address"] for channel in doc["channels"].values()]
    assert sorted(addresses) == sorted([*topics.ALL, *topics.PUBLIC.values()])
    for channel in doc["channels"].values():
        assert channel["bindings"]["kafka"]["topic"] == channel["address"]
        assert "subject" in channel["description"], "the channel should say what the Kafka key is"


def test_channel_messages_match_the_registry(doc: dict[str, Any]) -> None:
    registered = event_types()
    seen: set[str] = set()
    seen_public: set[str] = set()
    for channel in doc["channels"].values():
        public = channel["address"] in topics.PUBLIC.values()
        for name, ref in channel["messages"].items():
            model = registered.get(name)
            assert model is not None, f"channel {channel['address']} has unregistered message {name}"
            topic = topics.PUBLIC[model.TOPIC] if public else model.TOPIC
            assert channel["address"] == topic, f"{name} is on the wrong channel"
            assert _resolve(doc, ref["$ref"])["name"] == name
            (seen_public if public else seen).add(name)
    assert seen == set(registered), f"registered but on no channel: {set(registered) - seen}"
    on_public_topics = {name for name, model in registered.items() if model.TOPIC in topics.PUBLIC}
    assert seen_public == on_public_topics, "every event of a topic with a public twin is on the twin"
    assert set(doc["components"]["messages"]) == set(registered) | {f"public.{n}" for n in on_public_topics}


def test_channels_say_who_reads_them(doc: dict[str, Any]) -> None:
    for channel in doc["channels"].values():
        (tag,) = channel["tags"]
        assert tag["name"] == ("integrators" if channel["address"] in topics.PUBLIC.values() else "internal")
        twin = topics.PUBLIC.get(channel["address"])
        if twin is not None:
            assert twin in channel["description"], "an internal channel names its public twin"


def test_operations_send_their_channel_messages(doc: dict[str, Any]) -> None:
    by_address = {}
    for operation in doc["operations"].values():
        channel = _resolve(doc, operation["channel"]["$ref"])
        channel_ref = operation["channel"]["$ref"]
        for message in operation["messages"]:
            assert message["$ref"].startswith(channel_ref + "/messages/"), message
        assert len(operation["messages"]) == len(channel["messages"])
        by_address[channel["address"]] = operation
    assert set(by_address) == {*topics.ALL, *topics.PUBLIC.values()}, "every topic has a producing operation"
    internal_of = {twin: topic for topic, twin in topics.PUBLIC.items()}
    for topic, operation in by_address.items():
        assert topics.PRODUCERS[internal_of.get(topic, topic)] in operation["title"]


def test_messages_describe_the_envelope_and_the_key(doc: dict[str, Any]) -> None:
    for name, model in event_types().items():
        message = doc["components"]["messages"][name]
        assert message["name"] == name
        assert message["summary"] == model.SUMMARY
        assert message["contentType"] == "application/cloudevents+json"
        assert model.SUBJECT_FIELD in message["bindings"]["kafka"]["key"]["description"]
        envelope_ref, specifics = message["payload"]["allOf"]
        envelope = _resolve(doc, envelope_ref["$ref"])
        assert set(envelope["required"]) >= {"id", "source", "type", "subject", "time", "data"}
        assert specifics["properties"]["type"]["const"] == name
        data = _resolve(doc, specifics["properties"]["data"]["$ref"])
        assert set(data["properties"]) == set(model.model_fields), name
        assert data["description"], f"{name} has no description"


def test_examples_decode_to_their_type(doc: dict[str, Any]) -> None:
    for name, message in doc["components"]["messages"].items():
        (example,) = message["examples"]
        envelope = CloudEvent.model_validate(example["payload"])
        assert envelope.type == message["name"]
        if name.startswith("public."):
            model = event_types()[envelope.type]
            public = public_model(model).model_validate(envelope.data)
            assert envelope.subject == str(getattr(public, model.SUBJECT_FIELD))
            continue
        assert envelope.type == name
        event = decode(envelope)
        assert envelope.subject == event.subject()
