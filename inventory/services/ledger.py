"""The append-only inventory ledger and stock balances.

Every change of stock goes through ``inventory_transactions_post``, which appends the ledger
rows, moves the ``StockBalance`` of each (item type, location) pair and the weight of each
spool in the same transaction. So at every commit:

* ``Spool.current_weight_g`` == the sum of that spool's ledger rows (its receipt included) less
  ``reported_unposted_g``, the grams printers reported that no row holds yet (``spool_use_report``);
* ``StockBalance.quantity`` == the sum of the ledger rows of its (item type, location).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from inventory.errors import AlreadyReversedError, SpoolShortError, SpoolStateError, StockShortError
from inventory.models import InventoryTransaction, ItemType, Location, Spool, StockBalance
from inventory.signals import spools_changed_send
from prodtrack.db import rows_update
from prodtrack.exceptions import ValidationError
from prodtrack.models import Tenant, User
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
    reported_g: Decimal = Decimal("0")
    """Grams of this (usage) row a machine already took off the spool (``spool_use_report``): the
    spool moves by ``quantity + reported_g`` now, and ``reported_unposted_g`` goes down by them."""


def _stock_balances_apply(*, tenant: Tenant, deltas: dict[tuple[int, int], Decimal]) -> None:
    """``quantity += delta`` for each (item type, location) pair, in three statements whatever the
    number of pairs: insert the missing balance rows (``ON CONFLICT DO NOTHING``), lock them in
    (item, location) order — concurrent postings never deadlock — and write the Decimal sums back
    in one update (``prodtrack.db.rows_update``; no ``quantity + delta`` in SQL, which SQLite
    does in floats). The lock reads the pairs' items × locations (a posting touches one or two
    locations, so that is the pairs or barely more) and keeps the pairs.

    Raises StockShortError (409) when a pair would go below zero: the check runs under the row
    locks, so two moves racing for the last pieces cannot both pass.
    """
    pairs = sorted(deltas)
    StockBalance.objects.bulk_create(
        [StockBalance(tenant=tenant, item_type_id=item_type_id, location_id=location_id, quantity=ZERO)
         for item_type_id, location_id in pairs], ignore_conflicts=True)
    locked = (StockBalance.objects.select_for_update()
              .filter(tenant=tenant, item_type_id__in={item for item, _ in pairs},
                      location_id__in={location for _, location in pairs})
              .order_by("item_type_id", "location_id"))
    balances = [balance for balance in locked if (balance.item_type_id, balance.location_id) in deltas]
    now = timezone.now()
    for balance in balances:
        delta = deltas[(balance.item_type_id, balance.location_id)]
        if delta < 0 and balance.quantity + delta < 0:
            raise StockShortError(item_name=balance.item_type.name, location_name=balance.location.name,
                                  item_type_id=balance.item_type_id, location_id=balance.location_id,
                                  on_hand=_number(balance.quantity), needed=_number(-delta),
                                  unit=balance.item_type.unit)
        balance.quantity += delta
        balance.updated_at = now
    rows_update(balances, ["quantity", "updated_at"])


def _number(value: Decimal) -> str:
    """A quantity as people write it: ``4``, ``12.5`` (no trailing zeros)."""
    return f"{value.normalize():f}"


def spool_status_after(spool: Spool, weight: Decimal) -> str:
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

    Usage rows stamp the spool's ``first_used_at`` (once) and ``last_used_at``. An entry's
    ``reported_g`` settles grams a machine already took off the spool: the weight moves only by
    the rest, and ``reported_unposted_g`` goes down by them.

    Raises SpoolShortError (409, with ``shortfall_g``) when a spool would hold less than 0 g, and
    SpoolStateError (409) for an archived spool (reversals excepted: a void must always balance
    the books); nothing is written then.
    """
    if not entries:
        return []
    spool_deltas: dict[int, Decimal] = defaultdict(Decimal)
    settled: dict[int, Decimal] = defaultdict(Decimal)
    used: set[int] = set()
    corrections_only: dict[int, bool] = defaultdict(lambda: True)
    for entry in entries:
        if entry.spool is not None:
            spool_deltas[entry.spool.pk] += entry.quantity + entry.reported_g
            settled[entry.spool.pk] += entry.reported_g
            if entry.transaction_type == InventoryTransaction.Type.USAGE:
                used.add(entry.spool.pk)
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
        spool.reported_unposted_g -= settled[spool.pk]
        spool.status = spool_status_after(spool, spool.current_weight_g)
        if spool.pk in used:
            spool.first_used_at = spool.first_used_at or created_at
            spool.last_used_at = max(filter(None, [spool.last_used_at, created_at]))
    rows_update(locked, ["current_weight_g", "reported_unposted_g", "status", "first_used_at", "last_used_at"])
    spools_changed_send(tenant_id=tenant.pk, spool_ids=[spool.pk for spool in locked])
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
                 note: str, at: datetime | None = None) -> InventoryTransaction:
    """Post an ``adjustment`` of ``quantity`` (signed, item's unit) for a product or component, with
    ``note``: the reason the count changed (a count, breakage, a found box), kept on the row.

    Materials are counted per spool (``spool_adjust``); a zero quantity is refused. Raises
    ValidationError (400) naming the field, StockShortError (409) below zero.
    """
    if not note.strip():
        raise ValidationError.for_field("note", "say why the count changed.")
    if item_type.kind == ItemType.Kind.MATERIAL:
        raise ValidationError.for_field("item_type", "is a material: adjust its spools instead.")
    if quantity == 0:
        raise ValidationError.for_field("quantity", "must not be 0.")
    (row,) = inventory_transactions_post(tenant=tenant, by=by, at=at, entries=[LedgerEntry(
        item_type=item_type, location=location, quantity=quantity,
        transaction_type=InventoryTransaction.Type.ADJUSTMENT, reference_label="Stock count", note=note)])
    return row
