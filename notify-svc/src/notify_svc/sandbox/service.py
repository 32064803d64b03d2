"""Use cases of the sandbox SMS provider: record what it is given, read it back."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from notify_svc.channels.sms import Recorder, new_message_id
from notify_svc.channels.smstext import SmsText
from notify_svc.sandbox.models import SandboxSms

if TYPE_CHECKING:
    from collections.abc import Callable

    from notify_svc.uow import NotifyUnitOfWork


def recorder(uow_factory: Callable[[], NotifyUnitOfWork]) -> Recorder:
    """The sandbox provider's storage: one transaction per message, deduplicated on the request id."""

    async def record(request_id: str, phone: str, brandname: str, sms: SmsText, at: datetime) -> str:
        async with uow_factory() as uow:
            message_id = await uow.sandbox.record(
                {
                    "request_id": request_id,
                    "message_id": new_message_id(),
                    "phone": phone,
                    "brandname": brandname,
                    "text": sms.text,
                    "encoding": sms.encoding,
                    "segments": sms.segments,
                    "received_at": at,
                }
            )
            await uow.commit()
        return message_id

    return record


async def messages_to(
    uow: NotifyUnitOfWork, phone: str, *, limit: int, before: int | None
) -> tuple[Sequence[SandboxSms], int]:
    """What the sandbox received for ``phone``, newest first."""
    async with uow:
        return await uow.sandbox.for_phone(phone, limit=limit, before=before)
