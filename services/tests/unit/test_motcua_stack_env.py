"""The processes `motcua stack` starts and the container images run with the same malloc settings."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from motcua.stack import MALLOC_ENV, _process_env

DOCKERFILE = Path(__file__).resolve().parents[3] / "Dockerfile"


def test_every_stack_process_gets_the_malloc_settings_unless_the_operator_sets_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    monkeypatch.delenv("MALLOC_MMAP_THRESHOLD_", raising=False)
    env = _process_env({"NOTIFY_HTTP__PORT": "8004"})
    assert {name: env[name] for name in MALLOC_ENV} == {
        "MALLOC_ARENA_MAX": "2",
        "MALLOC_MMAP_THRESHOLD_": "131072",
    }
    assert env["NOTIFY_HTTP__PORT"] == "8004"
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    assert _process_env({})["MALLOC_ARENA_MAX"] == "4"


def test_the_images_set_the_same_malloc_settings() -> None:
    assert dict(re.findall(r"\b(MALLOC_\w+)=(\S+)", DOCKERFILE.read_text())) == MALLOC_ENV
