"""Printers writes: printer tokens, and the usage machines report, folded into usage sessions (DESIGN §7)."""
from __future__ import annotations

import math
import secrets
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
from printers.errors import PrinterTokenStateError
from printers.models import PrinterToken, UsageSession
from printers.selectors import (
    material_density,
    material_diameter,
    printer_token_forget,
    run_posted_spool_usage,
    spoolman_spool_lock,
    token_hash,
)
from prodtrack.exceptions import ValidationError
from prodtrack.models import User
from prodtrack.telemetry import traced
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
    live = PrinterToken.objects.select_for_update().filter(workstation=workstation, revoked_at__isnull=True)
    printer_token_forget(token_hashes=list(live.values_list("token_hash", flat=True)))
    live.update(revoked_at=now)
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
    printer_token_forget(token_hashes=[row.token_hash])
    return row


_seen_written: dict[int, datetime] = {}   # token id → the last last_seen_at this process wrote


def printer_token_seen(*, printer_token: PrinterToken, at: datetime | None = None) -> None:
    """Note that the printer called: at most one write a minute per token and process (the token
    may come from the cache, with the last_seen_at it had then)."""
    at = at or timezone.now()
    seen = max(filter(None, (printer_token.last_seen_at, _seen_written.get(printer_token.pk))), default=None)
    if seen is None or at - seen >= LAST_SEEN_EVERY:
        PrinterToken.objects.filter(pk=printer_token.pk).update(last_seen_at=at)
        printer_token.last_seen_at = _seen_written[printer_token.pk] = at


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
def spool_use(*, printer_token: PrinterToken, spool_id: int, use_weight: Decimal | None = None,
              use_length: Decimal | None = None, at: datetime | None = None) -> Spool:
    """A printer reports filament used from its tenant's spool ``spool_id`` (Spoolman's ``PUT
    /spool/{id}/use``): exactly one of ``use_weight`` (g) or ``use_length`` (mm, converted with the
    material's density and diameter); negative gives grams back. The spool moves at once (never
    below 0 g nor above its initial weight, ``inventory.services.spool_use_report``) and the grams
    fold into the printer's open usage session for the spool and its in-progress run on the spool
    (if any), whose material adds them to ``reported_g`` — what completing the run takes as the
    actual and settles. A session the printer had open on another spool, or for another run, is
    closed first. Returns the spool (with material and location) as it now is.

    Moonraker calls this every few seconds per printer, so the usual report is four statements in
    one transaction: lock the spool (finding the printer's run in the same query), move it, add to
    the open session, and (with a run) to the run's material.

    Raises ValidationError (400, Spoolman's messages) for both or neither amount, NotFoundError
    (404, ``No spool with ID … found.``) for a spool the tenant does not have in use.
    """
    if use_weight is not None and use_length is not None:
        raise ValidationError("Only specify either use_weight or use_length.")
    if use_weight is None and use_length is None:
        raise ValidationError("Either use_weight or use_length must be specified.")
    at = at or timezone.now()
    printer = printer_token.workstation
    spool = spoolman_spool_lock(tenant_id=printer_token.tenant_id, spool_id=spool_id, printer_id=printer.pk)
    material = spool.item_type
    grams = use_weight if use_weight is not None else grams_from_length(
        use_length, density_g_cm3=material_density(material), diameter_mm=material_diameter(material))
    spool, applied = spool_use_report(spool=spool, grams=grams, at=at, locked=True)
    run_id = spool.printer_run_id
    added = UsageSession.objects.filter(workstation=printer, spool=spool, run_id=run_id, closed_at__isnull=True).update(
        grams=F("grams") + applied, reports=F("reports") + 1, last_report_at=at)
    if not added:   # the first report on this spool (or for this run): close what was open, open one
        for open_session in UsageSession.objects.select_for_update().filter(workstation=printer,
                                                                           closed_at__isnull=True):
            usage_session_close(session=open_session, at=at)       # another spool, or the run changed
        UsageSession.objects.create(tenant_id=printer.tenant_id, workstation=printer, spool=spool, run_id=run_id,
                                    opened_at=at, grams=applied, reports=1, last_report_at=at)
    if run_id is not None:
        _reported_add(ProductionRunMaterial.objects.filter(run_id=run_id, spool=spool), applied, printer)
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


@traced("usage_session.attribute")
@transaction.atomic
def usage_session_attribute(*, session: UsageSession, run: ProductionRun, by: User) -> UsageSession:
    """Give usage no run took to ``run`` (the printer reported while nobody had started its run in
    prodtrack): the session's ledger row is reversed and its grams are taken off the spool again as
    the run material's reported grams, so completing the run posts them once, as its own usage.

    Raises ValidationError (400) unless the session is posted with no run and ``run`` is a run of
    the same tenant, in progress, printing with the session's spool; AlreadyReversedError (409)
    when its row was reversed meanwhile.
    """
    session = UsageSession.objects.select_for_update().select_related("spool", "workstation").get(pk=session.pk)
    if session.run_id is not None or session.transaction_id is None:
        raise ValidationError.for_field("session", "only usage no run took can be given to a run.")
    material = (ProductionRunMaterial.objects.filter(run=run, spool=session.spool).select_related("run").first()
                if run.tenant_id == session.tenant_id else None)
    if material is None or material.run.status != ProductionRun.Status.IN_PROGRESS or material.run.deleted_at:
        raise ValidationError.for_field(
            "run", f"choose a run in progress that prints with spool #{session.spool_id}.")
    inventory_transaction_reverse(transaction_row=session.transaction, by=by,
                                  note=f"Given to {run.run_number}")
    _, applied = spool_use_report(spool=session.spool, grams=session.grams)
    _reported_add(ProductionRunMaterial.objects.filter(pk=material.pk), applied, session.workstation)
    session.run = run
    session.save(update_fields=["run"])
    return session
