"""The web app's API snapshot is the platform's API: an API change the app has not taken in fails here.

``web/api/openapi.json`` is what the embedded gateway serves at ``/openapi.json``, and ``web/api/schema.d.ts``
is what openapi-typescript makes of it; the app is type-checked against the latter when it is built, so an API
change that breaks the app breaks its build once ``make web-api`` has refreshed them.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from motcua.embedded import merged_openapi

WEB = Path(__file__).resolve().parents[2] / "web"
REFRESH = "the API changed: run `make web-api`, then fix what the app's build reports"


async def test_the_committed_openapi_document_is_the_platforms() -> None:
    committed = json.loads((WEB / "api" / "openapi.json").read_text(encoding="utf-8"))
    assert committed == await merged_openapi(), REFRESH


def test_the_committed_types_are_generated_from_it(tmp_path: Path) -> None:
    npx = shutil.which("npx")
    assert npx, "Node and npm are needed (make node)"
    generated = tmp_path / "schema.d.ts"
    subprocess.run(
        [npx, "openapi-typescript", "api/openapi.json", "-o", str(generated)],
        cwd=WEB,
        check=True,
        capture_output=True,
        timeout=120,
    )
    assert generated.read_text(encoding="utf-8") == (WEB / "api" / "schema.d.ts").read_text(
        encoding="utf-8"
    ), REFRESH
