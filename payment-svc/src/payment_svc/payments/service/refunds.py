"""Refunds of paid payments, through the provider that took the money or by hand."""

from __future__ import annotations

import logging
from datetime import datetime

from motcua_shared.chassis.auth import Principal
from motcua_shared.chassis.errors import Conflict, Unavailable
from motcua_shared.chassis.idempotency import fingerprint
from motcua_shared.contracts.common import Actor
from motcua_shared.contracts.payment import PaymentMethod, RefundCause
from payment_svc.payments.errors import IllegalTransition, RefundDecided, RefundNotFound, RefundTooLarge
from payment_svc.payments.models import (
    AUDIT_RESOURCE,
    Payment,
    PaymentStatus,
    Refund,
    RefundStatus,
    actor_of,
)
from payment_svc.payments.service.common import MANUAL, retried_on_race, visible
from payment_svc.ports import Ports
from payment_svc.providers.base import ProviderRefused, ProviderUnavailable, RefundRequest
from payment_svc.uow import PaymentUnitOfWork

log = logging.getLogger(__name__)


async def refund(
    uow: PaymentUnitOfWork,
    ports: Ports,
    who: Principal,
    payment_id: str,
    *,
    amount: int,
    reason: str,
    key: str,
    client_ip: str,
) -> tuple[Refund, Payment]:
    """Refund all or part of a paid payment, never more than was paid.

    Three steps, because a provider call cannot sit inside a transaction: reserve the amount (so two
    refunds cannot together exceed the payment), ask the provider, then record its answer. A provider
    outage leaves the refund reserved; the same request with the same Idempotency-Key resumes it.
    """
    reserved, payment = await _reserve(uow, ports, who, payment_id, amount=amount, reason=reason, key=key)
    return await _send(uow, ports, who, reserved, payment, client_ip=client_ip)


async def _send(
    uow: PaymentUnitOfWork,
    ports: Ports,
    who: Principal,
    reserved: Refund,
    payment: Payment,
    *,
    client_ip: str,
) -> tuple[Refund, Payment]:
    """Ask the provider for a reserved refund and record its answer (a finished one is returned as is)."""
    if reserved.status != RefundStatus.REQUESTED:
        return reserved, payment
    provider_txn_id: str | None = None
    if reserved.provider != MANUAL:
        provider_txn_id = await _ask_provider(uow, ports, who, reserved, payment, client_ip=client_ip)
    return await _finish_refund(uow, ports, who, reserved.id, provider_txn_id=provider_txn_id)


def _provider_of(payment: Payment) -> str:
    """Who returns the money: the gateway that took it, or an officer by hand for a transfer."""
    return (payment.provider or MANUAL) if payment.method == PaymentMethod.GATEWAY.value else MANUAL


CAUSES: dict[RefundCause, str] = {
    RefundCause.REJECTED: "Hồ sơ bị từ chối sau khi đã nộp phí, lệ phí",
    RefundCause.WITHDRAWN: "Hồ sơ được rút sau khi đã nộp phí, lệ phí",
}


async def propose_refund(
    uow: PaymentUnitOfWork, payment: Payment, *, cause: RefundCause, ended_by: Actor, now: datetime
) -> Refund | None:
    """Propose returning what is left of a paid, locked payment whose dossier ended (the caller commits).

    The proposal reserves the amount and waits for an officer of the agency: no rule found makes every such
    refund automatic (a fee may be kept for work already done), so the officer approves it, in full or in
    part, or declines it. None when nothing is left to return.
    """
    left = payment.amount - await uow.payments.reserved_refunds(payment.id)
    if payment.status not in (PaymentStatus.SUCCEEDED, PaymentStatus.REFUNDED) or left <= 0:
        return None
    proposal = Refund.reserve(
        payment,
        amount=left,
        reason=f"{CAUSES[cause]}: đề nghị hoàn lại {left} đồng.",
        status=RefundStatus.PROPOSED,
        provider=_provider_of(payment),
        by=ended_by,
        now=now,
    )
    uow.payments.add(proposal)
    uow.outbox.add(payment.refund_proposed(proposal, cause, now))
    return proposal


async def decide_proposal(
    uow: PaymentUnitOfWork,
    ports: Ports,
    who: Principal,
    payment_id: str,
    refund_id: str,
    *,
    approve: bool,
    amount: int | None,
    note: str,
    client_ip: str,
) -> tuple[Refund, Payment]:
    """An officer approves a proposed refund (all of it, or ``amount`` of it) or declines it.

    Approving turns the proposal into a requested refund and sends it as any refund goes; approving again
    resumes one a provider outage left requested, and answers a finished one as it is.
    """
    decided, payment = await _decide(
        uow, ports, who, payment_id, refund_id, approve=approve, amount=amount, note=note
    )
    return await _send(uow, ports, who, decided, payment, client_ip=client_ip)


