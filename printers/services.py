"""Printers writes: printer tokens, and the usage machines report, folded into usage sessions (DESIGN §7)."""
from __future__ import annotations

import math
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from inventory.models import ItemType, Location, Spool, Workstation
from inventory.services import (
    inventory_transaction_reverse,
    location_create,
    spool_adjust,
    spool_archive,
    spool_receive,
    spool_update,
    spool_usage_settle,
    spool_use_report,
)
from printers.errors import PrinterTokenStateError, UsageSessionStateError
from printers.models import PrinterToken, UsageSession
from printers.selectors import (
    material_density,
    material_diameter,
    printer_run_for_spool,
    run_posted_spool_usage,
    token_hash,
)
from prodtrack.exceptions import ValidationError
from prodtrack.models import User
from prodtrack.telemetry import traced
from runs import services as run_services
from runs.models import ProductionRun, ProductionRunMaterial

LAST_SEEN_EVERY = timedelta(minutes=1)


@traced("printer_token.create")
@transaction.atomic
def printer_token_create(*, workstation: Workstation, by: User | None) -> tuple[PrinterToken, str]:
    """A new token for ``workstation`` (a printer); its live token, if any, is revoked. Returns
    the row and the token itself, which is never stored and cannot be shown again.

    Raises ValidationError (400) for a workstation that is not a printer.
    """
    if workstation.kind != Workstation.Kind.PRINTER:
        raise ValidationError.for_field("workstation", f"{workstation.name} is not a printer.")
    now = timezone.now()
    PrinterToken.objects.select_for_update().filter(workstation=workstation, revoked_at__isnull=True).update(
        revoked_at=now)
    token = secrets.token_urlsafe(32)
    row = PrinterToken.objects.create(tenant_id=workstation.tenant_id, workstation=workstation,
                                      token_hash=token_hash(token), prefix=token[:6], created_by=by, created_at=now)
    return row, token


@traced("printer_token.revoke")
@transaction.atomic
def printer_token_revoke(*, printer_token: PrinterToken) -> PrinterToken:
    """Revoke a token: every path under its URL answers 404 from now on. Raises
    PrinterTokenStateError (409) when it is revoked already."""
    row = PrinterToken.objects.select_for_update().get(pk=printer_token.pk)
    if row.revoked_at is not None:
        raise PrinterTokenStateError(f"Token {row.prefix}… is already revoked.", token_id=row.pk)
    row.revoked_at = timezone.now()
    row.save(update_fields=["revoked_at"])
    return row


def printer_token_seen(*, printer_token: PrinterToken, at: datetime | None = None) -> None:
    """Note that the printer called (at most one write a minute per token)."""
    at = at or timezone.now()
    if printer_token.last_seen_at is None or at - printer_token.last_seen_at >= LAST_SEEN_EVERY:
        PrinterToken.objects.filter(pk=printer_token.pk).update(last_seen_at=at)
        printer_token.last_seen_at = at


# --- usage sessions -------------------------------------------------------------------------------

REFERENCE_USAGE_SESSION = "usage_session"
IDLE_AFTER = timedelta(minutes=10)
"""A usage session with no report for this long is posted by the beat task."""


def grams_from_length(length_mm: Decimal, *, density_g_cm3: Decimal, diameter_mm: Decimal) -> Decimal:
    """Grams of ``length_mm`` of filament: density × π (diameter/2)² × length / 1000 (mm³ → cm³), as
    Spoolman converts ``use_length``; rounded to 0.01 g like every spool weight."""
    volume_mm3 = Decimal(str(math.pi)) * (diameter_mm / 2) ** 2 * length_mm
    return (density_g_cm3 * volume_mm3 / 1000).quantize(Decimal("0.01"))


