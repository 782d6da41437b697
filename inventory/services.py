"""Inventory writes: item types, locations, workstations, spools and the append-only ledger.

Every change of stock goes through ``inventory_transactions_post``, which appends the ledger
rows, moves the ``StockBalance`` of each (item type, location) pair and the weight of each
spool in the same transaction. So at every commit:

* ``Spool.current_weight_g`` == the sum of that spool's ledger rows (its receipt included);
* ``StockBalance.quantity`` == the sum of the ledger rows of its (item type, location).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from inventory.catalog import ITEM_TYPE_FIELDS, CatalogEntry, check_unique
from inventory.errors import AlreadyReversedError, SpoolShortError, SpoolStateError
from inventory.models import InventoryTransaction, ItemType, Location, Spool, StockBalance, Workstation
from prodtrack.exceptions import ValidationError
from prodtrack.models import Tenant, User
from prodtrack.services import model_save_validated, model_update
from prodtrack.telemetry import traced

ZERO = Decimal("0")
REFERENCE_SPOOL = "spool"


@dataclass(frozen=True)
class LedgerEntry:
    """One row to post: signed ``quantity`` in the item's unit at ``location``.

    ``reference_*`` name the source document (e.g. ``("production_run", "42", "DEMO-20261121-001")``).
    """

    item_type: ItemType
    location: Location
    quantity: Decimal
    transaction_type: str
    spool: Spool | None = None
    reference_type: str = ""
    reference_id: str = ""
    reference_label: str = ""
    note: str = ""
    reverses: InventoryTransaction | None = None


# --- the ledger ------------------------------------------------------------------------------

def _stock_balances_apply(*, tenant: Tenant, deltas: dict[tuple[int, int], Decimal]) -> None:
    """``quantity += delta`` for each (item type, location) pair, in three statements whatever the
    number of pairs: insert the missing balance rows (``ON CONFLICT DO NOTHING``), lock all of
    them in (item, location) order — concurrent postings never deadlock — and write the Decimal
    sums back in one bulk update (no ``quantity + delta`` in SQL, which SQLite does in floats).
    """
    pairs = sorted(deltas)
    StockBalance.objects.bulk_create(
        [StockBalance(tenant=tenant, item_type_id=item_type_id, location_id=location_id, quantity=ZERO)
         for item_type_id, location_id in pairs], ignore_conflicts=True)
    condition = Q()
    for item_type_id, location_id in pairs:
        condition |= Q(item_type_id=item_type_id, location_id=location_id)
    balances = list(StockBalance.objects.select_for_update().filter(condition).order_by("item_type_id", "location_id"))
    now = timezone.now()
    for balance in balances:
        balance.quantity += deltas[(balance.item_type_id, balance.location_id)]
        balance.updated_at = now
    StockBalance.objects.bulk_update(balances, ["quantity", "updated_at"])


def _spool_status_after(spool: Spool, weight: Decimal) -> str:
    """An active spool at 0 g is empty; an empty one that gets grams back (a void) is active again."""
    if spool.status == Spool.Status.ACTIVE and weight == 0:
        return Spool.Status.EMPTY
    if spool.status == Spool.Status.EMPTY and weight > 0:
        return Spool.Status.ACTIVE
    return spool.status


@transaction.atomic
def inventory_transactions_post(*, tenant: Tenant, by: User, entries: Sequence[LedgerEntry],
                                at: datetime | None = None) -> list[InventoryTransaction]:
    """Append ``entries`` to the ledger and apply them to balances and spool weights.

    Spools are locked in primary-key order and balances in (item, location) order, so
    concurrent postings never deadlock; the new weights are computed in Decimal under those locks.
    A constant number of statements (about six) whatever the number of rows, spools and pairs.
    ``at`` stamps the rows (default: now; the services that call this pass it through so imports
    and the demo can record when stock really moved). A spool reaching 0 g becomes ``empty``, an
    empty one given grams back becomes ``active``.

    Raises SpoolShortError (409, with ``shortfall_g``) when a spool would hold less than 0 g, and
    SpoolStateError (409) for an archived spool (reversals excepted: a void must always balance
    the books); nothing is written then.
    """
    if not entries:
        return []
    spool_deltas: dict[int, Decimal] = defaultdict(Decimal)
    corrections_only: dict[int, bool] = defaultdict(lambda: True)
    for entry in entries:
        if entry.spool is not None:
            spool_deltas[entry.spool.pk] += entry.quantity
            corrections_only[entry.spool.pk] &= entry.transaction_type == InventoryTransaction.Type.REVERSAL
    locked: list[Spool] = []
    if spool_deltas:
        locked = list(Spool.objects.select_for_update().filter(tenant=tenant, pk__in=spool_deltas).order_by("pk"))
        for spool in locked:
            if spool.status == Spool.Status.ARCHIVED and not corrections_only[spool.pk]:
                raise SpoolStateError(f"Spool #{spool.pk} is archived.", spool_id=spool.pk)
            after = spool.current_weight_g + spool_deltas[spool.pk]
            if after < 0:
                raise SpoolShortError(
                    f"Spool #{spool.pk} holds {spool.current_weight_g} g; this needs {-spool_deltas[spool.pk]} g "
                    f"({-after} g short).",
                    spool_id=spool.pk, current_weight_g=str(spool.current_weight_g),
                    change_g=str(spool_deltas[spool.pk]), shortfall_g=str(-after))
    created_at = at or timezone.now()
    rows = InventoryTransaction.objects.bulk_create([
        InventoryTransaction(
            tenant=tenant, item_type=e.item_type, location=e.location, spool=e.spool, quantity=e.quantity,
            transaction_type=e.transaction_type, reference_type=e.reference_type,
            reference_id=str(e.reference_id), reference_label=e.reference_label[:200], note=e.note[:500],
            reverses=e.reverses, created_by=by, created_at=created_at)
        for e in entries
    ])
    balance_deltas: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    for entry in entries:
        balance_deltas[(entry.item_type.pk, entry.location.pk)] += entry.quantity
    _stock_balances_apply(tenant=tenant, deltas=balance_deltas)
    for spool in locked:
        spool.current_weight_g += spool_deltas[spool.pk]
        spool.status = _spool_status_after(spool, spool.current_weight_g)
    Spool.objects.bulk_update(locked, ["current_weight_g", "status"])
    return rows


@traced("inventory_transaction.reverse")
@transaction.atomic
def inventory_transaction_reverse(*, transaction_row: InventoryTransaction, by: User, note: str = "",
                                  at: datetime | None = None) -> InventoryTransaction:
    """Post a ``reversal`` row that cancels ``transaction_row`` (opposite quantity).

    A row is reversed at most once, and a reversal is never itself reversed: both raise
    AlreadyReversedError (409). Raises SpoolShortError (409) when undoing would drive the
    spool below 0 g (e.g. reversing a receipt whose filament was already used).
    """
    row = (InventoryTransaction.objects.select_for_update(of=("self",)).select_related("item_type", "location", "spool")
           .get(pk=transaction_row.pk))
    if row.transaction_type == InventoryTransaction.Type.REVERSAL:
        raise AlreadyReversedError("A reversal cannot be reversed; post a new transaction instead.",
                                   transaction_id=row.pk)
    if InventoryTransaction.objects.filter(reverses=row).exists():
        raise AlreadyReversedError(f"Transaction {row.pk} is already reversed.", transaction_id=row.pk)
    label = f"Reversal of #{row.pk}" + (f" ({row.reference_label})" if row.reference_label else "")
    try:
        (reversal,) = inventory_transactions_post(tenant=row.tenant, by=by, at=at, entries=[LedgerEntry(
            item_type=row.item_type, location=row.location, spool=row.spool, quantity=-row.quantity,
            transaction_type=InventoryTransaction.Type.REVERSAL, reference_type=row.reference_type,
            reference_id=row.reference_id, reference_label=label, note=note, reverses=row)])
    except IntegrityError as error:  # the one-reversal-per-row constraint, should a lock ever be bypassed
        raise AlreadyReversedError(f"Transaction {row.pk} is already reversed.", transaction_id=row.pk) from error
    return reversal


@traced("inventory_transaction.reverse_reference")
@transaction.atomic
def inventory_transactions_reverse_reference(*, tenant: Tenant, by: User, reference_type: str, reference_id: str,
                                             transaction_types: Sequence[str] | None = None, note: str = "",
                                             at: datetime | None = None) -> list[InventoryTransaction]:
    """Reverse every not-yet-reversed row a source document posted (e.g. voiding a production run).

    ``transaction_types`` limits which rows (e.g. only ``production`` output); reversal rows are
    never reversed. The rows are locked first, so two concurrent voids reverse each row once.
    Returns the reversal rows (empty when there was nothing left to reverse).
    """
    rows = list(InventoryTransaction.objects.select_for_update(of=("self",))
                .select_related("item_type", "location", "spool")
                .filter(tenant=tenant, reference_type=reference_type, reference_id=str(reference_id),
                        reversed_by__isnull=True)
                .exclude(transaction_type=InventoryTransaction.Type.REVERSAL)
                .filter(**({"transaction_type__in": transaction_types} if transaction_types else {}))
                .order_by("pk"))
    return inventory_transactions_post(tenant=tenant, by=by, at=at, entries=[LedgerEntry(
        item_type=row.item_type, location=row.location, spool=row.spool, quantity=-row.quantity,
        transaction_type=InventoryTransaction.Type.REVERSAL, reference_type=row.reference_type,
        reference_id=row.reference_id, reference_label=f"Reversal of #{row.pk} ({row.reference_label})",
        note=note, reverses=row) for row in rows])


@traced("stock.adjust")
@transaction.atomic
def stock_adjust(*, tenant: Tenant, by: User, item_type: ItemType, location: Location, quantity: Decimal,
                 note: str = "", at: datetime | None = None) -> InventoryTransaction:
    """Post an ``adjustment`` of ``quantity`` (signed, item's unit) for a product or component.

    Materials are counted per spool (``spool_adjust``); a zero quantity is refused.
    Raises ValidationError (400) naming the field.
    """
    if item_type.kind == ItemType.Kind.MATERIAL:
        raise ValidationError.for_field("item_type", "is a material: adjust its spools instead.")
    if quantity == 0:
        raise ValidationError.for_field("quantity", "must not be 0.")
    (row,) = inventory_transactions_post(tenant=tenant, by=by, at=at, entries=[LedgerEntry(
        item_type=item_type, location=location, quantity=quantity,
        transaction_type=InventoryTransaction.Type.ADJUSTMENT, reference_label="Stock count", note=note)])
    return row


# --- item types, locations, workstations ------------------------------------------------------

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
    return model_save_validated(item_type, unique_fields=ITEM_TYPE_UNIQUE)


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
    return model_update(item_type, data=data, unique_fields=ITEM_TYPE_UNIQUE, check=_item_type_check)


@traced("location.create")
@transaction.atomic
def location_create(*, tenant: Tenant, name: str, kind: str = Location.Kind.WAREHOUSE) -> Location:
    """Create a location; names are unique per tenant (ValidationError 400)."""
    return model_save_validated(Location(tenant=tenant, name=name, kind=kind), unique_fields=["name"])


@traced("location.update")
@transaction.atomic
def location_update(*, location: Location, data: dict[str, Any]) -> Location:
    """Rename or re-kind a location."""
    return model_update(location, data=data, unique_fields=["name"])


def _workstation_check(tenant: Tenant, location: Location | None) -> None:
    if location is not None and location.tenant_id != tenant.pk:
        raise ValidationError.for_field("location", "not found.")


@traced("workstation.create")
@transaction.atomic
def workstation_create(*, tenant: Tenant, name: str, location: Location, kind: str = Workstation.Kind.PRINTER,
                       activities: list[str] | None = None, model_name: str = "",
                       is_active: bool = True) -> Workstation:
    """Create a workstation (a printer by default) at ``location``; names unique per tenant."""
    _workstation_check(tenant, location)
    workstation = Workstation(tenant=tenant, name=name, location=location, kind=kind, model_name=model_name,
                              activities=activities if activities is not None else ["printing"],
                              is_active=is_active)
    return model_save_validated(workstation, unique_fields=["name"])


@traced("workstation.update")
@transaction.atomic
def workstation_update(*, workstation: Workstation, data: dict[str, Any]) -> Workstation:
    """Update a workstation's fields."""
    _workstation_check(workstation.tenant, data.get("location"))
    return model_update(workstation, data=data, unique_fields=["name"])


# --- spools ----------------------------------------------------------------------------------

def _spool_label(spool: Spool) -> str:
    return f"Spool #{spool.pk} · {spool.item_type.name}"


def _spool_entry(spool: Spool, quantity: Decimal, transaction_type: str, note: str = "") -> LedgerEntry:
    return LedgerEntry(item_type=spool.item_type, location=spool.location, spool=spool, quantity=quantity,
                       transaction_type=transaction_type, reference_type=REFERENCE_SPOOL,
                       reference_id=str(spool.pk), reference_label=_spool_label(spool), note=note)


def _positive(field: str, value: Decimal, *, allow_zero: bool = False) -> None:
    if value < 0 or (value == 0 and not allow_zero):
        raise ValidationError.for_field(field, "must be 0 or more." if allow_zero else "must be more than 0.")


@traced("spool.receive")
@transaction.atomic
def spool_receive(*, tenant: Tenant, by: User, item_type: ItemType, location: Location,
                  initial_weight_g: Decimal | None = None, tare_weight_g: Decimal | None = None,
                  cost: Decimal | None = None, lot_number: str = "", note: str = "",
                  received_at: datetime | None = None) -> Spool:
    """Receive a spool: create it and its ``receipt`` ledger row of +initial net grams.

    Defaults come from the material: ``initial_weight_g`` ← net weight of a full spool,
    ``tare_weight_g`` ← empty-spool weight, ``cost`` ← unit cost × initial weight.
    Raises ValidationError (400) for a non-material item type or weights ≤ 0 / < 0.
    """
    if item_type.tenant_id != tenant.pk:
        raise ValidationError.for_field("item_type", "not found.")
    if location.tenant_id != tenant.pk:
        raise ValidationError.for_field("location", "not found.")
    if item_type.kind != ItemType.Kind.MATERIAL:
        raise ValidationError.for_field("item_type", f"{item_type.name} is a {item_type.kind}, not a material.")
    if initial_weight_g is None:
        if not item_type.net_weight_g:
            raise ValidationError.for_field("initial_weight_g", "is required (the material has no net weight).")
        initial_weight_g = item_type.net_weight_g
    _positive("initial_weight_g", initial_weight_g)
    tare_weight_g = tare_weight_g if tare_weight_g is not None else (item_type.spool_weight_g or ZERO)
    _positive("tare_weight_g", tare_weight_g, allow_zero=True)
    cost = cost if cost is not None else (item_type.unit_cost * initial_weight_g).quantize(Decimal("0.01"))
    _positive("cost", cost, allow_zero=True)
    at = received_at or timezone.now()
    spool = Spool.objects.create(
        tenant=tenant, item_type=item_type, location=location, initial_weight_g=initial_weight_g,
        current_weight_g=ZERO, tare_weight_g=tare_weight_g, cost=cost, lot_number=lot_number,
        received_at=at, created_by=by)
    inventory_transactions_post(tenant=tenant, by=by, at=at, entries=[
        _spool_entry(spool, initial_weight_g, InventoryTransaction.Type.RECEIPT, note)])
    spool.current_weight_g = initial_weight_g
    return spool


@traced("spool.adjust")
@transaction.atomic
def spool_adjust(*, spool: Spool, by: User, gross_weight_g: Decimal | None = None,
                 net_weight_g: Decimal | None = None, note: str = "", at: datetime | None = None) -> Spool:
    """Weigh a spool: post the ``adjustment`` that makes the books match the scale.

    Give ``gross_weight_g`` (spool on the scale; the tare is subtracted) or ``net_weight_g``.
    The row's quantity is new net − current net; none is written when they are equal. The spool
    becomes ``empty`` at 0 g and ``active`` above. Raises ValidationError (400) for a gross
    weight below the tare or a negative weight, SpoolStateError (409) for an archived spool.
    """
    spool = Spool.objects.select_for_update().select_related("item_type", "location").get(pk=spool.pk)
    if spool.status == Spool.Status.ARCHIVED:
        raise SpoolStateError(f"Spool #{spool.pk} is archived.", spool_id=spool.pk)
    if (gross_weight_g is None) == (net_weight_g is None):
        raise ValidationError.for_field("gross_weight_g", "give either gross_weight_g or net_weight_g.")
    if gross_weight_g is not None:
        _positive("gross_weight_g", gross_weight_g, allow_zero=True)
        if gross_weight_g < spool.tare_weight_g:
            raise ValidationError.for_field(
                "gross_weight_g", f"{gross_weight_g} g is below the spool's tare of {spool.tare_weight_g} g.")
        net_weight_g = gross_weight_g - spool.tare_weight_g
    _positive("net_weight_g", net_weight_g, allow_zero=True)
    delta = net_weight_g - spool.current_weight_g
    if delta:
        inventory_transactions_post(tenant=spool.tenant, by=by, at=at, entries=[
            _spool_entry(spool, delta, InventoryTransaction.Type.ADJUSTMENT,
                         note or f"Weighed: {net_weight_g} g net")])
    status = Spool.Status.EMPTY if net_weight_g == 0 else Spool.Status.ACTIVE
    Spool.objects.filter(pk=spool.pk).update(status=status)
    spool.refresh_from_db()
    return spool


@traced("spool.mark_empty")
@transaction.atomic
def spool_mark_empty(*, spool: Spool, by: User, note: str = "", at: datetime | None = None) -> Spool:
    """Mark a spool empty; any grams the books still hold are written off by an adjustment."""
    return spool_adjust(spool=spool, by=by, net_weight_g=ZERO, note=note or "Marked empty", at=at)


@traced("spool.archive")
@transaction.atomic
def spool_archive(*, spool: Spool, by: User) -> Spool:
    """Archive a spool (retired from use; its weight stays on the books). Idempotent."""
    spool = Spool.objects.select_for_update().get(pk=spool.pk)
    if spool.status != Spool.Status.ARCHIVED:
        spool.status = Spool.Status.ARCHIVED
        spool.save(update_fields=["status"])
    return spool


@traced("spool.update")
@transaction.atomic
def spool_update(*, spool: Spool, data: dict[str, Any]) -> Spool:
    """Edit a spool's descriptive fields (lot number, cost). Weights change only via the ledger."""
    allowed = {"lot_number", "cost"}
    unknown = set(data) - allowed
    if unknown:
        raise ValidationError.for_field(sorted(unknown)[0], "cannot be edited; weights change through the ledger.")
    return model_update(Spool.objects.select_for_update().get(pk=spool.pk), data=data)


# --- filament catalog --------------------------------------------------------------------------

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

    Queries do not grow per entry: one to load the tenant's item types, then one insert per
    batch of ``CATALOG_IMPORT_BATCH_SIZE`` and one update per batch of entries that changed the
    same fields (SQLite may split batches further to respect its parameter limit). ``progress(n)`` is called as ``n``
    entries are done (for a progress bar). Raises CatalogError (400) for repeated catalog ids,
    ValidationError (400) for an invalid entry or a SKU already used by another item type;
    nothing is written then.
    """
    entries = list(entries)
    check_unique(entries)
    to_create, to_update = _catalog_changes(tenant, entries)
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
