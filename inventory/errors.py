"""Inventory's business errors (the ApplicationError family of ``prodtrack.exceptions``)."""
from prodtrack.exceptions import ApplicationError, ConflictError


class AlreadyReversedError(ConflictError):
    """409: the ledger row already has its reversal (at most one per row)."""

    code = "already_reversed"


class SpoolStateError(ConflictError):
    """409: the spool's status does not allow the change (e.g. weighing an archived spool)."""

    code = "spool_state"


class SpoolShortError(ConflictError):
    """409: a spool would hold less than 0 g after the change."""

    code = "spool_short"


class CatalogError(ApplicationError):
    """400: the catalog cannot be read: missing directory or file, invalid JSON, a missing key."""

    code = "catalog_invalid"
