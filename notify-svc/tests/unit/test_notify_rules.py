"""Pure rules: quiet hours, backoff, the delivery state machine, webhook subscriptions, redaction, plans."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from motcua_shared.chassis.clock import PLATFORM_TZ
from motcua_shared.contracts.base import Event
from motcua_shared.contracts.dossier import (
    DossierForwarded,
    DossierOverdue,
    DossierRated,
    DossierSubmitted,
    DossierSupplemented,
)
from motcua_shared.contracts.examples import example_envelope, examples
from motcua_shared.contracts.identity import OtpRequested
from motcua_shared.contracts.public import public_envelope
from notify_svc.deliveries.models import Delivery, DeliveryStatus
from notify_svc.deliveries.planning import context_for, plan
from notify_svc.deliveries.scheduling import after_quiet_hours, backoff
from notify_svc.directory.models import QuietWindow
from notify_svc.settings import RetrySettings
from notify_svc.webhooks.models import WebhookSubscription

NIGHT = QuietWindow.parse("22:00", "07:00")
EX = examples()


def vn(hour: int, minute: int = 0, day: int = 4) -> datetime:
    return datetime(2025, 8, day, hour, minute, tzinfo=PLATFORM_TZ)


def test_quiet_hours_span_midnight() -> None:
    assert after_quiet_hours(vn(21, 59), NIGHT) == vn(21, 59)
    assert after_quiet_hours(vn(22, 0), NIGHT) == vn(7, 0, day=5)
    assert after_quiet_hours(vn(3, 30), NIGHT) == vn(7, 0)
    assert after_quiet_hours(vn(7, 0), NIGHT) == vn(7, 0)
    assert after_quiet_hours(vn(23, 0).astimezone(UTC), NIGHT) == vn(7, 0, day=5)
    assert after_quiet_hours(vn(23, 0), None) == vn(23, 0)
    lunch = QuietWindow.parse("11:30", "13:30")
    assert after_quiet_hours(vn(12, 0), lunch) == vn(13, 30)
    assert after_quiet_hours(vn(23, 0), lunch) == vn(23, 0)


def test_backoff_doubles_is_capped_and_jittered() -> None:
    policy = RetrySettings(max_attempts=10, initial=10, maximum=60)
    rng = random.Random(7)
    waits = [backoff(n, policy, rng=rng).total_seconds() for n in (1, 2, 3, 4, 5)]
    for wait, ceiling in zip(waits, (10, 20, 40, 60, 60), strict=True):
        assert ceiling / 2 <= wait <= ceiling


def delivery(**overrides: object) -> Delivery:
    values: dict[str, object] = {"status": DeliveryStatus.QUEUED.value, "secret": False, "body": "x"}
    return Delivery(**{**values, **overrides})


def test_a_failure_is_terminal_and_a_late_receipt_never_reopens_it() -> None:
    now = datetime.now(UTC)
    d = delivery()
    assert d.mark_failed(now, "số không tồn tại")
    assert not d.mark_delivered(now)
    d.mark_sent(now, provider="late", message_id="m", segments=1)
    assert d.state is DeliveryStatus.FAILED


def test_a_receipt_that_overtakes_the_send_answer_wins() -> None:
    now = datetime.now(UTC)
    d = delivery()
    assert d.mark_delivered(now)
    d.mark_sent(now, provider="p", message_id="m", segments=1)
    assert (d.state, d.provider_message_id) == (DeliveryStatus.DELIVERED, "m")


def test_a_one_time_code_is_forgotten_once_sent() -> None:
    d = delivery(secret=True)
    d.body = "482915 là mã xác thực"
    d.mark_sent(datetime.now(UTC), provider="p", message_id="m", segments=1)
    assert d.body == ""


def test_webhook_subscription_rotation_and_disabling() -> None:
    now = datetime.now(UTC)
    sub = WebhookSubscription(secret="whsec_a", status="active", consecutive_failures=0, event_types=["t"])
    sub.rotate("whsec_b", now, timedelta(hours=24))
    assert sub.signing_secrets(now) == ["whsec_b", "whsec_a"]
    assert sub.signing_secrets(now + timedelta(hours=25)) == ["whsec_b"]
    assert not sub.record_failure(now, disable_after=2, reason="500")
    sub.record_success(now)
    assert not sub.record_failure(now, disable_after=2, reason="500")
    assert sub.record_failure(now, disable_after=2, reason="500")
    assert not sub.wants("t")


def _public_json(event: Event) -> str:
    public = public_envelope(example_envelope(event), type(event))
    assert public is not None
    return public.to_json()


def test_integrators_never_receive_personal_data() -> None:
    event = EX[DossierRated.TYPE]
    public = _public_json(event)
    assert "comment" not in public
    assert "satisfied" in public
    submitted = EX[DossierSubmitted.TYPE]
    text = _public_json(submitted)
    assert "+84905123456" not in text
    assert "Trần Thị Thu Hà" not in text
    assert "fee_items" in text


def test_plans() -> None:
    submitted = plan(EX[DossierSubmitted.TYPE])
    assert submitted.citizen is not None
    assert submitted.citizen.code == "dossier.submitted"
    assert [(s.code, a) for s, a in submitted.agencies] == [("agency.dossier_submitted", "hue.xa.thuan-hoa")]
    forwarded = EX[DossierForwarded.TYPE]
    assert plan(forwarded).agencies == (), "a step inside the same agency is no new queue"
    elsewhere = plan(forwarded.model_copy(update={"to_agency_code": "000.00.21.H56"}))
    assert [a for _, a in elsewhere.agencies] == ["000.00.21.H56"]
    supplemented = plan(EX[DossierSupplemented.TYPE])
    assert supplemented.citizen is not None
    assert [(s.code, a) for s, a in supplemented.agencies] == [
        ("agency.dossier_supplemented", "hue.xa.thuan-hoa")
    ], "the receiving agency's desk hears of a supplement"
    overdue = plan(EX[DossierOverdue.TYPE])
    assert overdue.citizen is None
    assert [s.code for s, _ in overdue.agencies] == ["agency.dossier_overdue"]
    otp = EX[OtpRequested.TYPE]
    assert plan(otp).citizen is not None
    assert context_for(otp, None)["ttl_minutes"] == 5
    rated = plan(EX[DossierRated.TYPE])
    assert rated.citizen is None
    assert rated.agencies == (), "a rating goes to webhooks only"
