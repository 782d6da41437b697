"""Spools: receive, weigh or adjust, mark empty, archive, edit. Every weight change is a ledger row
(``inventory.services.ledger``)."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from inventory.errors import SpoolStateError
from inventory.models import InventoryTransaction, ItemType, Location, Spool
from inventory.services.ledger import (
    REFERENCE_SPOOL,
    ZERO,
    LedgerEntry,
    inventory_transactions_post,
    spool_status_after,
)
from inventory.signals import spools_changed_send
from prodtrack.exceptions import ValidationError
from prodtrack.models import Tenant, User
from prodtrack.services import model_update
from prodtrack.telemetry import traced


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
                  received_at: datetime | None = None, comment: str = "",
                  extra: dict[str, str] | None = None) -> Spool:
    """Receive a spool: create it and its ``receipt`` ledger row of +initial net grams.
    ``comment`` and ``extra`` (extra-field key → JSON text) are descriptive only.

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
        comment=comment, extra=extra or {}, received_at=at, created_by=by)
    inventory_transactions_post(tenant=tenant, by=by, at=at, entries=[
        _spool_entry(spool, initial_weight_g, InventoryTransaction.Type.RECEIPT, note)])
    spool.current_weight_g = initial_weight_g
    spools_changed_send(tenant_id=tenant.pk, spool_ids=[spool.pk], kind="added")
    return spool


@traced("spool.adjust")
@transaction.atomic
def spool_adjust(*, spool: Spool, by: User, gross_weight_g: Decimal | None = None,
                 net_weight_g: Decimal | None = None, note: str = "", at: datetime | None = None) -> Spool:
    """Weigh a spool: post the ``adjustment`` that makes the books match the scale.

    Give ``gross_weight_g`` (spool on the scale; the tare is subtracted) or ``net_weight_g``.
    The row's quantity is new net − current net; none is written when they are equal. The spool
    becomes ``empty`` at 0 g and ``active`` above. Raises ValidationError (400) for a weight the
    spool cannot hold — a gross weight outside tare … tare + initial weight (``gross_weight_g``),
    a net weight below 0 or above the initial weight (``net_weight_g``) — with a message saying
    the range expected; SpoolStateError (409) for an archived spool.
    """
    spool = Spool.objects.select_for_update().select_related("item_type", "location").get(pk=spool.pk)
    if spool.status == Spool.Status.ARCHIVED:
        raise SpoolStateError(f"Spool #{spool.pk} is archived.", spool_id=spool.pk)
    if (gross_weight_g is None) == (net_weight_g is None):
        raise ValidationError.for_field("gross_weight_g", "give either gross_weight_g or net_weight_g.")
    if gross_weight_g is not None:
        _check_gross(spool, gross_weight_g)
        net_weight_g = gross_weight_g - spool.tare_weight_g
    _positive("net_weight_g", net_weight_g, allow_zero=True)
    if net_weight_g > spool.initial_weight_g:
        raise ValidationError.for_field(
            "net_weight_g", f"{_grams(net_weight_g)} g is more filament than this spool held full. "
                            f"Between 0 g (empty) and {_grams(spool.initial_weight_g)} g (full) for this spool.")
    delta = net_weight_g - spool.current_weight_g
    if delta:
        inventory_transactions_post(tenant=spool.tenant, by=by, at=at, entries=[
            _spool_entry(spool, delta, InventoryTransaction.Type.ADJUSTMENT,
                         note or f"Weighed: {net_weight_g} g net")])
    status = Spool.Status.EMPTY if net_weight_g == 0 else Spool.Status.ACTIVE
    Spool.objects.filter(pk=spool.pk).update(status=status)
    spool.refresh_from_db()
    return spool


def _grams(value: Decimal) -> str:
    """``Decimal("1201.00")`` → ``1,201``; ``Decimal("200.5")`` → ``200.5``."""
    return f"{value.quantize(Decimal('0.01')).normalize():,f}"


def _check_gross(spool: Spool, gross_weight_g: Decimal) -> None:
    """A gross weight must lie between the empty spool (its tare) and the spool when it was full
    (tare + initial net grams): outside that it implies less than no filament, or more than the
    spool ever held. Raises ValidationError on ``gross_weight_g`` saying what was expected."""
    empty, full = spool.tare_weight_g, spool.tare_weight_g + spool.initial_weight_g
    if empty <= gross_weight_g <= full:
        return
    what = "below the spool's weight when empty" if gross_weight_g < empty else "more than this spool weighed full"
    raise ValidationError.for_field(
        "gross_weight_g", f"{_grams(gross_weight_g)} g is {what}. "
                          f"Between {_grams(empty)} g (empty spool) and {_grams(full)} g (full) for this spool.")


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
        spools_changed_send(tenant_id=spool.tenant_id, spool_ids=[spool.pk], kind="deleted")
    return spool


@traced("spool.update")
@transaction.atomic
def spool_update(*, spool: Spool, data: dict[str, Any]) -> Spool:
    """Edit a spool's descriptive fields (lot number, cost, comment, extra fields: key → JSON
    text). Weights change only via the ledger, the location only by ``spool_move``."""
    allowed = {"lot_number", "cost", "comment", "extra"}
    unknown = set(data) - allowed
    if unknown:
        raise ValidationError.for_field(sorted(unknown)[0], "cannot be edited; weights change through the ledger.")
    spool = model_update(Spool.objects.select_for_update().get(pk=spool.pk), data=data)
    spools_changed_send(tenant_id=spool.tenant_id, spool_ids=[spool.pk])
    return spool


