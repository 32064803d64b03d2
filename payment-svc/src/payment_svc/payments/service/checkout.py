"""Paying: the payer chooses a method and gets what their app needs next (a gateway redirect, a QR code,
transfer details)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from motcua_shared.chassis.auth import Principal
from motcua_shared.chassis.idempotency import fingerprint
from motcua_shared.contracts.payment import PaymentMethod
from payment_svc.payments.errors import IllegalTransition, PaymentNotFound
from payment_svc.payments.models import Attempt, AttemptStatus, Payment, PaymentStatus, new_id
from payment_svc.payments.service.common import MANUAL, retried_on_race, visible
from payment_svc.ports import Ports
from payment_svc.providers import bank as bank_protocol
from payment_svc.providers.base import CheckoutRequest
from payment_svc.uow import PaymentUnitOfWork

METHOD_PROVIDER = {PaymentMethod.VIETQR: "vietqr", PaymentMethod.MANUAL_TRANSFER: MANUAL}


@dataclass(frozen=True)
class CheckoutCommand:
    """A payer's choice: which payment (by id or by dossier) and how."""

    method: PaymentMethod
    payment_id: str | None = None
    dossier_code: str | None = None

    def fingerprint(self) -> str:
        """What makes two requests under one Idempotency-Key the same request."""
        return fingerprint(
            {"method": self.method.value, "payment_id": self.payment_id, "dossier": self.dossier_code}
        )


@dataclass(frozen=True)
class Checkout:
    """What the payer's app needs next."""

    payment: Payment
    attempt: Attempt
    replayed: bool


async def _target(uow: PaymentUnitOfWork, who: Principal, command: CheckoutCommand) -> Payment:
    if command.payment_id:
        return await visible(uow, who, command.payment_id, lock=True)
    payable = [
        p
        for p in await uow.payments.by_dossier(command.dossier_code or "", lock=True)
        if p.visible_to(who) and p.status in (PaymentStatus.PENDING, PaymentStatus.FAILED)
    ]
    if not payable:
        raise PaymentNotFound()
    return payable[0]


async def _attempt_for(
    uow: PaymentUnitOfWork, ports: Ports, payment: Payment, method: PaymentMethod, *, client_ip: str
) -> Attempt:
    now = ports.now()
    if method is not PaymentMethod.GATEWAY:
        for attempt in await uow.payments.attempts_of(payment.id):
            if attempt.method == method.value and attempt.status == AttemptStatus.OPEN:
                return attempt
    attempt = Attempt(
        id=new_id("att"),
        payment_id=payment.id,
        method=method.value,
        provider=METHOD_PROVIDER.get(method, ports.gateway.code),
        amount=payment.amount,
        status=AttemptStatus.OPEN.value,
        client_ip=client_ip,
        created_at=now,
        expires_at=payment.expires_at,
    )
    if method is PaymentMethod.GATEWAY:
        tail = "".join(secrets.choice(bank_protocol.REFERENCE_ALPHABET) for _ in range(6))
        attempt.txn_ref = payment.reference + tail
        attempt.expires_at = min(now + ports.settings.checkout_ttl, payment.expires_at)
        attempt.redirect_url = ports.gateway.checkout_url(
            CheckoutRequest(
                txn_ref=attempt.txn_ref,
                amount=payment.amount,
                order_info=f"Thanh toan phi, le phi ho so {payment.dossier_code}",
                return_url=ports.settings.callback_url(ports.gateway.code, "return"),
                client_ip=client_ip,
                created_at=now,
                expires_at=attempt.expires_at,
            )
        )
    uow.payments.add(attempt)
    return attempt


@retried_on_race
async def checkout(
    uow: PaymentUnitOfWork,
    ports: Ports,
    who: Principal,
    command: CheckoutCommand,
    *,
    key: str,
    client_ip: str,
) -> Checkout:
    """The payer chooses how to pay their payment; the same key and body give the same checkout."""
    async with uow:
        now = ports.now()
        seen = await uow.payments.idempotency(who.subject, "checkout", key)
        if seen is not None:
            seen.replays(command.fingerprint())
            attempt = await uow.payments.attempt(seen.result_id)
            assert attempt is not None
            return Checkout(await visible(uow, who, attempt.payment_id), attempt, replayed=True)
        payment = await _target(uow, who, command)
        if payment.status == PaymentStatus.FAILED:
            payment.reopen(now)
        if payment.status != PaymentStatus.PENDING or payment.expires_at <= now:
            wanted = "paid" if payment.status == PaymentStatus.PENDING else PaymentStatus.PENDING
            raise IllegalTransition(
                PaymentStatus.EXPIRED if payment.expires_at <= now else payment.status, wanted
            )
        attempt = await _attempt_for(uow, ports, payment, command.method, client_ip=client_ip)
        uow.payments.remember(
            who.subject, "checkout", key, fingerprint=command.fingerprint(), result_id=attempt.id, at=now
        )
        await uow.payments.flush()
        await uow.commit()
        return Checkout(payment, attempt, replayed=False)
