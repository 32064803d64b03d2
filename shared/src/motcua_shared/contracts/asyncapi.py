"""The AsyncAPI 3.0.0 document of the platform's events, generated from the registered models.

``python -m motcua_shared.contracts.asyncapi`` prints it; ``--write`` writes the committed
``asyncapi.json`` and the per-type schema snapshots (``schemas/<type>.json``), refusing breaking changes.
"""

from __future__ import annotations

import argparse
import inspect
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from motcua_shared.contracts import topics
from motcua_shared.contracts.base import CloudEvent, Event
from motcua_shared.contracts.examples import EXAMPLE_SUMMARY, example_envelope, examples
from motcua_shared.contracts.public import public_envelope, public_model, public_types
from motcua_shared.contracts.registry import event_types
from motcua_shared.contracts.snapshots import REGENERATE, dump, write_snapshots

ASYNCAPI_PATH = Path(__file__).parent / "asyncapi.json"
DOCUMENT_VERSION = "1.0.0"
CONTENT_TYPE = "application/cloudevents+json"
KAFKA_BINDING_VERSION = "0.5.0"
_SCHEMAS = "#/components/schemas/"

_INTERNAL_TAG = {
    "name": "internal",
    "description": "The services' own topic: it may carry personal data; no integrator reads it.",
}
_INTEGRATOR_TAG = {
    "name": "integrators",
    "description": "A public topic: what integrators may read, never personal data.",
}

_CHANNEL_TITLES = {
    "catalog": "Procedure catalogue events",
    "dossier": "Dossier lifecycle events",
    "payment": "Payment events",
    "notify": "Notification delivery events",
    "identity": "Sign-in events",
}


def build_asyncapi() -> dict[str, Any]:
    """The AsyncAPI 3.0.0 document: one channel per topic, internal and public, and one message per
    registered event type on each channel that carries it (the public one redacted)."""
    types = sorted(event_types().items())
    public = sorted((name, public_model(model)) for name, model in public_types().items())
    data_refs, public_refs, components_schemas = _component_schemas(types, public)

    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    for topic in topics.ALL:
        service = topics.service_of(topic)
        on_topic = [type_name for type_name, model in types if topic == model.TOPIC]
        producer = topics.PRODUCERS[topic]
        twin = topics.PUBLIC.get(topic)
        readers = (
            f"Internal: read by the platform's services only; integrators read `{twin}`."
            if twin
            else "Internal: read by the platform's services only."
        )
        _add_channel(
            channels,
            operations,
            service,
            address=topic,
            title=_CHANNEL_TITLES.get(service, f"{service} events"),
            description=(
                f"Published by {producer} through its outbox. {readers} Each record's value is a "
                "CloudEvents 1.0 envelope in structured JSON mode; its key is the envelope's `subject` (the "
                "aggregate id), so one aggregate's events keep their order within a partition. Events a "
                f"consumer cannot handle after its retries go to `{topics.dlq(topic)}`."
            ),
            tag=_INTERNAL_TAG,
            messages={name: name for name in on_topic},
            sends=(f"{producer} publishes {service} events", f"{producer} sends every {service} event"),
        )
        if twin is None:
            continue
        _add_channel(
            channels,
            operations,
            f"public_{service}",
            address=twin,
            title=f"{_CHANNEL_TITLES.get(service, f'{service} events')} for integrators",
            description=(
                f"For integrators: every event of `{topic}`, published by {producer}'s outbox relay in the "
                "same batch and with the same CloudEvents id, type, subject and key, its fields marked "
                "`x-personal-data` left out (contacts, and every free text a person writes). The only "
                "topics an integrator's principal may read. Webhooks deliver the same bodies."
            ),
            tag=_INTEGRATOR_TAG,
            messages={name: _public_message(name) for name in on_topic if name in public_refs},
            sends=(
                f"{producer} publishes {service} events for integrators",
                f"{producer} sends every {service} event, personal data removed,",
            ),
        )

    samples = examples()
    messages = {
        type_name: _message(type_name, model, data_refs[type_name], samples.get(type_name))
        for type_name, model in types
    }
    for type_name, model in types:
        if type_name in public_refs:
            messages[_public_message(type_name)] = _message(
                type_name, model, public_refs[type_name], samples.get(type_name), public=True
            )
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "motcua events",
            "version": DOCUMENT_VERSION,
            "description": (
                "The events of motcua, an open platform for Vietnamese online public services (một cửa). "
                "Types are named `vn.motcua.<service>.<entity>.<happening>.v<n>`; a type only ever gains "
                "optional fields, and a breaking change is a new `.v<n+1>` type. Times are RFC 3339 with an "
                "offset, money is integer VND. Fields marked `x-personal-data` hold personal data: mask "
                "them in logs; fields marked `x-secret` are never logged. Channels tagged `internal` are the "
                "services' own; integrators read the channels tagged `integrators` (`motcua.public.*`), "
                "which carry the same events without personal data."
            ),
        },
        "defaultContentType": CONTENT_TYPE,
        "servers": {
            "production": {
                "host": "kafka:9092",
                "protocol": "kafka",
                "description": "Placeholder: the stack's Kafka bootstrap server; use your deployment's.",
            }
        },
        "channels": channels,
        "operations": operations,
        "components": {
            "schemas": components_schemas,
            "messages": messages,
            "messageTraits": {
                "CloudEventsStructured": {
                    "contentType": CONTENT_TYPE,
                    "description": (
                        "CloudEvents 1.0, structured JSON mode: the Kafka record value is the whole "
                        "envelope, the record key is its `subject`."
                    ),
                    "correlationId": {
                        "description": "The CloudEvents id: unique per event, the consumers' inbox key.",
                        "location": "$message.payload#/id",
                    },
                }
            },
        },
    }