@traced("spool.use")
@transaction.atomic
def spool_use(*, printer_token: PrinterToken, spool: Spool, use_weight: Decimal | None = None,
              use_length: Decimal | None = None, at: datetime | None = None) -> Spool:
    """A printer reports filament used from ``spool`` (Spoolman's ``PUT /spool/{id}/use``): exactly
    one of ``use_weight`` (g) or ``use_length`` (mm, converted with the material's density and
    diameter); negative gives grams back. The spool moves at once (never below 0 g nor above its
    initial weight, ``inventory.services.spool_use_report``) and the grams fold into the printer's
    open usage session for the spool and its in-progress run on the spool (if any), whose material
    adds them to ``reported_g`` — what completing the run takes as the actual and settles. A
    session the printer had open on another spool, or for another run, is closed first.

    Raises ValidationError (400, Spoolman's messages) for both or neither amount, SpoolStateError
    (409) for an archived spool.
    """
    if use_weight is not None and use_length is not None:
        raise ValidationError("Only specify either use_weight or use_length.")
    if use_weight is None and use_length is None:
        raise ValidationError("Either use_weight or use_length must be specified.")
    at = at or timezone.now()
    material = spool.item_type
    grams = use_weight if use_weight is not None else grams_from_length(
        use_length, density_g_cm3=material_density(material), diameter_mm=material_diameter(material))
    spool, applied = spool_use_report(spool=spool, grams=grams, at=at)
    printer = printer_token.workstation
    run = printer_run_for_spool(printer=printer, spool=spool)
    session = None
    for open_session in UsageSession.objects.select_for_update().filter(workstation=printer, closed_at__isnull=True):
        if open_session.spool_id == spool.pk and open_session.run_id == (run.pk if run else None):
            session = open_session
        else:
            usage_session_close(session=open_session, at=at)       # another spool, or the run changed
    session = session or UsageSession(tenant_id=printer.tenant_id, workstation=printer, spool=spool, run=run,
                                      opened_at=at)
    session.grams += applied
    session.reports += 1
    session.last_report_at = at
    session.save()
    if run is not None:
        _reported_add(ProductionRunMaterial.objects.filter(run=run, spool=spool), applied, printer)
    return spool


def _reported_add(materials, grams: Decimal, printer: Workstation) -> None:
    """Add a printer's reported grams to run materials (``reported_g``, named after the printer)."""
    materials.update(reported_g=F("reported_g") + grams, reported_by=printer.name)


@traced("usage_session.close")
@transaction.atomic
def usage_session_close(*, session: UsageSession, at: datetime | None = None) -> UsageSession:
    """Close an open session: its grams are posted as one ``usage`` row
    (``inventory.services.spool_usage_settle``, referenced ``usage_session``) unless its run
    already posted them (a completed or failed run settles its printer's reported grams); a
    closed session is returned as it is."""
    session = UsageSession.objects.select_for_update().select_related("workstation", "spool").get(pk=session.pk)
    if session.closed_at is not None:
        return session
    at = at or timezone.now()
    if not (session.run_id and run_posted_spool_usage(run_id=session.run_id, spool=session.spool)):
        session.transaction = spool_usage_settle(
            spool=session.spool, grams=session.grams, by=None, at=at, reference_type=REFERENCE_USAGE_SESSION,
            reference_id=str(session.pk), reference_label=f"{session.workstation.name} reported")
    session.closed_at = at
    session.save(update_fields=["transaction", "closed_at"])
    return session


def usage_sessions_close_idle(*, now: datetime | None = None) -> int:
    """Post every open session (all tenants) with no report for ``IDLE_AFTER``; returns how many.
    Each closes in its own transaction."""
    now = now or timezone.now()
    idle = UsageSession.objects.filter(closed_at__isnull=True, last_report_at__lt=now - IDLE_AFTER)
    closed = 0
    for session in idle.only("pk"):
        usage_session_close(session=session, at=now)
        closed += 1
    return closed


# --- spools registered and changed through the Spoolman API --------------------------------------

UNCHANGEABLE = {"initial_weight_g": "initial_weight", "comment": "comment", "extra": "extra",
                "first_used": "first_used", "last_used": "last_used"}


def _location(printer_token: PrinterToken, name: str | None) -> Location:
    """The tenant's location named ``name`` (created when it does not exist: Spoolman's locations
    are free text), the printer's own when no name is given."""
    if not name:
        return printer_token.workstation.location
    found = Location.objects.for_tenant(printer_token.tenant_id).filter(name=name).first()
    return found or location_create(tenant=printer_token.tenant, name=name)


@traced("spool.register")
@transaction.atomic
def spool_register(*, printer_token: PrinterToken, material: ItemType, price: Decimal | None = None,
                   initial_weight_g: Decimal | None = None, tare_weight_g: Decimal | None = None,
                   remaining_weight_g: Decimal | None = None, used_weight_g: Decimal | None = None,
                   location_name: str | None = None, lot_number: str | None = None, archived: bool = False,
                   **ignored: Any) -> Spool:
    """A spool registered through the Spoolman API (``POST /spool``): a receipt
    (``inventory.services.spool_receive``: initial weight by default the material's full-spool
    grams), then, when ``remaining_weight_g`` or ``used_weight_g`` is given, the weigh-in that
    brings it there; archived at once when asked. ``comment``, ``extra`` and usage times are not
    kept (prodtrack has no place for them). Raises ValidationError (400) as ``spool_receive``."""
    spool = spool_receive(tenant=printer_token.tenant, by=None, item_type=material,
                          location=_location(printer_token, location_name), initial_weight_g=initial_weight_g,
                          tare_weight_g=tare_weight_g, cost=price, lot_number=lot_number or "",
                          note=f"Registered through {printer_token.workstation.name}")
    return _weight_and_state(spool, remaining_weight_g=remaining_weight_g, used_weight_g=used_weight_g,
                             archived=archived)


