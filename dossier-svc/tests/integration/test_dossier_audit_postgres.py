"""The personal-data audit trail on real PostgreSQL: officers' reads and changes recorded (an officer's
counter filing in the same transaction as the filing, off the citizens' one-statement path), and UPDATE,
DELETE and TRUNCATE of the trail refused by the database's triggers."""

from __future__ import annotations

import pytest
from dossier_audit import assert_recorded, officer_reads_and_changes, trail
from dossier_testkit import HarnessFactory

from motcua_shared.chassis.settings import DbSettings
from motcua_shared.testing import APPEND_ONLY_VIOLATIONS, TRUNCATE_TRAIL, assert_append_only

pytestmark = pytest.mark.integration


async def test_the_trail_on_postgresql_is_recorded_and_append_only(
    make_harness: HarnessFactory, fresh_pg_url: str
) -> None:
    harness = await make_harness(db=DbSettings(url=fresh_pg_url))
    code = await officer_reads_and_changes(harness)
    await assert_recorded(harness, code)
    violations = (*APPEND_ONLY_VIOLATIONS, TRUNCATE_TRAIL)
    await assert_append_only(harness.runtime.db, violations, lambda: trail(harness))