def _add_channel(
    channels: dict[str, Any],
    operations: dict[str, Any],
    channel_id: str,
    *,
    address: str,
    title: str,
    description: str,
    tag: dict[str, str],
    messages: dict[str, str],
    sends: tuple[str, str],
) -> None:
    """Add the channel ``channel_id`` on topic ``address`` carrying ``messages`` (type name -> component
    message id), and the operation that sends them (``sends``: its title and the start of its summary)."""
    channels[channel_id] = {
        "address": address,
        "title": title,
        "description": description,
        "tags": [tag],
        "messages": {name: {"$ref": f"#/components/messages/{ref}"} for name, ref in messages.items()},
        "bindings": {"kafka": {"topic": address, "bindingVersion": KAFKA_BINDING_VERSION}},
    }
    operations[f"publish_{channel_id}"] = {
        "action": "send",
        "channel": {"$ref": f"#/channels/{channel_id}"},
        "title": sends[0],
        "summary": f"{sends[1]} to `{address}`.",
        "messages": [{"$ref": f"#/channels/{channel_id}/messages/{name}"} for name in messages],
    }


def _public_message(type_name: str) -> str:
    """The id of the public (redacted) message of ``type_name`` in ``components/messages``."""
    return f"public.{type_name}"


def _component_schemas(
    types: Sequence[tuple[str, type[Event]]], public: Sequence[tuple[str, type[BaseModel]]]
) -> tuple[dict[str, str], dict[str, str], dict[str, Any]]:
    """The ``$ref`` of each type's data schema by type name, the same for the public (redacted) data, and
    the ``components/schemas`` they point to.

    The envelope and every model are generated together, so pydantic names shared nested models once
    (and disambiguates clashing names); its ``$defs`` become ``components/schemas`` and every ``$ref`` is
    written to resolve there. A type without personal data has the same schema on both topics.
    """
    inputs: list[tuple[type[BaseModel], JsonSchemaMode]] = [(CloudEvent, "validation")]
    inputs += [(model, "validation") for _, model in types]
    inputs += [(model, "validation") for _, model in public]
    refs, top = models_json_schema(list(dict.fromkeys(inputs)), ref_template=_SCHEMAS + "{model}")
    if refs[(CloudEvent, "validation")]["$ref"] != _SCHEMAS + "CloudEvent":
        raise RuntimeError("an event model is named CloudEvent")
    data_refs = {type_name: refs[(model, "validation")]["$ref"] for type_name, model in types}
    public_refs = {type_name: refs[(model, "validation")]["$ref"] for type_name, model in public}
    schemas: dict[str, Any] = top.get("$defs", {})
    return data_refs, public_refs, schemas


