"""Errors of the printers app."""
from __future__ import annotations

from prodtrack.exceptions import ConflictError


class PrinterTokenStateError(ConflictError):
    """409: the token is already revoked."""

    code = "printer_token_state"


class UsageSessionStateError(ConflictError):
    """409: the usage session is still open, or another request gave it to a run first."""

    code = "usage_session_state"
