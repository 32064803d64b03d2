"""A stack started by `motcua stack up` for a system test, on the session's Kafka and PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from journey_steps import free_port_block

from motcua.infra.postgres import PgServer


@dataclass
class Stack:
    """The `motcua stack` command on one root, and what it recorded."""

    root: Path
    base_port: int
    env: dict[str, str]

    def motcua(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        """Run `motcua stack <args> --root <root>`."""
        return subprocess.run(
            [sys.executable, "-m", "motcua.cli", "stack", *args, "--root", str(self.root)],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    @property
    def gateway(self) -> str:
        """The gateway's base URL."""
        return f"http://127.0.0.1:{self.base_port}"

    def state(self) -> dict[str, Any]:
        """The stack's state file."""
        data: dict[str, Any] = json.loads((self.root / "state.json").read_text())
        return data

    def processes(self) -> dict[str, dict[str, Any]]:
        """The processes the state names, by name."""
        return {p["name"]: p for p in self.state()["processes"]}


def logs(root: Path, tail: int = 3000) -> str:
    """The end of every log of the stack at ``root``."""
    return "\n".join(f"--- {p.name}\n{p.read_text()[-tail:]}" for p in sorted((root / "logs").glob("*.log")))


@contextmanager
def running_stack(
    root: Path, kafka_bootstrap: str, pg_server: PgServer, *args: str, ports: int = 6
) -> Iterator[Stack]:
    """`stack up <args>` on the session's Kafka and PostgreSQL (a block of ``ports`` free ports), and
    `stack down` afterwards."""
    env = {
        **os.environ,
        "MOTCUA_KAFKA_BOOTSTRAP": kafka_bootstrap,
        "MOTCUA_PG_URL": pg_server.url("postgres"),
    }
    stack = Stack(root, free_port_block(ports), env)
    started = stack.motcua("up", "--base-port", str(stack.base_port), *args)
    try:
        assert started.returncode == 0, started.stdout + started.stderr + logs(root)
        yield stack
    finally:
        stack.motcua("down")
