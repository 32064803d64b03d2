"""HTTP: the SMS provider's inbound webhook (`TRACUU <code> <proof>`) and the sandbox phone."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Header, Request

from dossier_svc.deps import PortsDep, UowDep
from dossier_svc.smslookup import service
from dossier_svc.smslookup.errors import BadSmsSignature, SandboxPhoneDisabled, StaleSmsMessage
from dossier_svc.smslookup.schemas import InboundSmsIn, InboundSmsOut, SandboxPhoneIn, SandboxPhoneOut
from motcua_shared.chassis.errors import Unprocessable
from motcua_shared.chassis.problems import problems

router = APIRouter(prefix="/api/v1/lookup/sms", tags=["lookup"])


@router.post(
    "/inbound",
    response_model=InboundSmsOut,
    responses=problems(BadSmsSignature, StaleSmsMessage, Unprocessable),
    summary="A citizen's SMS look-up (provider webhook, signed)",
    operation_id="lookup.sms_inbound",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": InboundSmsIn.model_json_schema()}},
        }
    },
)
async def inbound(
    request: Request,
    uow: UowDep,
    ports: PortsDep,
    timestamp: Annotated[
        str | None, Header(alias="X-Timestamp", description="Unix seconds when the provider signed it.")
    ] = None,
    signature: Annotated[
        str | None,
        Header(
            alias="X-Signature",
            description='`sha256=<hex HMAC-SHA256 of "<X-Timestamp>." + the raw body>` with the shared key.',
        ),
    ] = None,
) -> InboundSmsOut:
    """Verified on the raw body first; a message signed more than the window away from now is refused as
    a replay. Then answered by SMS (status, due date, next step; or the same refusal for a wrong proof as
    for an unknown code), once per message id and within the phone's limit. The answer here never says
    what the look-up found."""
    body = await request.body()
    message_id, status = await service.receive(
        uow, ports, body=body, timestamp=timestamp, signature=signature
    )
    return InboundSmsOut(message_id=message_id, status=status)


@router.post(
    "/sandbox",
    response_model=SandboxPhoneOut,
    responses=problems(SandboxPhoneDisabled, Unprocessable),
    summary="Send an SMS look-up from the sandbox phone",
    operation_id="lookup.sms_sandbox",
)
async def sandbox_phone(body: SandboxPhoneIn, uow: UowDep, ports: PortsDep) -> SandboxPhoneOut:
    """Development only: the message is signed with the provider's key and goes through the inbound
    webhook's checks; the reply arrives in the sandbox SMS inbox of that phone (`replies`)."""
    if not ports.settings.sandbox_enabled:
        raise SandboxPhoneDisabled()
    raw, timestamp, signature = service.signed_by_the_provider(
        ports, phone=body.phone, text=body.text, at=ports.clock.now()
    )
    message_id, status = await service.receive(uow, ports, body=raw, timestamp=timestamp, signature=signature)
    replies = f"/api/v1/sandbox/sms?{urlencode({'phone': body.phone})}"
    return SandboxPhoneOut(message_id=message_id, status=status, replies=replies)
