"""payment-svc composition root: the only place its parts are wired together."""

from __future__ import annotations

from pathlib import Path

import httpx
from fastapi import FastAPI

from motcua_shared.chassis.app import Runtime, create_service_app
from motcua_shared.chassis.audit import audit_router
from motcua_shared.chassis.auth import KeySource
from motcua_shared.chassis.bus import Bus
from motcua_shared.chassis.signing import PaperSigner
from payment_svc import jobs
from payment_svc.payments.callbacks import router as callbacks_router
from payment_svc.payments.handlers import build_handlers
from payment_svc.payments.models import AUDIT_RESOURCE
from payment_svc.payments.router import router as payments_router
from payment_svc.ports import Ports
from payment_svc.providers.vnpay import VnpayGateway
from payment_svc.reconciliation.router import router as reconciliation_router
from payment_svc.sandbox.app import create_sandbox_app
from payment_svc.sandbox.settings import SandboxSettings
from payment_svc.settings import SANDBOX_MOUNT, Settings
from payment_svc.uow import PaymentUnitOfWork
from payment_svc.verify.router import router as verify_router

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"

audit_trail_router = audit_router(
    "payments",
    resource=AUDIT_RESOURCE,
    id_name="payment",
    id_description="Only this payment's (its id; `txn-<id>` for money matched to no payment).",
)


def sandbox_settings(settings: Settings) -> SandboxSettings:
    """The mounted sandbox serves this service's sandbox merchant and calls back into it."""
    return SandboxSettings(
        tmn_code=settings.sandbox.tmn_code,
        hash_secret=settings.sandbox.hash_secret,
        public_url=settings.public_url,
        bank_webhook_secret=settings.bank.webhook_secret,
        bank_account_number=settings.bank.account_number,
    )


def create_app(
    settings: Settings | None = None,
    *,
    bus: Bus | None = None,
    key_source: KeySource | None = None,
    configure_logs: bool = True,
) -> FastAPI:
    """The payment-svc ASGI app (`bus` and `key_source` are shared in the embedded mode).

    With ``mount_sandbox`` the sandbox provider is served under ``SANDBOX_MOUNT`` and both directions
    (our status queries to it, its callbacks to us) stay in-process.
    """
    settings = settings or Settings()
    sandbox = create_sandbox_app(sandbox_settings(settings)) if settings.mount_sandbox else None

    async def setup(runtime: Runtime[PaymentUnitOfWork]) -> None:
        in_process = httpx.ASGITransport(app=app)
        gateway = settings.gateway()
        to_gateway = await runtime.resources.enter_async_context(
            httpx.AsyncClient(
                transport=in_process
                if sandbox is not None and settings.gateway_provider == "sandbox"
                else None,
                timeout=gateway.timeout,
                follow_redirects=False,
            )
        )
        if sandbox is not None:
            sandbox.state.http = await runtime.resources.enter_async_context(
                httpx.AsyncClient(transport=in_process, timeout=10)
            )
        assert gateway.pay_url is not None, "the gateway's checkout URL must be configured"
        assert gateway.api_url is not None, "the gateway's API URL must be configured"
        ports = Ports(
            settings=settings,
            gateway=VnpayGateway(
                code=settings.gateway_provider,
                tmn_code=gateway.tmn_code,
                hash_secret=gateway.hash_secret.get_secret_value(),
                pay_url=gateway.pay_url,
                api_url=gateway.api_url,
                http=to_gateway,
                timeout=gateway.timeout,
            ),
            signer=PaperSigner(settings.signing),
        )
        app.state.ports = ports
        if settings.jobs.enabled:
            jobs.start(runtime, ports)

    app = create_service_app(
        settings,
        title="motcua payment-svc",
        description="Cashless fees and charges: VietQR, payment gateway, manual transfer; "
        "signed callbacks, reconciliation, refunds, e-receipts.",
        routers=[
            callbacks_router,
            reconciliation_router,
            payments_router,
            verify_router,
            audit_trail_router,
        ],
        handlers=build_handlers(payment_ttl=settings.payment_ttl),
        uow_class=PaymentUnitOfWork,
        migrations=MIGRATIONS,
        bus=bus,
        key_source=key_source,
        setup=setup,
        configure_logs=configure_logs,
    )
    if sandbox is not None:
        app.mount(SANDBOX_MOUNT, sandbox)
    return app
