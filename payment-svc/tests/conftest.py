"""payment-svc fixtures; the harness itself lives in ``payment_testkit`` (importable by the tests)."""

from payment_testkit import env, pg

__all__ = ["env", "pg"]
