"""payment-svc's unit of work: one transaction, with its repositories, outbox and inbox."""

from __future__ import annotations

from motcua_shared.chassis.uow import UnitOfWork
from payment_svc.payments.repository import PaymentRepository
from payment_svc.reconciliation.repository import StatementRepository


class PaymentUnitOfWork(UnitOfWork):
    """``async with uow: ...; await uow.commit()`` with ``uow.payments`` and ``uow.statements``."""

    payments: PaymentRepository
    statements: StatementRepository

    def open(self) -> None:
        """Build the repositories on this transaction's session."""
        self.payments = PaymentRepository(self.session, is_postgres=self.db.is_postgres)
        self.statements = StatementRepository(self.session)
