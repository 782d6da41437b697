"""Stock moves of products and components (DESIGN §3): a transfer between locations (a linked
out/in pair of ``transfer`` rows) and a shipment to a customer (``shipment`` rows). Materials move
as spools (a spool's location), never by grams here.

Both post through ``inventory_transactions_post``: one transaction, the balance rows locked in
(item, location) order, and nothing below zero (StockShortError, 409, naming item, location, on
hand and needed).
"""
from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import transaction

from inventory.models import InventoryTransaction, ItemType, Location
from inventory.services.ledger import LedgerEntry, inventory_transactions_post
from prodtrack.exceptions import ValidationError
from prodtrack.models import Tenant, User
from prodtrack.telemetry import traced

REFERENCE_TRANSFER = "stock_transfer"
REFERENCE_SHIPMENT = "shipment"


@dataclass(frozen=True)
class StockLine:
    """``quantity`` (> 0, the item's unit) of a product or component."""

    item_type: ItemType
    quantity: Decimal


def _check_items(tenant: Tenant, items: Sequence[StockLine]) -> None:
    """Raises ValidationError naming ``items`` / ``items[i].<field>`` for no line, another tenant's
    item, a material (moved as spools) or a quantity that is not positive."""
    if not items:
        raise ValidationError.for_field("items", "name at least one item and quantity.")
    for index, line in enumerate(items):
        where = f"items[{index}]"
        if line.item_type.tenant_id != tenant.pk:
            raise ValidationError.for_field(f"{where}.item_type", f"item type {line.item_type.pk} not found.")
        if line.item_type.kind == ItemType.Kind.MATERIAL:
            raise ValidationError.for_field(f"{where}.item_type",
                                            f"{line.item_type.name} is a material: move its spools instead.")
        if line.quantity <= 0:
            raise ValidationError.for_field(f"{where}.quantity", "must be more than 0.")
        if line.item_type.unit == ItemType.Unit.PIECES and line.quantity != line.quantity.to_integral_value():
            raise ValidationError.for_field(f"{where}.quantity", "must be whole pieces.")


def _check_location(tenant: Tenant, location: Location, field: str) -> None:
    if location.tenant_id != tenant.pk:
        raise ValidationError.for_field(field, f"location {location.pk} not found.")


@traced("stock.transfer")
@transaction.atomic
def stock_transfer(*, tenant: Tenant, by: User, origin: Location, destination: Location,
                   items: Sequence[StockLine], note: str = "", reference_type: str = REFERENCE_TRANSFER,
                   reference_id: str = "", reference_label: str = "",
                   at: datetime | None = None) -> list[InventoryTransaction]:
    """Move ``items`` from ``origin`` to ``destination``: per item a ``transfer`` row of −quantity at
    the origin and one of +quantity at the destination, all sharing one reference — the caller's
    document (e.g. ``("transport_job", "12", "Transport #12")``) or a new transfer id. Returns
    the rows, out then in per item.

    Raises ValidationError (400) as ``_check_items``, or naming ``destination`` when it is the
    origin, ``origin``/``destination`` for another tenant's location; StockShortError (409) when
    the origin holds less than an item needs. Nothing is written then.
    """
    _check_location(tenant, origin, "origin")
    _check_location(tenant, destination, "destination")
    if origin.pk == destination.pk:
        raise ValidationError.for_field("destination", "must differ from the origin.")
    _check_items(tenant, items)
    reference_id = reference_id or uuid.uuid4().hex
    label = reference_label or f"Transfer {origin.name} → {destination.name}"
    entries = []
    for line in items:
        for location, quantity in ((origin, -line.quantity), (destination, line.quantity)):
            entries.append(LedgerEntry(
                item_type=line.item_type, location=location, quantity=quantity,
                transaction_type=InventoryTransaction.Type.TRANSFER, reference_type=reference_type,
                reference_id=reference_id, reference_label=label, note=note))
    return inventory_transactions_post(tenant=tenant, by=by, entries=entries, at=at)


@traced("stock.ship")
@transaction.atomic
def stock_ship(*, tenant: Tenant, by: User, location: Location, items: Sequence[StockLine], customer: str = "",
               note: str = "", at: datetime | None = None) -> list[InventoryTransaction]:
    """Ship ``items`` from ``location`` to a customer: one ``shipment`` row of −quantity per item,
    sharing a new shipment id; ``customer`` labels them. Raises ValidationError (400) as
    ``stock_transfer``, StockShortError (409) when the location holds less than an item needs.
    """
    _check_location(tenant, location, "location")
    _check_items(tenant, items)
    reference_id = uuid.uuid4().hex
    label = f"Shipment to {customer.strip()}" if customer.strip() else "Shipment"
    return inventory_transactions_post(tenant=tenant, by=by, at=at, entries=[LedgerEntry(
        item_type=line.item_type, location=location, quantity=-line.quantity,
        transaction_type=InventoryTransaction.Type.SHIPMENT, reference_type=REFERENCE_SHIPMENT,
        reference_id=reference_id, reference_label=label, note=note) for line in items])