@traced("spool.move")
@transaction.atomic
def spool_move(*, spool: Spool, location: Location, by: User | None, note: str = "") -> Spool:
    """Move a spool to ``location``: its grams on the books at the old location (the sum of its
    ledger rows there: its weight plus what printers reported and no row holds yet) go with it as
    a ``transfer`` pair (out at the old location, in at the new), so both locations' stock
    balances stay the ledger sums; the spool's weight does not change. Nothing is posted for a
    spool with no grams there. Moving to where it is changes nothing.

    Raises ValidationError (400) for another tenant's location, SpoolStateError (409) for an
    archived spool that still holds grams (the ledger takes no rows for it), StockShortError
    (409) when the old location's balance is short (books out of order).
    """
    spool = Spool.objects.select_for_update().select_related("item_type", "location").get(pk=spool.pk)
    if location.tenant_id != spool.tenant_id:
        raise ValidationError.for_field("location", "not found.")
    if location.pk == spool.location_id:
        return spool
    origin = spool.location
    grams = (InventoryTransaction.objects.filter(spool=spool, location=origin)
             .aggregate(total=Sum("quantity"))["total"] or ZERO)
    if grams and spool.status == Spool.Status.ARCHIVED:
        raise SpoolStateError(
            f"Spool #{spool.pk} is archived and still holds {grams.normalize():f} g at {origin.name}: an archived "
            f"spool's stock cannot move. Weigh it out or unarchive it in prodtrack first.", spool_id=spool.pk)
    if grams:
        note = note or f"Moved {origin.name} → {location.name}"
        inventory_transactions_post(tenant=spool.tenant, by=by, entries=[
            LedgerEntry(item_type=spool.item_type, location=place, spool=spool, quantity=quantity,
                        transaction_type=InventoryTransaction.Type.TRANSFER, reference_type=REFERENCE_SPOOL,
                        reference_id=str(spool.pk), reference_label=_spool_label(spool), note=note)
            for place, quantity in ((origin, -grams), (location, grams))])
    Spool.objects.filter(pk=spool.pk).update(location=location)
    spool.refresh_from_db()
    spools_changed_send(tenant_id=spool.tenant_id, spool_ids=[spool.pk])
    return spool


@traced("spool.use_report")
@transaction.atomic(savepoint=False)   # no savepoint of its own: any error undoes the caller's transaction
def spool_use_report(*, spool: Spool, grams: Decimal, at: datetime | None = None,
                     locked: bool = False) -> tuple[Spool, Decimal]:
    """A machine reports ``grams`` used from ``spool`` (negative: given back). The spool moves at
    once; the ledger row comes when the report's usage session is posted (``spool_usage_settle``),
    so ``reported_unposted_g`` holds the grams in between. Returns the locked, updated spool and
    the grams applied: never more than the spool holds, and a give-back never takes it above its
    initial weight (what Spoolman's ``use`` does, clamped at both ends). Stamps first/last used.

    ``locked``: the caller read ``spool`` with ``select_for_update`` in this transaction, so it is
    used as it is (otherwise it is read again, locked, with its material and location).

    Raises SpoolStateError (409) for an archived spool.
    """
    if not locked:
        spool = Spool.objects.select_for_update().select_related("item_type", "location").get(pk=spool.pk)
    if spool.status == Spool.Status.ARCHIVED:
        raise SpoolStateError(f"Spool #{spool.pk} is archived.", spool_id=spool.pk)
    at = at or timezone.now()
    applied = min(grams, spool.current_weight_g) if grams >= 0 else max(
        grams, spool.current_weight_g - spool.initial_weight_g)
    spool.current_weight_g -= applied
    spool.reported_unposted_g += applied
    spool.first_used_at = spool.first_used_at or at
    spool.last_used_at = at
    spool.status = spool_status_after(spool, spool.current_weight_g)
    spool.save(update_fields=["current_weight_g", "reported_unposted_g", "first_used_at", "last_used_at", "status"])
    spools_changed_send(tenant_id=spool.tenant_id, spool_ids=[spool.pk], spools=[spool])
    return spool, applied


@traced("spool.usage_settle")
@transaction.atomic
def spool_usage_settle(*, spool: Spool, grams: Decimal, by: User, reference_type: str, reference_id: str,
                       reference_label: str, at: datetime | None = None) -> InventoryTransaction | None:
    """Post the ``usage`` row of ``grams`` a machine reported earlier (``spool_use_report``): the
    ledger gets −grams, ``reported_unposted_g`` goes down by as much, the weight stays. None when
    there is nothing to post (0 g)."""
    if not grams:
        return None
    (row,) = inventory_transactions_post(tenant=spool.tenant, by=by, at=at, entries=[LedgerEntry(
        item_type=spool.item_type, location=spool.location, spool=spool, quantity=-grams,
        transaction_type=InventoryTransaction.Type.USAGE, reference_type=reference_type,
        reference_id=reference_id, reference_label=reference_label, reported_g=grams)])
    return row
