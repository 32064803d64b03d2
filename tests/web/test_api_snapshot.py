"""The web app's API snapshot is the platform's API: an API change the app has not taken in fails here.

``web/api/openapi.json`` is what the embedded gateway serves at ``/openapi.json``, and ``web/api/schema.d.ts``
is what openapi-typescript makes of it; the app is type-checked against the latter when it is built, so an API
change that breaks the app breaks its build once ``make web-api`` has refreshed them. Reworded descriptions
and summaries alone do not fail it (they change no type); a change to a path, parameter, body or schema does.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

from motcua.embedded import merged_openapi

WEB = Path(__file__).resolve().parents[2] / "web"
REFRESH = "the API changed: run `make web-api`, then fix what the app's build reports"
#: Words for people, not for the client: a reworded description changes no type the app is built against.
PROSE = frozenset({"description", "summary", "example", "examples", "externalDocs"})


def shape(document: Any, *, names: bool = False) -> Any:
    """The document without its prose: every path, operation, parameter, body and schema as they are.

    ``names``: the mapping's keys are names (a schema's properties), kept even when one is ``description``.
    """
    if isinstance(document, dict):
        return {
            key: shape(value, names=key in ("properties", "patternProperties") and not names)
            for key, value in document.items()
            if names or key not in PROSE
        }
    if isinstance(document, list):
        return [shape(item) for item in document]
    return document


async def test_the_committed_openapi_document_is_the_platforms() -> None:
    committed = json.loads((WEB / "api" / "openapi.json").read_text(encoding="utf-8"))
    assert shape(committed) == shape(await merged_openapi()), REFRESH


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


def test_prose_is_set_aside_but_a_property_named_like_it_is_not() -> None:
    schema = {
        "description": "Một hồ sơ.",
        "properties": {
            "description": {"type": "string", "description": "Mô tả."},
            "code": {"type": "string"},
        },
    }
    assert shape(schema) == {"properties": {"description": {"type": "string"}, "code": {"type": "string"}}}
    assert shape(schema) != shape({**schema, "properties": {"code": {"type": "string"}}})
