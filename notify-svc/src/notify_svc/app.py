"""notify-svc composition root: the only place its parts are wired together."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from fastapi import FastAPI

from motcua_shared.chassis.app import Runtime, create_service_app
from motcua_shared.chassis.audit import audit_router
from motcua_shared.chassis.auth import KeySource
from motcua_shared.chassis.bus import Bus
from motcua_shared.chassis.clock import SYSTEM_CLOCK, Clock
from motcua_shared.chassis.db import Database
from motcua_shared.chassis.wakeups import listen_forever
from motcua_shared.contracts import topics
from motcua_shared.contracts.notify import NotifyChannel
from notify_svc.channels.base import ChannelAdapter
from notify_svc.channels.sms import HttpSmsProvider, SandboxSmsProvider
from notify_svc.channels.webhook import WebhookSender
from notify_svc.deliveries.dispatcher import Dispatcher
from notify_svc.deliveries.handlers import build_handlers
from notify_svc.deliveries.router import router as deliveries_router
from notify_svc.directory.router import router as directory_router
from notify_svc.inbox.hub import INBOX_CHANNEL
from notify_svc.inbox.router import router as inbox_router
from notify_svc.ports import Ports
from notify_svc.sandbox.router import router as sandbox_router
from notify_svc.sandbox.service import recorder
from notify_svc.settings import Settings
from notify_svc.templates.router import router as templates_router
from notify_svc.templates.service import seed_defaults
from notify_svc.uow import NotifyUnitOfWork
from notify_svc.webhooks.router import router as webhooks_router
from notify_svc.webhooks.service import AUDIT_RESOURCE

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def build_adapters(
    settings: Settings, clock: Clock, uow_factory: Callable[[], NotifyUnitOfWork]
) -> dict[NotifyChannel, ChannelAdapter]:
    """One adapter per configured channel (in-app needs none: the handler writes the inbox)."""
    adapters: dict[NotifyChannel, ChannelAdapter] = {
        # Receivers check webhook-timestamp against their own clock: always wall time.
        NotifyChannel.WEBHOOK: WebhookSender(settings.webhooks, SYSTEM_CLOCK),
    }
    if settings.sms.provider == "http":
        adapters[NotifyChannel.SMS] = HttpSmsProvider(settings.sms)
    else:
        adapters[NotifyChannel.SMS] = SandboxSmsProvider(settings.sms, recorder(uow_factory), clock)
    # The e-mail and Web Push clients (aiosmtplib; pywebpush with aiohttp and requests, ~10 MB resident) are
    # imported only when their channel is configured: a replica without them does not carry them.
    if settings.email.host:
        from notify_svc.channels.email import SmtpEmailProvider

        adapters[NotifyChannel.EMAIL] = SmtpEmailProvider(settings.email)
    if settings.push.vapid_private_key is not None:
        from notify_svc.channels.push import WebPushProvider

        adapters[NotifyChannel.PUSH] = WebPushProvider(settings.push, settings.push_guard())
    return adapters


def create_app(
    settings: Settings | None = None,
    *,
    bus: Bus | None = None,
    key_source: KeySource | None = None,
    configure_logs: bool = True,
    clock: Clock | None = None,
) -> FastAPI:
    """The notify-svc ASGI app (`bus` and `key_source` are shared in the embedded mode; `clock` is for
    tests). Once started, ``app.state.dispatcher`` is the running :class:`Dispatcher`."""
    settings = settings or Settings()
    ports = Ports(settings=settings, clock=clock or SYSTEM_CLOCK)

    def make_uow(
        db: Database, *, source: str, on_commit: Callable[[], None] | None = None
    ) -> NotifyUnitOfWork:
        return NotifyUnitOfWork(
            db,
            source=source,
            on_commit=on_commit,
            hub=ports.hub,
            wake_dispatcher=lambda: ports.wake_dispatcher(),
        )

    async def setup(runtime: Runtime[NotifyUnitOfWork]) -> None:
        runtime.run_in_background(
            listen_forever(runtime.db, INBOX_CHANNEL, ports.hub.notify), name="notify-inbox-wakeups"
        )
        await runtime.bus.ensure_topics([topics.NOTIFY])
        await seed_defaults(runtime.uow(), ports)
        dispatcher = Dispatcher(
            runtime.uow, ports, build_adapters(settings, ports.clock, runtime.uow), settings.dispatch
        )
        ports.wake_dispatcher = dispatcher.wake
        app.state.dispatcher = dispatcher
        runtime.run_in_background(
            dispatcher.serve(loop=settings.dispatch.autostart), name="notify-dispatcher"
        )

    app = create_service_app(
        settings,
        title="motcua notify-svc",
        description="SMS, e-mail, Web Push and in-app notifications; integrator webhooks",
        routers=[
            templates_router,
            deliveries_router,
            inbox_router,
            directory_router,
            webhooks_router,
            sandbox_router,
            audit_router(
                "webhooks",
                resource=AUDIT_RESOURCE,
                id_name="subscription",
                id_description="Only this webhook subscription's (its id).",
            ),
        ],
        handlers=build_handlers(ports),
        uow_class=make_uow,
        migrations=MIGRATIONS,
        bus=bus,
        key_source=key_source,
        setup=setup,
        configure_logs=configure_logs,
    )
    app.state.ports = ports
    return app
