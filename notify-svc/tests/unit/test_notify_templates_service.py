"""Template edits as versions (templates/service.py) on a fake unit of work."""

from __future__ import annotations

import pytest
from notify_fakes import FakeNotifyUow

from motcua_shared.chassis.auth import Principal, Role
from motcua_shared.contracts.notify import NotifyChannel
from notify_svc.templates import service
from notify_svc.templates.errors import InvalidTemplate, UnknownTemplate

ADMIN = Principal(subject="ops", role=Role.ADMIN)
BODY = "Hồ sơ {{ dossier_code }} đã được tiếp nhận."


async def test_an_edit_is_the_next_version_and_is_what_is_sent_from_then_on() -> None:
    uow = FakeNotifyUow()
    default = await service.current(uow.unit, uow.env, "dossier.received", NotifyChannel.SMS)
    assert default.version == 1
    first = await service.publish(
        uow.unit, uow.env, ADMIN, "dossier.received", "sms", subject="bỏ qua", body=BODY
    )
    assert (first.version, first.subject, first.created_by) == (1, None, "ops"), "an SMS has no subject"
    second = await service.publish(
        uow.unit, uow.env, ADMIN, "dossier.received", "sms", subject=None, body=BODY + " ."
    )
    assert second.version == 2
    rendered = await service.render_current(
        uow.unit, uow.env, "dossier.received", NotifyChannel.SMS, {"dossier_code": "H56-1"}
    )
    assert (rendered.version, rendered.body) == (2, "Hồ sơ H56-1 đã được tiếp nhận. .")
    assert [t.version for t in await service.history(uow.unit, "dossier.received", "sms")] == [2, 1]


async def test_a_template_that_does_not_render_or_does_not_exist_is_refused() -> None:
    uow = FakeNotifyUow()
    with pytest.raises(InvalidTemplate):
        await service.publish(
            uow.unit, uow.env, ADMIN, "dossier.received", "sms", subject=None, body="{{ oops "
        )
    with pytest.raises(InvalidTemplate):
        await service.publish(uow.unit, uow.env, ADMIN, "dossier.received", "in_app", subject=None, body=BODY)
    with pytest.raises(UnknownTemplate):
        await service.publish(uow.unit, uow.env, ADMIN, "dossier.khong-co", "sms", subject=None, body=BODY)
    with pytest.raises(UnknownTemplate):
        await service.history(uow.unit, "dossier.received", "sms")
    assert uow.templates.rows == []