@traced("spool.patch")
@transaction.atomic
def spool_patch(*, printer_token: PrinterToken, spool: Spool, **fields: Any) -> Spool:
    """``PATCH /spool/{id}``: ``remaining_weight_g`` / ``used_weight_g`` are a weigh-in
    (adjustment), ``price`` and ``lot_number`` are edits, ``archived`` archives. Raises
    ValidationError (400) naming a field prodtrack does not change this way (initial weight,
    comment, extra, usage times; the tare and location only to what they are)."""
    for name, label in UNCHANGEABLE.items():
        if fields.get(name) not in (None, {}, ""):
            raise ValidationError(f"{label} cannot be changed through this API; change the spool in prodtrack.")
    if fields.get("tare_weight_g") not in (None, spool.tare_weight_g):
        raise ValidationError("spool_weight cannot be changed through this API; change the spool in prodtrack.")
    if fields.get("location_name") not in (None, "", spool.location.name):
        raise ValidationError("location cannot be changed through this API: move the spool in prodtrack.")
    edits = {name: value for name, value in (("cost", fields.get("price")), ("lot_number", fields.get("lot_number")))
             if value is not None}
    if edits:
        spool = spool_update(spool=spool, data=edits)
    return _weight_and_state(spool, remaining_weight_g=fields.get("remaining_weight_g"),
                             used_weight_g=fields.get("used_weight_g"), archived=fields.get("archived", False))


def _weight_and_state(spool: Spool, *, remaining_weight_g: Decimal | None, used_weight_g: Decimal | None,
                      archived: bool) -> Spool:
    net = remaining_weight_g if remaining_weight_g is not None else (
        max(spool.initial_weight_g - used_weight_g, Decimal(0)) if used_weight_g is not None else None)
    if net is not None:
        spool = spool_adjust(spool=spool, by=None, net_weight_g=net.quantize(Decimal("0.01")),
                             note="Weight set through the Spoolman API")
    if archived:
        spool = spool_archive(spool=spool, by=None)
    return spool


def _lock_unattributed(session: UsageSession) -> UsageSession:
    """Re-read ``session`` under its row lock (with spool and printer) and check, under the lock,
    that it is usage no run took: closed, posted, with no run. So of two requests giving the same
    session away at once, the second waits for the first and is refused. Raises
    UsageSessionStateError (409) otherwise."""
    session = UsageSession.objects.select_for_update(of=("self",)).select_related(
        "spool__item_type", "workstation").get(pk=session.pk)
    if session.run_id is not None:
        # Read the run on its own: a row joined to the lock's statement comes from before the wait
        # (PostgreSQL re-checks only the locked row), so the winner's new run would read as None.
        run_number = ProductionRun.objects.values_list("run_number", flat=True).get(pk=session.run_id)
        raise UsageSessionStateError(
            f"These {session.grams:.1f} g reported by {session.workstation.name} already count for "
            f"{run_number}.", session_id=session.pk, run_id=session.run_id)
    if session.closed_at is None or session.transaction_id is None:
        raise UsageSessionStateError(
            f"{session.workstation.name} is still reporting on spool #{session.spool_id}; its usage can be "
            f"given to a run once it is posted.", session_id=session.pk)
    return session


def _session_to_material(session: UsageSession, material: ProductionRunMaterial, *, by: User, note: str) -> None:
    """Move a posted session's grams onto a run material: its ledger row is reversed, and the grams
    leave the spool again as the material's reported grams (``reported_g``, named after the printer),
    which the run's completion posts as its own usage, once. The spool's weight ends where it was and
    its last use stays the printer's last report (the grams are not used again now)."""
    inventory_transaction_reverse(transaction_row=session.transaction, by=by, note=note)
    last_used = Spool.objects.values_list("last_used_at", flat=True).get(pk=session.spool_id)   # locked above
    _, applied = spool_use_report(spool=session.spool, grams=session.grams, at=last_used or session.last_report_at)
    _reported_add(ProductionRunMaterial.objects.filter(pk=material.pk), applied, session.workstation)