@retried_on_race
async def _decide(
    uow: PaymentUnitOfWork,
    ports: Ports,
    who: Principal,
    payment_id: str,
    refund_id: str,
    *,
    approve: bool,
    amount: int | None,
    note: str,
) -> tuple[Refund, Payment]:
    async with uow:
        now = ports.now()
        payment = await visible(uow, who, payment_id, lock=True)
        found = await uow.payments.refund(refund_id)
        if found is None or found.payment_id != payment.id:
            raise RefundNotFound()
        if found.status != RefundStatus.PROPOSED:
            if not approve or found.status == RefundStatus.DECLINED:
                raise RefundDecided(found.status)
            return found, payment
        if approve:
            if amount is not None:
                if amount > found.amount:
                    raise RefundTooLarge(found.amount)
                found.amount = amount
            found.status = RefundStatus.REQUESTED.value
            found.reason = f"{found.reason} Duyệt: {note}"[:500]
        else:
            found.status = RefundStatus.DECLINED.value
            found.failure = note[:500]
            found.completed_at = now
        found.actor_id, found.actor_role, found.actor_agency = who.subject, who.role.value, who.agency_code
        decision = "refund.approve" if approve else "refund.decline"
        uow.audit.record(who, decision, AUDIT_RESOURCE, payment.id, detail=found.id)
        await uow.commit()
        return found, payment


@retried_on_race
async def _reserve(
    uow: PaymentUnitOfWork,
    ports: Ports,
    who: Principal,
    payment_id: str,
    *,
    amount: int,
    reason: str,
    key: str,
) -> tuple[Refund, Payment]:
    """Reserve the amount as a requested refund (for a replayed key, the refund the key made)."""
    request = fingerprint({"payment_id": payment_id, "amount": amount, "reason": reason})
    async with uow:
        now = ports.now()
        seen = await uow.payments.idempotency(who.subject, "refund", key)
        if seen is not None:
            seen.replays(request)
            found = await uow.payments.refund(seen.result_id)
            assert found is not None
            return found, await visible(uow, who, found.payment_id)
        payment = await visible(uow, who, payment_id, lock=True)
        if payment.status not in (PaymentStatus.SUCCEEDED, PaymentStatus.REFUNDED):
            raise IllegalTransition(payment.status, PaymentStatus.REFUNDED)
        left = payment.amount - await uow.payments.reserved_refunds(payment.id)
        if amount > left:
            raise RefundTooLarge(left)
        new = Refund.reserve(
            payment,
            amount=amount,
            reason=reason,
            status=RefundStatus.REQUESTED,
            provider=_provider_of(payment),
            by=actor_of(who),
            now=now,
        )
        uow.payments.add(new)
        uow.payments.remember(who.subject, "refund", key, fingerprint=request, result_id=new.id, at=now)
        uow.audit.record(who, "refund.create", AUDIT_RESOURCE, payment.id, detail=new.id)
        await uow.payments.flush()
        await uow.commit()
        return new, payment


async def _ask_provider(
    uow: PaymentUnitOfWork,
    ports: Ports,
    who: Principal,
    reserved: Refund,
    payment: Payment,
    *,
    client_ip: str,
) -> str | None:
    """Ask the gateway that took the money to return it; its transaction id when it did.

    An outage leaves the refund reserved (503, to be resumed with the same key); a refusal records the
    refund as failed (409).
    """
    if reserved.provider != ports.gateway.code:
        raise Unavailable(f"Nhà cung cấp '{reserved.provider}' không còn được cấu hình để hoàn tiền.")
    assert payment.paid_txn_ref is not None
    assert payment.provider_txn_id is not None
    assert payment.paid_at is not None
    try:
        result = await ports.gateway.refund(
            RefundRequest(
                request_id=reserved.request_id,
                txn_ref=payment.paid_txn_ref,
                provider_txn_id=payment.provider_txn_id,
                amount=reserved.amount,
                full=reserved.amount == payment.amount,
                paid_at=payment.paid_at,
                actor=who.subject,
                client_ip=client_ip,
                order_info=f"Hoan tien ho so {payment.dossier_code}",
            )
        )
    except ProviderUnavailable as exc:
        log.warning("refund left reserved: provider unavailable", extra={"refund_id": reserved.id})
        raise Unavailable(
            "Cổng thanh toán chưa phản hồi; gửi lại yêu cầu với cùng Idempotency-Key để tiếp tục.",
            headers={"Retry-After": "30"},
        ) from exc
    except ProviderRefused as exc:
        await _finish_refund(uow, ports, who, reserved.id, failure=str(exc))
        raise Conflict(f"Cổng thanh toán từ chối hoàn tiền ({exc}).") from exc
    return result.provider_txn_id


@retried_on_race
async def _finish_refund(
    uow: PaymentUnitOfWork,
    ports: Ports,
    who: Principal,
    refund_id: str,
    *,
    provider_txn_id: str | None = None,
    failure: str | None = None,
) -> tuple[Refund, Payment]:
    """Record the provider's answer on a reserved refund (once: a finished refund is returned as it is)."""
    async with uow:
        now = ports.now()
        found = await uow.payments.refund(refund_id)
        assert found is not None
        payment = await uow.payments.get(found.payment_id, lock=True)
        assert payment is not None
        if found.status != RefundStatus.REQUESTED:
            return found, payment
        found.completed_at = now
        if failure is not None:
            found.status = RefundStatus.FAILED.value
            found.failure = failure[:500]
        else:
            found.status = RefundStatus.SUCCEEDED.value
            found.provider_txn_id = provider_txn_id
            uow.outbox.add(payment.refunded(found, who, now))
        await uow.commit()
        return found, payment
