"""What printers report, folded into usage sessions (DESIGN §7): ``use``, closing sessions, and
usage no run took given to a run or recorded as one."""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from inventory.models import ItemType, Spool, Workstation
from inventory.services import (
    inventory_transaction_reverse,
    spool_usage_settle,
    spool_use_report,
)
from inventory.signals import spools_changed_send
from printers.errors import UsageSessionStateError
from printers.models import PrinterToken, UsageSession
from printers.selectors import (
    run_posted_spool_usage,
    spool_from_row,
    spool_with_material_sql,
    spoolman_spool_geometry,
    spoolman_spool_lock,
)
from prodtrack.db import columns
from prodtrack.exceptions import ValidationError
from prodtrack.models import User
from prodtrack.telemetry import traced
from runs import services as run_services
from runs.models import ProductionRun, ProductionRunMaterial

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

    Moonraker reports every few seconds per printer, and all but the first report of a session
    fold into it: on PostgreSQL that is one statement (``_report_fold``), so the spool's row lock
    lasts one statement, not a transaction of four round trips. The first report of a session
    (and every report on another database) takes ``_report_open``'s transaction.

    Raises ValidationError (400, Spoolman's messages) for both or neither amount, NotFoundError
    (404, ``No spool with ID … found.``) for a spool the tenant does not have in use.
    """
    if use_weight is not None and use_length is not None:
        raise ValidationError("Only specify either use_weight or use_length.")
    if use_weight is None and use_length is None:
        raise ValidationError("Either use_weight or use_length must be specified.")
    at = at or timezone.now()
    if use_weight is not None:
        grams = use_weight
    else:
        density, diameter = spoolman_spool_geometry(tenant_id=printer_token.tenant_id, spool_id=spool_id)
        grams = grams_from_length(use_length, density_g_cm3=density, diameter_mm=diameter)
    spool = _report_fold(printer_token, spool_id, grams, at) if connection.vendor == "postgresql" else None
    if spool is None:
        return _report_open(printer_token, spool_id, grams, at)
    spools_changed_send(tenant_id=spool.tenant_id, spool_ids=[spool.pk], spools=[spool])
    return spool


# A report folded into the printer's open session for (spool, run), in one statement. The spool is
# locked first (as ``_report_open`` locks it), then its open session; nothing changes when either
# is missing (archived or unknown spool, first report of a session, run changed): the caller then
# takes ``_report_open``. The grams applied and the spool's status follow
# ``inventory.services.spool_use_report`` and ``spool_status_after`` (tests hold the two paths to
# the same books: tests/printers/test_usage_concurrency.py).
REPORT_FOLD_SQL = """
WITH run AS (
    SELECT (SELECT r.id FROM runs_productionrun r JOIN runs_productionrunmaterial rm ON rm.run_id = r.id
            WHERE r.workstation_id = %(printer)s AND r.status = 'in_progress' AND r.deleted_at IS NULL
              AND rm.spool_id = %(spool)s
            ORDER BY r.started_at DESC, r.id DESC LIMIT 1) AS id
), old AS (
    SELECT s.id, s.status,
           CASE WHEN %(grams)s >= 0 THEN LEAST(%(grams)s, s.current_weight_g)
                ELSE GREATEST(%(grams)s, s.current_weight_g - s.initial_weight_g) END AS applied
    FROM inventory_spool s
    WHERE s.id = %(spool)s AND s.tenant_id = %(tenant)s AND s.status <> 'archived'
    FOR UPDATE OF s
), session AS (
    SELECT u.id FROM printers_usagesession u, old, run
    WHERE u.workstation_id = %(printer)s AND u.spool_id = old.id AND u.closed_at IS NULL
      AND u.run_id IS NOT DISTINCT FROM run.id
    FOR UPDATE OF u
), moved AS (
    UPDATE inventory_spool s
    SET current_weight_g = s.current_weight_g - old.applied,
        reported_unposted_g = s.reported_unposted_g + old.applied,
        first_used_at = COALESCE(s.first_used_at, %(at)s), last_used_at = %(at)s,
        status = CASE WHEN old.status = 'active' AND s.current_weight_g - old.applied = 0 THEN 'empty'
                      WHEN old.status = 'empty' AND s.current_weight_g - old.applied > 0 THEN 'active'
                      ELSE old.status END
    FROM old, session WHERE s.id = old.id
    RETURNING {spool_columns}
), folded AS (
    UPDATE printers_usagesession u
    SET grams = u.grams + old.applied, reports = u.reports + 1, last_report_at = %(at)s
    FROM session, old, moved WHERE u.id = session.id
), reported AS (
    UPDATE runs_productionrunmaterial rm
    SET reported_g = rm.reported_g + old.applied, reported_by = %(printer_name)s
    FROM run, old, moved WHERE rm.run_id = run.id AND rm.spool_id = %(spool)s
)
{spool_with_material}
""".format(spool_columns=columns(Spool, "s"),
           spool_with_material=spool_with_material_sql("moved"))


def _report_fold(printer_token: PrinterToken, spool_id: int, grams: Decimal, at: datetime) -> Spool | None:
    """Fold a report into the open session (``REPORT_FOLD_SQL``): the spool as it now is, with its
    material and location; None when it could not."""
    printer = printer_token.workstation
    with connection.cursor() as cursor:
        cursor.execute(REPORT_FOLD_SQL, {"printer": printer.pk, "printer_name": printer.name, "spool": spool_id,
                                         "tenant": printer_token.tenant_id, "grams": grams, "at": at})
        row = cursor.fetchone()
    return None if row is None else spool_from_row(row)


@transaction.atomic
def _report_open(printer_token: PrinterToken, spool_id: int, grams: Decimal, at: datetime) -> Spool:
    """``spool_use`` in one transaction of the ORM: lock the spool (finding the printer's run in the
    same query), move it, add to the open session or close what was open and open one, and (with a
    run) add to the run's material."""
    printer = printer_token.workstation
    spool = spoolman_spool_lock(tenant_id=printer_token.tenant_id, spool_id=spool_id, printer_id=printer.pk)
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


# --- usage no run took, recorded as a run ---------------------------------------------------------

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
