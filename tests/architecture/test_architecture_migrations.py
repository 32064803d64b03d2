"""Every service's Alembic history is one line: a single head, no two revisions with one id, each file's
number its revision (two changes landing a migration each must be put in order, not left to branch)."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ["catalog-svc", "dossier-svc", "payment-svc", "notify-svc", "gateway"]


@pytest.mark.parametrize("service", SERVICES)
def test_one_head_and_numbered_files(service: str) -> None:
    folder = ROOT / service / "migrations"
    config = Config()
    config.set_main_option("script_location", str(folder))
    script = ScriptDirectory.from_config(config)
    assert len(script.get_heads()) == 1, f"{service} has branched: {script.get_heads()}"
    files = sorted(p.name for p in (folder / "versions").glob("*.py"))
    numbers = [name.split("_", 1)[0] for name in files]
    assert len(set(numbers)) == len(numbers), f"{service}: two migrations share a number: {files}"
    for revision in script.walk_revisions():
        assert Path(revision.path).name.startswith(f"{revision.revision}_"), revision.path
