"""Item types (products, materials, components) and the filament catalog import."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction

from inventory.catalog import ITEM_TYPE_FIELDS, CatalogEntry, check_unique
from inventory.models import InventoryTransaction, ItemType
from inventory.services.ledger import ZERO
from inventory.services.manufacturers import manufacturers_ensure
from prodtrack.exceptions import ValidationError
from prodtrack.models import Tenant
from prodtrack.services import model_delete, model_save_validated, model_update
from prodtrack.telemetry import traced

ITEM_TYPE_UNIQUE = ("sku",)


def _item_type_check(item_type: ItemType) -> None:
    if item_type.kind == ItemType.Kind.MATERIAL and item_type.unit != ItemType.Unit.GRAMS:
        raise ValidationError.for_field("unit", "must be g (grams) for a material.")
    if item_type.kind != ItemType.Kind.MATERIAL and item_type.unit != ItemType.Unit.PIECES:
        raise ValidationError.for_field("unit", f"must be pcs (pieces) for a {item_type.kind}.")


@traced("item_type.create")
@transaction.atomic
def item_type_create(*, tenant: Tenant, name: str, sku: str, kind: str, unit: str | None = None,
                     **fields: Any) -> ItemType:
    """Create an item type. ``unit`` defaults to g for materials, pcs otherwise.

    Raises ValidationError (400) for a taken SKU, a unit that does not fit the kind, or any
    invalid field.
    """
    unit = unit or (ItemType.Unit.GRAMS if kind == ItemType.Kind.MATERIAL else ItemType.Unit.PIECES)
    item_type = ItemType(tenant=tenant, name=name, sku=sku, kind=kind, unit=unit, **fields)
    _item_type_check(item_type)
    item_type = model_save_validated(item_type, unique_fields=ITEM_TYPE_UNIQUE)
    manufacturers_ensure(tenant_id=tenant.pk, names=[item_type.manufacturer])
    return item_type


@traced("item_type.update")
@transaction.atomic
def item_type_update(*, item_type: ItemType, data: dict[str, Any]) -> ItemType:
    """Update the given fields. The kind cannot change once stock has moved for the item.

    Raises ValidationError (400) like ``item_type_create``.
    """
    item_type = ItemType.objects.select_for_update().get(pk=item_type.pk)
    if data.get("kind", item_type.kind) != item_type.kind and (
            InventoryTransaction.objects.filter(item_type=item_type).exists()):
        raise ValidationError.for_field("kind", "cannot change once the item has ledger rows.")
    item_type = model_update(item_type, data=data, unique_fields=ITEM_TYPE_UNIQUE, check=_item_type_check)
    manufacturers_ensure(tenant_id=item_type.tenant_id, names=[item_type.manufacturer])
    return item_type
@traced("item_type.delete")
@transaction.atomic
def item_type_delete(*, item_type: ItemType) -> None:
    """Delete an item type nothing uses. Raises InUseError (409) saying what uses it (ledger rows,
    stock balances, spools, recipes, plans, runs, stockpile markers): deactivate it instead."""
    model_delete(item_type)


CATALOG_IMPORT_BATCH_SIZE = 500


@dataclass(frozen=True)
class CatalogImportResult:
    """What one catalog import did to a tenant's item types (counts of catalog entries)."""

    created: int
    updated: int
    unchanged: int


def _catalog_item_check(item_type: ItemType, catalog_id: str) -> None:
    """Field validation without queries (the tenant FK is ours): max lengths, hex format…"""
    try:
        item_type.clean_fields(exclude=["tenant"])
    except DjangoValidationError as error:
        invalid = ValidationError.from_django(error)
        raise ValidationError(f"Catalog entry {catalog_id}: {invalid.message}", fields=invalid.fields,
                              catalog_id=catalog_id) from error


