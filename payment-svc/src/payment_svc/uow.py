"""payment-svc's unit of work: one transaction, with its repositories, outbox and inbox."""

from __future__ import annotations

from types import TracebackType

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

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is None:
            # Rows a use case returns stay readable after its transaction ends (a rollback would expire them).
            self.session.expunge_all()
        await super().__aexit__(exc_type, exc, tb)
