"""Look-up by SMS: the provider's signed inbound message in, the answer out through notify as an event.

The look-up itself is the web look-up's (:func:`dossier_svc.lookup.service.lookup`): the same proofs, the
same guard (its client is the phone), the same silence about whether a refused code exists. The reply is a
:class:`DossierLookupAnswered` event written to the outbox; notify renders it with its SMS template and
sends it through its SMS adapter.
"""

from __future__ import annotations

import json
import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from pydantic import ValidationError

from dossier_svc.lookup import service as lookup
from dossier_svc.lookup.errors import LookupNotFound
from dossier_svc.lookup.schemas import LookupOut
from dossier_svc.smslookup.errors import BadSmsSignature, StaleSmsMessage
from dossier_svc.smslookup.models import next_step, parse, sign, signature_verifies
from dossier_svc.smslookup.schemas import InboundSmsIn, InboundStatus
from motcua_shared.chassis.errors import RateLimited, Unprocessable
from motcua_shared.contracts.common import NotAMobileNumber, vn_mobile
from motcua_shared.contracts.dossier import DossierLookupAnswered, LookupOutcome

if TYPE_CHECKING:
    from dossier_svc.dossiers.models import Dossier
    from dossier_svc.ports import Ports
    from dossier_svc.uow import DossierUow


def verified(ports: Ports, *, body: bytes, timestamp: str | None, signature: str | None) -> InboundSmsIn:
    """The message in ``body`` once its signature and timestamp check out; nothing is read or counted
    before (403 for a bad signature or a timestamp outside the window, 422 for a malformed body)."""
    settings = ports.settings.lookup.sms
    if not signature_verifies(settings.secret.get_secret_value().encode(), timestamp, signature, body):
        raise BadSmsSignature(
            "Tin nhắn không mang chữ ký hợp lệ của nhà cung cấp SMS.",
            detail_en="The message does not carry a valid signature of the SMS provider.",
        )
    assert timestamp is not None
    if abs(ports.clock.now().timestamp() - int(timestamp)) > settings.window_seconds:
        raise StaleSmsMessage("Thời điểm ký của tin nhắn nằm ngoài khoảng cho phép (gửi lại tin cũ?).")
    try:
        return InboundSmsIn.model_validate_json(body)
    except ValidationError as exc:
        raise Unprocessable(
            "Tin nhắn chuyển tiếp không đúng định dạng.",
            errors=[{"field": ".".join(map(str, e["loc"])), "message": e["msg"]} for e in exc.errors()],
        ) from None


async def receive(
    uow: DossierUow, ports: Ports, *, body: bytes, timestamp: str | None, signature: str | None
) -> tuple[str, InboundStatus]:
    """Verify a message from the provider, then answer it (see :func:`answer`); its id and what became
    of it."""
    message = verified(ports, body=body, timestamp=timestamp, signature=signature)
    try:
        phone = vn_mobile(message.phone)
    except NotAMobileNumber as exc:
        raise Unprocessable(
            "Số điện thoại gửi tin không hợp lệ.", errors=[{"field": "phone", "message": str(exc)}]
        ) from None
    status = await answer(uow, ports, message_id=message.message_id, phone=phone, text=message.text)
    return message.message_id, status


async def answer(uow: DossierUow, ports: Ports, *, message_id: str, phone: str, text: str) -> InboundStatus:
    """Answer one verified message from ``phone`` (E.164): once per message id, within the phone's limit,
    with the dossier's status, due date and next step for a right proof, and the same refusal for a wrong
    proof as for an unknown code."""
    gate = ports.phone_gate
    if not await gate.first_time(message_id):
        return InboundStatus.DUPLICATE
    if not await gate.admit(phone):
        return InboundStatus.THROTTLED
    now = ports.clock.now()
    reply = DossierLookupAnswered(
        message_id=message_id, phone=phone, outcome=LookupOutcome.HELP, answered_at=now
    )
    query = parse(text)
    if query is not None:
        try:
            dossier = await lookup.lookup(
                uow, ports.lookup_guard, client=f"sms:{phone}", code=query.code, proof=query.proof
            )
        except LookupNotFound:
            reply = reply.model_copy(update={"outcome": LookupOutcome.NOT_FOUND})
        except RateLimited:
            reply = reply.model_copy(update={"outcome": LookupOutcome.LIMITED})
        else:
            reply = _found(reply, dossier)
    async with uow:
        uow.outbox.add(reply)
        await uow.commit()
    return InboundStatus.ANSWERED


def _found(reply: DossierLookupAnswered, dossier: Dossier) -> DossierLookupAnswered:
    seen = LookupOut.of(dossier)
    return reply.model_copy(
        update={
            "outcome": LookupOutcome.FOUND,
            "dossier_code": seen.code,
            "status_label": seen.national_status_label,
            "due_at": seen.appointment_at,
            "next_step": next_step(dossier),
        }
    )


def signed_by_the_provider(ports: Ports, *, phone: str, text: str, at: datetime) -> tuple[bytes, str, str]:
    """A message from the sandbox phone as the provider would forward it: body, timestamp and signature
    made with the configured key, so that it goes through :func:`receive` like any other."""
    body = json.dumps(
        {"message_id": "sbx-mo-" + secrets.token_hex(8), "phone": phone, "text": text}, ensure_ascii=False
    ).encode()
    timestamp = str(int(at.timestamp()))
    key = ports.settings.lookup.sms.secret.get_secret_value().encode()
    return body, timestamp, sign(key, timestamp, body)
