"""Printers writes: printer tokens, and the usage machines report, folded into usage sessions (DESIGN §7)."""
from __future__ import annotations

import math
import secrets
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from inventory.models import Spool, Workstation
from inventory.services import spool_usage_settle, spool_use_report
from printers.errors import PrinterTokenStateError
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
from runs.models import ProductionRunMaterial

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
    for other in UsageSession.objects.filter(workstation=printer, closed_at__isnull=True).exclude(spool=spool, run=run):
        usage_session_close(session=other, at=at)              # another spool, or the run changed
    session = (UsageSession.objects.select_for_update().filter(workstation=printer, spool=spool, closed_at__isnull=True)
               .first()) or UsageSession(tenant_id=printer.tenant_id, workstation=printer, spool=spool, run=run,
                                         opened_at=at)
    session.grams += applied
    session.reports += 1
    session.last_report_at = at
    session.save()
    if run is not None:
        ProductionRunMaterial.objects.filter(run=run, spool=spool).update(
            reported_g=F("reported_g") + applied, reported_by=printer.name)
    return spool


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
