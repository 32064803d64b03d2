"""The audit trail of payments on real PostgreSQL: officers' reads and changes recorded (each change in its
own transaction, under the payment's row lock), and UPDATE, DELETE and TRUNCATE of the trail refused by the
database's triggers."""

from __future__ import annotations

import pytest
from payment_audit import assert_recorded, officer_reads_and_changes, trail
from payment_testkit import Harness

from motcua_shared.testing import APPEND_ONLY_VIOLATIONS, TRUNCATE_TRAIL, assert_append_only

pytestmark = pytest.mark.integration


async def test_the_trail_on_postgresql_is_recorded_and_append_only(pg: Harness) -> None:
    payment_id = await officer_reads_and_changes(pg)
    await assert_recorded(pg, payment_id)
    violations = (*APPEND_ONLY_VIOLATIONS, TRUNCATE_TRAIL)
    await assert_append_only(pg.app.state.runtime.db, violations, lambda: trail(pg))
