"""Errors of the papers feature."""

from __future__ import annotations

from motcua_shared.chassis.errors import Conflict, Forbidden, Unavailable, Unprocessable


class PaperNotIssued(Conflict):
    """The dossier has not reached the point where this paper is issued."""


class FontMissing(Unavailable):
    """The Unicode font the papers need is not installed."""


class RegisterForbidden(Forbidden):
    """Only the unit's officers (and admins) read its register."""


class RegisterRangeInvalid(Unprocessable):
    """The register's period is reversed or too long."""