def _message(
    type_name: str, model: type[Event], data_ref: str, sample: Event | None, *, public: bool = False
) -> dict[str, Any]:
    """The message of one event type: the envelope whose ``data`` is the type's schema (``public``: what
    integrators receive of it)."""
    description = inspect.cleandoc(model.__doc__ or "")
    if public:
        description += "\n\nAs integrators receive it: the fields marked `x-personal-data` are left out."
    message: dict[str, Any] = {
        "name": type_name,
        "title": f"{model.__name__} (for integrators)" if public else model.__name__,
        "summary": model.SUMMARY,
        "description": description,
        "contentType": CONTENT_TYPE,
        "payload": {
            "allOf": [
                {"$ref": _SCHEMAS + "CloudEvent"},
                {
                    "type": "object",
                    "properties": {
                        "type": {"const": type_name},
                        "subject": {
                            "type": "string",
                            "description": f"The event's `{model.SUBJECT_FIELD}`; also the Kafka key.",
                        },
                        "data": {"$ref": data_ref},
                    },
                    "required": ["type", "subject", "data"],
                },
            ]
        },
        "bindings": {
            "kafka": {
                "key": {
                    "type": "string",
                    "description": f"The CloudEvents `subject`: the event's `{model.SUBJECT_FIELD}`.",
                },
                "bindingVersion": KAFKA_BINDING_VERSION,
            }
        },
        "traits": [{"$ref": "#/components/messageTraits/CloudEventsStructured"}],
        "x-topic": topics.PUBLIC[model.TOPIC] if public else model.TOPIC,
        "x-subject-field": model.SUBJECT_FIELD,
    }
    if sample is not None:
        envelope = json.loads(_example(sample, public=public).to_json())
        message["examples"] = [{"name": "example", "summary": EXAMPLE_SUMMARY, "payload": envelope}]
    return message


def _example(sample: Event, *, public: bool) -> CloudEvent:
    envelope = example_envelope(sample)
    redacted = public_envelope(envelope, type(sample)) if public else envelope
    if redacted is None:
        raise RuntimeError(f"{sample.TYPE} has no registered model")
    return redacted


def render() -> str:
    """The document as committed in ``asyncapi.json``."""
    return dump(build_asyncapi())


def main(argv: Sequence[str] | None = None) -> int:
    """Print the document, or with ``--write`` write it and the schema snapshots."""
    parser = argparse.ArgumentParser(prog="python -m motcua_shared.contracts.asyncapi", description=__doc__)
    parser.add_argument(
        "--write", action="store_true", help="write asyncapi.json and schemas/<type>.json instead of printing"
    )
    args = parser.parse_args(argv)
    text = render()
    if not args.write:
        sys.stdout.write(text)
        return 0
    problems = write_snapshots()
    if problems:
        for problem in problems:
            print(problem, file=sys.stderr)
        print("nothing written", file=sys.stderr)
        return 1
    ASYNCAPI_PATH.write_text(text, encoding="utf-8")
    print(f"wrote {ASYNCAPI_PATH} and {len(event_types())} schema snapshots", file=sys.stderr)
    return 0


__all__ = ["ASYNCAPI_PATH", "REGENERATE", "build_asyncapi", "main", "render"]

if __name__ == "__main__":
    raise SystemExit(main())
