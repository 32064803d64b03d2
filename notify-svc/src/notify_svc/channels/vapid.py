"""VAPID keys (RFC 8292), apart from the Web Push sender: reading one needs neither pywebpush nor aiohttp."""

from __future__ import annotations

from typing import Any

from py_vapid import Vapid  # type: ignore[import-untyped]


def load_vapid(key: str) -> Any:
    """A VAPID key from PEM text or a base64url raw private value."""
    text = key.strip()
    if text.startswith("-----BEGIN"):
        return Vapid.from_pem(text.encode())
    return Vapid.from_raw(text.encode())
