"""An officer's result is signed on upload (the story is in dossier_results_kit), and returning a
dossier whose result is handed over on paper needs no upload."""

from __future__ import annotations

from dossier_results_kit import approved, signed_result_scenario
from dossier_testkit import OFFICER, Harness


async def test_a_result_is_signed_verifiable_and_in_the_wallet(harness: Harness) -> None:
    await signed_result_scenario(harness)


async def test_a_dossier_returned_without_a_file_still_returns(harness: Harness) -> None:
    """A result handed over on paper at the counter (a printed certificate) needs no upload."""
    code = await approved(harness)
    assert (await harness.act(code, "return-result", OFFICER)).status_code == 200
