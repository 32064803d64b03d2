"""Domain errors of reconciliation."""

from __future__ import annotations

from motcua_shared.chassis.errors import PROBLEM_BASE, Unprocessable


class StatementInvalid(Unprocessable):
    """A statement that cannot be read (encoding, size, missing columns, too many lines)."""

    type = PROBLEM_BASE + "statement-invalid"
