"""Errors of the printers app."""
from __future__ import annotations

from prodtrack.exceptions import ConflictError


class PrinterTokenStateError(ConflictError):
    """409: the token is already revoked."""

    code = "printer_token_state"
