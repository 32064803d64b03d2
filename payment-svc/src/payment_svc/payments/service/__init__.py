"""Use cases of payments, one module per use case. Each runs in one transaction that also writes its events
to the outbox.

Concurrency: every change to a payment takes its row lock first (PostgreSQL; SQLite serialises writers
anyway), a provider transaction id is unique per provider, and the payment row is versioned. A use case
that loses a race (unique violation, stale version) is simply run again (`retried_on_race`), and then sees
what the winner did: two identical IPNs at the same instant credit once.
"""

from payment_svc.payments.service.checkout import Checkout, CheckoutCommand, checkout
from payment_svc.payments.service.reading import (
    PaymentView,
    anomalies,
    by_checkout,
    get,
    list_payments,
    payable,
)
from payment_svc.payments.service.refunds import decide_proposal, refund
from payment_svc.payments.service.renewal import Renewal, renew, renewal_refusal
from payment_svc.payments.service.requests import (
    KEPT,
    end_for_dossier,
    request_at_result,
    request_at_supplement,
    request_for_submission,
)
from payment_svc.payments.service.settlement import (
    Applied,
    Report,
    apply_bank_credit,
    apply_gateway_result,
    apply_late_gateway_result,
    resolve_anomaly,
)
from payment_svc.payments.service.slips import decide_slip, slip_file, slip_type, upload_slip
from payment_svc.payments.service.upkeep import expire_due, requery_open

__all__ = [
    "KEPT",
    "Applied",
    "Checkout",
    "CheckoutCommand",
    "PaymentView",
    "Renewal",
    "Report",
    "anomalies",
    "apply_bank_credit",
    "apply_gateway_result",
    "apply_late_gateway_result",
    "by_checkout",
    "checkout",
    "decide_proposal",
    "decide_slip",
    "end_for_dossier",
    "expire_due",
    "get",
    "list_payments",
    "payable",
    "refund",
    "renew",
    "renewal_refusal",
    "requery_open",
    "request_at_result",
    "request_at_supplement",
    "request_for_submission",
    "resolve_anomaly",
    "slip_file",
    "slip_type",
    "upload_slip",
]
