"""HTTP: templates, for admins (list, history, edit as a new version, preview)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from motcua_shared.chassis.auth import Principal, Role, require_roles
from motcua_shared.chassis.errors import Forbidden, Unauthenticated
from motcua_shared.chassis.problems import problems
from motcua_shared.contracts.notify import NotifyChannel
from notify_svc.channels.smstext import prepare
from notify_svc.deps import PortsDep, SettingsDep, UowDep
from notify_svc.templates import service
from notify_svc.templates.errors import InvalidTemplate, UnknownTemplate
from notify_svc.templates.schemas import (
    PreviewIn,
    PreviewOut,
    SmsPreview,
    TemplateIn,
    TemplateList,
    TemplateOut,
)

router = APIRouter(
    prefix="/api/v1/notifications/templates",
    tags=["templates"],
    responses=problems(Unauthenticated, Forbidden),
)
AdminDep = Annotated[Principal, Depends(require_roles(Role.ADMIN))]


@router.get(
    "", response_model=TemplateList, summary="Every template, as in force", operation_id="templates.list"
)
async def list_templates(uow: UowDep, _admin: AdminDep) -> TemplateList:
    """The current version of every (code, channel)."""
    rows = await service.list_current(uow)
    return TemplateList(items=[TemplateOut.of(t) for t in rows], total=len(rows))


@router.get(
    "/{code}/{channel}",
    response_model=TemplateList,
    summary="Every version of one template",
    responses=problems(UnknownTemplate),
    operation_id="templates.history",
)
async def template_history(code: str, channel: NotifyChannel, uow: UowDep, _admin: AdminDep) -> TemplateList:
    """Newest first."""
    rows = await service.history(uow, code, channel.value)
    return TemplateList(items=[TemplateOut.of(t) for t in rows], total=len(rows))


@router.put(
    "/{code}/{channel}",
    response_model=TemplateOut,
    summary="Edit a template (stored as its next version)",
    responses=problems(UnknownTemplate, InvalidTemplate),
    operation_id="templates.update",
)
async def put_template(
    code: str, channel: NotifyChannel, body: TemplateIn, uow: UowDep, ports: PortsDep, admin: AdminDep
) -> TemplateOut:
    """Refused (422) unless it compiles and renders against the example event of its type."""
    template = await service.publish(
        uow, ports, admin, code, channel.value, subject=body.subject, body=body.body
    )
    return TemplateOut.of(template)


@router.post(
    "/{code}/{channel}/preview",
    response_model=PreviewOut,
    summary="Preview a template or a draft",
    responses=problems(UnknownTemplate, InvalidTemplate),
    operation_id="templates.preview",
)
async def preview_template(
    code: str,
    channel: NotifyChannel,
    body: PreviewIn,
    uow: UowDep,
    ports: PortsDep,
    settings: SettingsDep,
    _admin: AdminDep,
) -> PreviewOut:
    """Rendered against the example event of the template's type; SMS with its segment count."""
    rendered = await service.preview(uow, ports, code, channel.value, subject=body.subject, body=body.body)
    sms = None
    if channel is NotifyChannel.SMS:
        measured = prepare(rendered.body, strip=settings.sms.strip_diacritics)
        sms = SmsPreview(
            text=measured.text, encoding=measured.encoding, segments=measured.segments, units=measured.units
        )
    return PreviewOut(
        code=code,
        channel=channel.value,
        version=rendered.version or None,
        subject=rendered.subject,
        body=rendered.body,
        sms=sms,
    )
