"""Errors of the papers feature."""

from __future__ import annotations

from motcua_shared.chassis.errors import Conflict, Unavailable


class PaperNotIssued(Conflict):
    """The dossier has not reached the point where this paper is issued."""


class FontMissing(Unavailable):
    """The Unicode font the papers need is not installed."""
