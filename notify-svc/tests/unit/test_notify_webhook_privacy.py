"""No personal data reaches an integrator: every event type an integrator can subscribe to, as its webhook
body is made (notify_svc.webhooks.redaction), keeps only fields known to hold none.

A new field of an integrator-facing event fails :func:`test_every_field_an_integrator_receives_is_known` until
it is marked personal (``json_schema_extra=PERSONAL``: redacted) or added to :data:`NOT_PERSONAL` after
checking that it holds no name, phone, identity number, e-mail, address or birth date.
"""

from __future__ import annotations

import json
import re
from typing import Any

from notify_fakes import FakeNotifyUow

from motcua_shared.chassis.auth import Principal, Role
from motcua_shared.contracts.base import Event
from motcua_shared.contracts.examples import examples
from motcua_shared.contracts.notify import NotifyChannel
from motcua_shared.contracts.registry import event_types
from motcua_shared.testing import handle
from notify_svc.deliveries.handlers import build_handlers
from notify_svc.webhooks import service
from notify_svc.webhooks.redaction import redact

NOT_PERSONAL = frozenset(
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
PERSONAL_VALUES = re.compile(
    r"\+?84\d{9,10}|\b0\d{9,10}\b|\b\d{12}\b|[\w.+-]+@[\w-]+\.[\w.]+|Nguyễn Văn An|Trần Thị Thu Hà|Lê Lợi"
)
"""Phones, CCCD numbers, e-mail addresses and the names and street the samples below use."""
FREE_TEXT = "Ông Nguyễn Văn An, 0912345678, CCCD 046190001234, an@example.vn, 12 Lê Lợi"
INTEGRATOR = Principal(subject="portal-quoc-gia", role=Role.INTEGRATOR)


def _fields(schema: dict[str, Any], root: dict[str, Any]) -> set[str]:
    """Every property name in ``schema``, nested models included."""
    if "$ref" in schema:
        schema = root["$defs"][schema["$ref"].rsplit("/", 1)[-1]]
    names: set[str] = set()
    for key in ("anyOf", "oneOf", "allOf"):
        for alternative in schema.get(key, []):
            names |= _fields(alternative, root)
    if "items" in schema and isinstance(schema["items"], dict):
        names |= _fields(schema["items"], root)
    for name, prop in schema.get("properties", {}).items():
        if prop.get("x-personal-data"):
            continue
        names.add(name)
        names |= _fields(prop, root)
    return names


def _integrator_types() -> dict[str, type[Event]]:
    wanted = service.webhook_event_types()
    return {name: model for name, model in event_types().items() if name in wanted}


def test_every_field_an_integrator_receives_is_known() -> None:
    assert _integrator_types(), "integrators can subscribe to events"
    unknown = {
        name: sorted(_fields(schema, schema) - NOT_PERSONAL)
        for name, model in _integrator_types().items()
        if (schema := model.model_json_schema())
    }
    assert {name: fields for name, fields in unknown.items() if fields} == {}, (
        "mark these fields PERSONAL (redacted for integrators) or list them in NOT_PERSONAL"
    )


def test_contacts_and_free_text_are_personal_in_every_integrator_event() -> None:
    for name, model in _integrator_types().items():
        schema = model.model_json_schema()
        kept = _fields(schema, schema)
        for personal in ("applicant", "payer", "phone", "email", "comment", "note", "reason", "result"):
            assert personal not in kept, (name, personal)


def _with_personal_text(event: Event) -> Event:
    """``event`` with every free-text field a person writes filled with personal data."""
    fields: dict[str, Any] = {
        f: FREE_TEXT
        for f in ("note", "reason", "result", "comment")
        if f in type(event).model_fields and getattr(event, f, None) is not None
    }
    return event.model_copy(update=fields)


async def test_no_webhook_body_carries_personal_data() -> None:
    uow = FakeNotifyUow()
    kinds = sorted(_integrator_types())
    await service.create(
        uow.unit,
        uow.env,
        INTEGRATOR,
        url="https://hooks.example.vn/motcua",
        event_types_=kinds,
        description=None,
    )
    handlers = build_handlers(uow.env)
    samples = [_with_personal_text(e) for name, e in examples().items() if name in kinds]
    assert {e.TYPE for e in samples} == set(kinds), "an example of every integrator-facing type"
    carrying = {e.TYPE for e in samples if PERSONAL_VALUES.search(e.model_dump_json())}
    assert len(carrying) >= 10, "the samples carry personal data for redaction to remove"
    async with uow:
        for event in samples:
            await handle(handlers, uow, event)
        await uow.commit()
    bodies = {
        d.source_event_type: d.body for d in uow.deliveries.rows if d.channel == NotifyChannel.WEBHOOK.value
    }
    assert set(bodies) == set(kinds)
    for kind, body in bodies.items():
        assert PERSONAL_VALUES.search(body) is None, (kind, body)
        data = json.loads(body)["data"]
        assert data == redact(event_types()[kind], data), "redaction is idempotent: nothing personal left"
