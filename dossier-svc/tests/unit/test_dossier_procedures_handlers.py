"""The procedure replica follows the catalogue (procedures/handlers.py), on a fake unit of work."""

from __future__ import annotations

from datetime import UTC, datetime

from dossier_fakes import FakeDossierUow
from dossier_testkit import published, snapshot

from dossier_svc.procedures import handlers
from dossier_svc.uow import DossierUow
from motcua_shared.chassis.messaging.consumer import Handlers
from motcua_shared.contracts.catalog import ProcedureWithdrawn
from motcua_shared.testing import handle


def subscribed() -> Handlers[DossierUow]:
    registry: Handlers[DossierUow] = Handlers()
    handlers.register(registry)
    return registry


async def test_a_published_procedure_is_kept_and_only_newer_versions_replace_it() -> None:
    uow, registry = FakeDossierUow(), subscribed()
    await handle(registry, uow, published(snapshot(version=2, days=3)))
    row = uow.procedures.rows["1.001193"]
    assert (row.version, row.open) == (2, True)

    await handle(registry, uow, published(snapshot(version=1, days=9)))
    assert uow.procedures.rows["1.001193"].version == 2, "an older version arriving late is ignored"
    await handle(registry, uow, published(snapshot(version=3, days=9)))
    assert uow.procedures.rows["1.001193"].version == 3
    assert uow.procedures.rows["1.001193"].to_snapshot().cases[0].channels[0].processing_days == 9


async def test_a_withdrawn_procedure_stops_taking_dossiers() -> None:
    uow, registry = FakeDossierUow(), subscribed()
    await handle(registry, uow, published(snapshot(version=1)))
    withdrawn = ProcedureWithdrawn(code="1.001193", version=1, withdrawn_at=datetime.now(UTC))
    await handle(registry, uow, withdrawn)
    assert not uow.procedures.rows["1.001193"].open


async def test_the_withdrawal_of_an_unknown_procedure_is_ignored() -> None:
    uow, registry = FakeDossierUow(), subscribed()
    await handle(
        registry, uow, ProcedureWithdrawn(code="9.999999", version=1, withdrawn_at=datetime.now(UTC))
    )
    assert uow.procedures.rows == {}
