"""Errors of the procedure replica."""

from __future__ import annotations

from motcua_shared.chassis.errors import Unprocessable


class ProcedureNotOpen(Unprocessable):
    """The procedure is unknown, withdrawn, or not open to this kind of filing."""


class ReceivingAgencyInvalid(Unprocessable):
    """The agency a dossier is filed at is missing, or not one that receives the procedure's dossiers."""
