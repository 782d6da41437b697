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


class StockShortError(ConflictError):
    """409: a move would leave less than nothing of an item at a location. ``extra`` names the
    ``item_type_id``, ``location_id``, ``on_hand`` and ``needed`` (the item's unit)."""

    code = "stock_short"

    def __init__(self, *, item_name: str, location_name: str, item_type_id: int, location_id: int,
                 on_hand: str, needed: str, unit: str) -> None:
        super().__init__(f"{location_name} has {on_hand} {unit} of {item_name}; this needs {needed} {unit}.",
                         item_type_id=item_type_id, location_id=location_id, on_hand=on_hand, needed=needed)


class CatalogError(ApplicationError):
    """400: the catalog cannot be read: missing directory or file, invalid JSON, a missing key."""

    code = "catalog_invalid"


class CatalogImportRunningError(ConflictError):
    """409: an import of the filament catalog into this tenant is already waiting or running."""

    code = "catalog_import_running"
