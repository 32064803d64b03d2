"""Toxiproxy (Shopify's TCP proxy for fault tests, a Go binary) in front of the stack's Kafka and PostgreSQL.

The stack starts ``toxiproxy-server`` with a ``-config`` file naming one proxy per broker and one for
PostgreSQL, so a restarted proxy comes back with the same listeners; faults (latency, connections reset)
are added and removed through its HTTP API (:class:`Toxiproxy`). The binary comes from the Go module proxy
(``make toxiproxy``: ``go install github.com/Shopify/toxiproxy/v2/cmd/server@<version>`` into the cache),
or from ``$MOTCUA_TOXIPROXY``, or ``toxiproxy-server`` on PATH.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from motcua.infra.kafka import default_cache_root
from motcua.infra.ports import LOOPBACK

VERSION = "2.12.0"
"""The Toxiproxy release ``make toxiproxy`` installs."""


def toxiproxy_binary() -> str:
    """The ``toxiproxy-server`` executable; a clear error naming the way to get it when it is missing."""
    candidates = [
        os.environ.get("MOTCUA_TOXIPROXY"),
        shutil.which("toxiproxy-server"),
        str(default_cache_root() / f"toxiproxy-{VERSION}" / "server"),
    ]
    for found in candidates:
        if found and os.access(found, os.X_OK):
            return found
    raise RuntimeError("the proxy needs Toxiproxy: `make toxiproxy` (Go) or set MOTCUA_TOXIPROXY")


@dataclass(frozen=True)
class Route:
    """One proxy: clients connect to ``listen`` and are passed to ``upstream`` (loopback ports)."""

    name: str
    listen: int
    upstream: int


def write_config(path: Path, routes: list[Route]) -> Path:
    """Write the ``-config`` file creating ``routes`` at start; its path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    proxies = [
        {
            "name": r.name,
            "listen": f"{LOOPBACK}:{r.listen}",
            "upstream": f"{LOOPBACK}:{r.upstream}",
            "enabled": True,
        }
        for r in routes
    ]
    path.write_text(json.dumps(proxies, indent=2) + "\n")
    return path


def command(config: Path, api_port: int) -> list[str]:
    """The command line running the proxy with its HTTP API on ``api_port``."""
    return [toxiproxy_binary(), "-host", LOOPBACK, "-port", str(api_port), "-config", str(config)]


class Toxiproxy:
    """The proxy's HTTP API (https://github.com/Shopify/toxiproxy#http-api), synchronous."""

    def __init__(self, api_port: int, *, timeout: float = 10) -> None:
        """A client of the API listening on ``api_port`` on loopback."""
        self._client = httpx.Client(base_url=f"http://{LOOPBACK}:{api_port}", timeout=timeout)

    def close(self) -> None:
        """Close the HTTP client."""
        self._client.close()

    def proxies(self) -> dict[str, Any]:
        """Every proxy, by name, with its toxics."""
        response = self._client.get("/proxies")
        response.raise_for_status()
        found: dict[str, Any] = response.json()
        return found

    def add_toxic(
        self,
        proxy: str,
        kind: str,
        attributes: Mapping[str, int | float],
        *,
        stream: str = "downstream",
        toxicity: float = 1.0,
        name: str | None = None,
    ) -> None:
        """Add a toxic (``latency``, ``reset_peer``, ``timeout``…) to ``proxy``."""
        body = {
            "name": name or f"{kind}_{stream}",
            "type": kind,
            "stream": stream,
            "toxicity": toxicity,
            "attributes": dict(attributes),
        }
        self._client.post(f"/proxies/{proxy}/toxics", json=body).raise_for_status()

    def clear(self, proxy: str) -> None:
        """Remove every toxic of ``proxy``."""
        for toxic in self.proxies()[proxy]["toxics"]:
            self._client.delete(f"/proxies/{proxy}/toxics/{toxic['name']}").raise_for_status()

    def set_enabled(self, proxy: str, enabled: bool) -> None:
        """Enable or disable ``proxy``; disabling closes every connection through it."""
        self._client.post(f"/proxies/{proxy}", json={"enabled": enabled}).raise_for_status()
