"""Use cases of templates: the current version (cached), edits as new versions, previews, the seed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from motcua_shared.chassis.auth import Principal
from motcua_shared.contracts.examples import examples
from motcua_shared.contracts.notify import NotifyChannel
from notify_svc.ports import CachedTemplate, Ports
from notify_svc.templates.defaults import SPECS, TemplateSpec
from notify_svc.templates.errors import InvalidTemplate, UnknownTemplate
from notify_svc.templates.models import Template
from notify_svc.templates.rendering import Rendered, RenderError, check, render

if TYPE_CHECKING:
    from notify_svc.uow import NotifyUnitOfWork

SEEDED_BY = "system"


def spec_of(code: str, channel: str) -> TemplateSpec:
    """The kind (code) if it is sent on ``channel``; else :class:`UnknownTemplate`."""
    spec = SPECS.get(code)
    if spec is None or channel not in {c.value for c in spec.channels}:
        raise UnknownTemplate(f"Không có mẫu thông báo '{code}' cho kênh '{channel}'.")
    return spec


async def current(uow: NotifyUnitOfWork, ports: Ports, code: str, channel: NotifyChannel) -> CachedTemplate:
    """The version in force, from the cache when fresh; the default when none is stored yet."""
    cache = ports.templates
    cached = cache.get(code, channel.value)
    if cached is not None:
        return cached
    row = await uow.templates.current(code, channel.value)
    if row is not None:
        found = CachedTemplate(row.version, row.subject, row.body)
    else:
        subject, body = SPECS[code].default(channel)
        found = CachedTemplate(1, subject, body)
    cache.put(code, channel.value, found)
    return found


async def render_current(
    uow: NotifyUnitOfWork, ports: Ports, code: str, channel: NotifyChannel, context: dict[str, Any]
) -> Rendered:
    """Render the version in force of (code, channel)."""
    template = await current(uow, ports, code, channel)
    return render(code, channel.value, template.version, template.subject, template.body, context)


async def seed_defaults(uow: NotifyUnitOfWork, ports: Ports) -> int:
    """Store version 1 of every (code, channel) that has none; returns how many were added."""
    async with uow:
        existing = await uow.templates.existing_keys()
        added = 0
        for spec in SPECS.values():
            for channel in sorted(spec.channels):
                if (spec.code, channel.value) in existing:
                    continue
                subject, body = spec.default(channel)
                added += await uow.templates.add_if_missing(
                    {
                        "code": spec.code,
                        "channel": channel.value,
                        "version": 1,
                        "subject": subject,
                        "body": body,
                        "created_at": ports.clock.now(),
                        "created_by": SEEDED_BY,
                    }
                )
        await uow.commit()
    return added


async def list_current(uow: NotifyUnitOfWork) -> Sequence[Template]:
    """The version in force of every template."""
    async with uow:
        return await uow.templates.all_current()


async def history(uow: NotifyUnitOfWork, code: str, channel: str) -> Sequence[Template]:
    """Every version of one template, newest first."""
    spec_of(code, channel)
    async with uow:
        versions = await uow.templates.versions(code, channel)
    if not versions:
        raise UnknownTemplate(f"Mẫu '{code}' cho kênh '{channel}' chưa được lưu.")
    return versions


EXAMPLE_LINK = "https://dichvucong.example.vn/tra-cuu"
"""What ``link`` renders as in a preview (a deployment's is its own look-up page)."""


def example_context(spec: TemplateSpec) -> dict[str, Any]:
    """A context from the contracts' example event of the template's type (what a preview renders)."""
    event = examples()[spec.event_type]
    context: dict[str, Any] = event.model_dump()
    context.update(
        name="Trần Thị Thu Hà",
        procedure_name="Đăng ký khai sinh",
        agency_name="Ủy ban nhân dân phường Thuận Hóa",
        ttl_minutes=5,
        link=EXAMPLE_LINK,
    )
    return context


def _validated(spec: TemplateSpec, channel: str, subject: str | None, body: str) -> Rendered:
    errors: list[dict[str, Any]] = []
    for field, source in (("subject", subject), ("body", body)):
        if source is None:
            continue
        try:
            check(source)
        except RenderError as exc:
            errors.append({"field": field, "in": "body", "message": str(exc), "code": "template_syntax"})
    if errors:
        raise InvalidTemplate("Mẫu thông báo không hợp lệ.", errors=errors)
    try:
        return render(spec.code, channel, 0, subject, body, example_context(spec))
    except RenderError as exc:
        raise InvalidTemplate(
            "Mẫu thông báo không hiển thị được với sự kiện mẫu.",
            errors=[{"field": "body", "in": "body", "message": str(exc), "code": "template_render"}],
        ) from exc


async def publish(
    uow: NotifyUnitOfWork,
    ports: Ports,
    who: Principal,
    code: str,
    channel: str,
    *,
    subject: str | None,
    body: str,
) -> Template:
    """Store an edit as the next version (checked by rendering it against the example event first)."""
    spec = spec_of(code, channel)
    if channel == NotifyChannel.SMS.value:
        subject = None
    elif not subject:
        raise InvalidTemplate(
            "Mẫu cho kênh này cần tiêu đề.",
            errors=[{"field": "subject", "in": "body", "message": "required", "code": "missing"}],
        )
    _validated(spec, channel, subject, body)
    async with uow:
        latest = await uow.templates.current(code, channel)
        template = Template(
            code=code,
            channel=channel,
            version=(latest.version if latest else 0) + 1,
            subject=subject,
            body=body,
            created_at=ports.clock.now(),
            created_by=who.subject,
        )
        uow.templates.add(template)
        await uow.commit()
    ports.templates.clear()
    return template


async def preview(
    uow: NotifyUnitOfWork, ports: Ports, code: str, channel: str, *, subject: str | None, body: str | None
) -> Rendered:
    """Render a draft (or, without one, the version in force) against the example event."""
    spec = spec_of(code, channel)
    if body is None:
        async with uow:
            template = await current(uow, ports, code, NotifyChannel(channel))
        rendered = _validated(spec, channel, template.subject, template.body)
        return Rendered(code, channel, template.version, rendered.subject, rendered.body)
    return _validated(spec, channel, subject, body)