@traced("item_type.catalog_import")
@transaction.atomic
def item_type_catalog_import(*, tenant: Tenant, entries: Iterable[CatalogEntry],
                             progress: Callable[[int], None] | None = None) -> CatalogImportResult:
    """Create or update the tenant's material item types from filament catalog entries.

    ``entries`` come from ``inventory.catalog.read_catalog``; each is matched to an item type by
    (tenant, ``catalog_id``). New ones are created as ``material`` in grams with ``unit_cost`` 0
    and the SKU ``entry.sku``; existing ones get the catalog fields (``ITEM_TYPE_FIELDS``: name,
    manufacturer, material, colour, density g/cm³, diameter mm, net and spool weights g)
    rewritten when they differ — ``unit_cost``, ``sku``, ``is_active`` and ``kind`` are theirs
    to keep. Idempotent: a second run with the same entries writes nothing.

    Queries do not grow per entry: one to load the tenant's item types, one to add missing
    manufacturers, then one insert per
    batch of ``CATALOG_IMPORT_BATCH_SIZE`` and one update per batch of entries that changed the
    same fields (SQLite may split batches further to respect its parameter limit). ``progress(n)`` is called as ``n``
    entries are done (for a progress bar). Raises CatalogError (400) for repeated catalog ids,
    ValidationError (400) for an invalid entry or a SKU already used by another item type;
    nothing is written then.
    """
    entries = list(entries)
    check_unique(entries)
    to_create, to_update = _catalog_changes(tenant, entries)
    manufacturers_ensure(tenant_id=tenant.pk, names={entry.manufacturer for entry in entries})
    updated = sum(len(items) for items in to_update.values())
    unchanged = len(entries) - len(to_create) - updated
    if progress and unchanged:
        progress(unchanged)
    for batch in _batches(to_create):
        ItemType.objects.bulk_create(batch)
        if progress:
            progress(len(batch))
    for changed, items in to_update.items():   # only the changed columns: bulk_update's CASE is costly
        for batch in _batches(items):
            ItemType.objects.bulk_update(batch, fields=list(changed))
            if progress:
                progress(len(batch))
    return CatalogImportResult(created=len(to_create), updated=updated, unchanged=unchanged)


def _catalog_changes(tenant: Tenant, entries: list[CatalogEntry]
                     ) -> tuple[list[ItemType], dict[tuple[str, ...], list[ItemType]]]:
    """The item types to create and, grouped by the fields that changed, those to update (their
    new values set in memory). One query. Raises ValidationError for an invalid entry or a SKU
    another item type uses."""
    by_catalog_id: dict[str, ItemType] = {}
    sku_owner: dict[str, str] = {}   # SKU → catalog id of its item type ("" for hand-made items)
    for item in ItemType.objects.for_tenant(tenant):   # all fields: validating a deferred one would query
        sku_owner[item.sku] = item.catalog_id
        if item.catalog_id:
            by_catalog_id[item.catalog_id] = item
    to_create: list[ItemType] = []
    to_update: dict[tuple[str, ...], list[ItemType]] = defaultdict(list)  # changed fields → items
    for entry in entries:
        values = {name: getattr(entry, name) for name in ITEM_TYPE_FIELDS}
        item = by_catalog_id.get(entry.catalog_id)
        if item is None:
            if sku_owner.get(entry.sku, entry.catalog_id) != entry.catalog_id:
                raise ValidationError.for_field("sku", f"{entry.sku!r} (catalog entry {entry.catalog_id}) is "
                                                       f"already used by another item type.")
            sku_owner[entry.sku] = entry.catalog_id
            item = ItemType(tenant=tenant, catalog_id=entry.catalog_id, sku=entry.sku, kind=ItemType.Kind.MATERIAL,
                            unit=ItemType.Unit.GRAMS, unit_cost=ZERO, **values)
            to_create.append(item)
        else:
            changed = tuple(name for name, value in values.items() if getattr(item, name) != value)
            if not changed:
                continue
            for name in changed:   # a bulk update: model_update saves one row at a time
                setattr(item, name, values[name])
            to_update[changed].append(item)
        _catalog_item_check(item, entry.catalog_id)
    return to_create, to_update


def _batches(items: list[ItemType]) -> Iterator[list[ItemType]]:
    """``items`` in slices of ``CATALOG_IMPORT_BATCH_SIZE``."""
    for start in range(0, len(items), CATALOG_IMPORT_BATCH_SIZE):
        yield items[start:start + CATALOG_IMPORT_BATCH_SIZE]