@traced("usage_session.attribute")
@transaction.atomic
def usage_session_attribute(*, session: UsageSession, run: ProductionRun, by: User) -> UsageSession:
    """Give usage no run took to ``run`` (the printer reported while nobody had started its run in
    prodtrack): the session's ledger row is reversed and its grams are taken off the spool again as
    the run material's reported grams, so completing the run posts them once, as its own usage.

    Raises UsageSessionStateError (409) unless the session is posted with no run (another request
    gave it away first, or it is still open); ValidationError (400) unless ``run`` is a run of the
    same tenant, in progress, printing with the session's spool; AlreadyReversedError (409) when
    its row was reversed meanwhile.
    """
    session = _lock_unattributed(session)
    material = (ProductionRunMaterial.objects.filter(run=run, spool=session.spool).select_related("run").first()
                if run.tenant_id == session.tenant_id else None)
    if material is None or material.run.status != ProductionRun.Status.IN_PROGRESS or material.run.deleted_at:
        raise ValidationError.for_field(
            "run", f"choose a run in progress that prints with spool #{session.spool_id}.")
    _session_to_material(session, material, by=by, note=f"Given to {run.run_number}")
    session.run = run
    session.save(update_fields=["run"])
    return session


@dataclass(frozen=True)
class PrintedItem:
    """What a printer printed, told afterwards: ``successful`` good pieces and ``failed`` bad ones
    of ``product`` (``waste_reason`` says why, when any failed)."""

    product: ItemType
    successful: int
    failed: int = 0
    waste_reason: str = ""


@traced("usage_session.record_run")
@transaction.atomic
def usage_session_record_run(*, session: UsageSession, by: User, items: Sequence[PrintedItem],
                             started_at: datetime | None = None, completed_at: datetime | None = None,
                             notes: str = "") -> ProductionRun:
    """Record usage no run took as the run it was: a completed production run on the session's
    printer, printing ``items``, from ``started_at`` to ``completed_at`` (default: the session's
    first and last report), whose filament is exactly the session's grams from its spool.

    The run is made by the runs services (``production_run_create``, then
    ``production_run_complete``); between the two the session's grams move onto the run's material
    as its printer's reported grams (its ledger row reversed, as ``usage_session_attribute`` does),
    so the completion posts them once, as the run's usage, and the spool's weight does not move.
    The session then points at the run.

    Raises UsageSessionStateError (409) unless the session is posted with no run (another request
    gave it away first, or it is still open); ValidationError (400) naming the field: ``items``
    (none, or ``items[i].product`` of another tenant or not a product, ``items[i].successful`` with
    no piece at all, a negative count, ``items[i].waste_reason`` blank with failed pieces),
    ``completed_at`` before ``started_at`` or in the future, ``spool`` archived since, ``grams``
    when the session holds none; StockShortError (409) when the recipes' parts are not at the
    printer's location; AlreadyReversedError (409) when the session's row was reversed meanwhile.
    Nothing is written when anything is refused.
    """
    session = _lock_unattributed(session)
    started_at = started_at or session.opened_at
    completed_at = completed_at or session.last_report_at
    _check_record(session, items, started_at=started_at, completed_at=completed_at)
    printer = session.workstation
    run = run_services.production_run_create(
        tenant=session.tenant, by=by, workstation=printer, started_at=started_at,
        items=[run_services.ItemSpec(product=item.product, quantity=item.successful + item.failed) for item in items],
        materials=[run_services.MaterialSpec(spool=session.spool)],
        notes="\n".join(filter(None, [f"Recorded from what {printer.name} reported "
                                      f"({session.grams:.1f} g of spool #{session.spool_id}).", notes])))
    material = run.materials.get()
    _session_to_material(session, material, by=by, note=f"Recorded as {run.run_number}")
    run_items = list(run.items.order_by("pk"))
    run = run_services.production_run_complete(
        run=run, by=by, completed_at=completed_at,
        items=[run_services.ItemOutcome(item_id=run_item.pk, successful_quantity=item.successful,
                                        failed_quantity=item.failed, waste_reason=item.waste_reason.strip())
               for run_item, item in zip(run_items, items, strict=True)])
    session.run = run
    session.save(update_fields=["run"])
    return run


def _check_record(session: UsageSession, items: Sequence[PrintedItem], *, started_at: datetime,
                  completed_at: datetime) -> None:
    """The rules of recording a session as a run that the runs services do not check themselves."""
    if session.grams <= 0:
        raise ValidationError.for_field("grams", "the printer reported no filament used to record.")
    if session.spool.status == Spool.Status.ARCHIVED:
        raise ValidationError.for_field("spool", f"spool #{session.spool_id} is archived: restore it first.")
    if not items:
        raise ValidationError.for_field("items", "add at least one product.")
    for index, item in enumerate(items):
        if item.successful < 0 or item.failed < 0:
            field = "successful" if item.successful < 0 else "failed"
            raise ValidationError.for_field(f"items[{index}].{field}", "must be 0 or more.")
        if item.successful + item.failed < 1:
            raise ValidationError.for_field(f"items[{index}].successful", "record at least one piece, good or failed.")
    if completed_at < started_at:
        raise ValidationError.for_field("completed_at", "is before the start.")
    if completed_at > timezone.now():
        raise ValidationError.for_field("completed_at", "is in the future.")
