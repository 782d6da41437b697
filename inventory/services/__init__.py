"""Inventory writes, one module per concern: ``ledger`` (the append-only ledger and stock balances:
every change of stock goes through ``inventory_transactions_post``), ``item_types`` (and the
filament catalog import), ``manufacturers``, ``places`` (locations, workstations), ``spools`` and ``stock`` (transfers and shipments). This package
exposes them as one API."""
from inventory.services.catalog_imports import catalog_import_run, catalog_import_start
from inventory.services.extras import extra_key_clear, spool_extra_value_rename
from inventory.services.item_types import (
    CatalogImportResult,
    item_type_catalog_import,
    item_type_create,
    item_type_delete,
    item_type_update,
)
from inventory.services.ledger import (
    REFERENCE_SPOOL,
    LedgerEntry,
    inventory_transaction_reverse,
    inventory_transactions_post,
    inventory_transactions_reverse_reference,
    stock_adjust,
)
from inventory.services.manufacturers import (
    manufacturer_create,
    manufacturer_delete,
    manufacturer_update,
    manufacturers_ensure,
)
from inventory.services.places import (
    location_create,
    location_delete,
    location_update,
    workstation_create,
    workstation_update,
)
from inventory.services.spools import (
    spool_adjust,
    spool_archive,
    spool_mark_empty,
    spool_move,
    spool_receive,
    spool_update,
    spool_usage_settle,
    spool_use_report,
)
from inventory.services.stock import REFERENCE_SHIPMENT, REFERENCE_TRANSFER, StockLine, stock_ship, stock_transfer

__all__ = [
    "catalog_import_run", "catalog_import_start",
    "manufacturer_create",
    "manufacturer_delete",
    "manufacturer_update",
    "manufacturers_ensure",
    "REFERENCE_SHIPMENT",
    "REFERENCE_TRANSFER",
    "StockLine",
    "stock_ship",
    "stock_transfer",
    "CatalogImportResult",
    "LedgerEntry",
    "REFERENCE_SPOOL",
    "inventory_transaction_reverse",
    "inventory_transactions_post",
    "inventory_transactions_reverse_reference",
    "item_type_catalog_import",
    "item_type_create",
    "item_type_delete",
    "item_type_update",
    "location_create",
    "location_delete",
    "location_update",
    "spool_use_report",
    "spool_usage_settle",
    "spool_adjust",
    "spool_archive",
    "spool_mark_empty",
    "spool_move",
    "spool_receive",
    "extra_key_clear",
    "spool_extra_value_rename",
    "spool_update",
    "stock_adjust",
    "workstation_create",
    "workstation_update",
]
