"""Delivery errors."""

from __future__ import annotations

from motcua_shared.chassis.errors import NotFound, Unauthenticated


class UnknownMessage(NotFound):
    """A receipt for a message this service never sent."""


class BadReceiptSignature(Unauthenticated):
    """A receipt whose signature does not verify."""
