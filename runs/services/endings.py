"""How a run ends: complete, fail, cancel (void) and delete (DESIGN §4).

Completing writes one ``usage`` row per material (−(actual + purge)), one ``usage`` row per part
or component its recipes take (at the run's location) and one ``production`` row per item with
good pieces; voiding reverses every row of the run; ``completed → failed`` keeps the
usage and reverses only the output. Every change locks the run row first and checks the status
under the lock, so two concurrent completes cannot both pass."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from inventory.models import InventoryTransaction, Spool
from inventory.services import LedgerEntry, inventory_transactions_post, inventory_transactions_reverse_reference
from plans import services as plan_services
from prodtrack.db import rows_update
from prodtrack.exceptions import ValidationError
from prodtrack.models import User
from prodtrack.telemetry import traced
from runs import selectors
from runs.actuals import MaterialActual, PartUse, material_actuals_apply, part_uses_apply, reported_defaults_apply
from runs.errors import RunStateError
from runs.models import REFERENCE_RUN, ProductionRun, ProductionRunItem, ProductionRunMaterial, ProductionRunPart
from runs.services.common import (
    Status,
    lock_run,
    lock_run_in_progress,
)
from runs.services.editing import run_totals_refresh
from runs.services.inputs import ItemOutcome

WASTE_REASON_NEEDED = "say why the pieces failed."


def _apply_outcomes(items: list[ProductionRunItem], outcomes: Sequence[ItemOutcome], *, default: str,
                    reason_required: bool = False) -> None:
    """Set successful/failed quantities; items not mentioned get ``default`` (all successful or failed).

    Raises ValidationError (400) when successful + failed exceeds the planned quantity and, with
    ``reason_required`` (completing a run), naming ``items[<i>].waste_reason`` of every outcome
    with failed pieces and a blank waste reason.
    """
    by_id = {item.pk: item for item in items}
    given: set[int] = set()
    for index, outcome in enumerate(outcomes):
        where = f"items[{index}]"
        item = by_id.get(outcome.item_id)
        if item is None:
            raise ValidationError.for_field(f"{where}.item_id", f"{outcome.item_id} is not in this run.")
        if outcome.successful_quantity < 0 or outcome.failed_quantity < 0:
            raise ValidationError.for_field(f"{where}.successful_quantity", "must be 0 or more.")
        if outcome.successful_quantity + outcome.failed_quantity > item.quantity:
            raise ValidationError.for_field(
                f"{where}.failed_quantity",
                f"successful ({outcome.successful_quantity}) + failed ({outcome.failed_quantity}) is more than "
                f"the {item.quantity} planned.")
        item.successful_quantity, item.failed_quantity = outcome.successful_quantity, outcome.failed_quantity
        item.waste_reason = outcome.waste_reason
        given.add(item.pk)
    _check_waste_reasons(outcomes, required=reason_required)
    for item in items:
        if item.pk not in given:
            item.successful_quantity = item.quantity if default == "successful" else 0
            item.failed_quantity = item.quantity - item.successful_quantity


def _check_waste_reasons(outcomes: Sequence[ItemOutcome], *, required: bool) -> None:
    """The waste-reason rule, the one home of it (API and complete page): an outcome with failed
    pieces says why. All such outcomes are named at once."""
    if not required:
        return
    missing = {f"items[{index}].waste_reason": [WASTE_REASON_NEEDED] for index, outcome in enumerate(outcomes)
               if outcome.failed_quantity > 0 and not outcome.waste_reason.strip()}
    if missing:
        first = next(iter(missing))
        raise ValidationError(f"{first}: {WASTE_REASON_NEEDED}", fields=missing)


def _save_actuals(materials: list[ProductionRunMaterial]) -> None:
    """Write the materials' actuals in one statement (scale readings only when any were taken)."""
    fields = ["actual_weight_g", "actual_purge_g"]
    if any(m.weight_before_g is not None for m in materials):
        fields += ["weight_before_g", "weight_after_g"]
    rows_update(materials, fields)


def _save_parts(parts: list[ProductionRunPart]) -> list[ProductionRunPart]:
    """Keep the parts the recipes name or the run used (one statement); returns those kept."""
    return ProductionRunPart.objects.bulk_create([part for part in parts if part.quantity or part.estimated_quantity])


def _ended_at(run: ProductionRun, at: datetime | None, field: str) -> datetime:
    """When an in-progress run ended: ``at`` (default now), not before its start (a time in the
    start's own minute, as the pages type it, is the start). Raises
    ValidationError (400) naming ``field``. (Times ahead of the clock are refused by the pages that
    take them from a person; the demo and tests replay histories with them.)"""
    if at is None:
        return timezone.now()
    if at < run.started_at.replace(second=0, microsecond=0):
        started = timezone.localtime(run.started_at)
        raise ValidationError.for_field(field, f"is before the run started ({started:%Y-%m-%d %H:%M}).")
    return max(at, run.started_at)          # typed to the minute: the start's own minute is the start


def _check_rating(rating: int | None) -> None:
    if rating is not None and not 1 <= rating <= 5:
        raise ValidationError.for_field("quality_rating", "must be from 1 to 5.")


def _usage_entries(run: ProductionRun, materials: list[ProductionRunMaterial]) -> list[LedgerEntry]:
    """One ``usage`` row per material with actuals: −(actual + purge) grams from its spool, of
    which the grams its printer reported already left the spool (``reported_g``, settled here)."""
    return [LedgerEntry(item_type=m.spool.item_type, location=m.spool.location, spool=m.spool,
                        quantity=-m.actual_total_g, reported_g=m.reported_g, transaction_type=InventoryTransaction.Type.USAGE,
                        reference_type=REFERENCE_RUN, reference_id=str(run.pk), reference_label=run.run_number)
            for m in materials if m.actual_weight_g is not None and (m.actual_total_g > 0 or m.reported_g)]


def _run_materials(run: ProductionRun) -> list[ProductionRunMaterial]:
    """The run's materials with spools, read after locking those spools (pk order, as the ledger
    does): a printer's report locks the spool before it adds to a material's ``reported_g``, so
    what is read here is what the completion settles."""
    list(Spool.objects.select_for_update().filter(pk__in=run.materials.values("spool_id")).order_by("pk")
         .values_list("pk", flat=True))
    return list(run.materials.select_related("spool__item_type", "spool__location"))


def _part_entries(run: ProductionRun, parts: list[ProductionRunPart]) -> list[LedgerEntry]:
    """One ``usage`` row per part used: −quantity at the run's location."""
    return [LedgerEntry(item_type=part.item_type, location=run.location, quantity=-part.quantity,
                        transaction_type=InventoryTransaction.Type.USAGE, reference_type=REFERENCE_RUN,
                        reference_id=str(run.pk), reference_label=run.run_number)
            for part in parts if part.quantity > 0]


def _parts_used(run: ProductionRun, items: list[ProductionRunItem], uses: Sequence[PartUse], *,
                prefill: bool) -> tuple[list[ProductionRunPart], list[str]]:
    """The parts the run used: the recipes' figure for the pieces attempted (``prefill``; else
    none) with ``uses`` applied, and the attempted products whose recipes take inputs (or that
    have none; ``RunParts.unrecorded``). Raises ValidationError (400) for bad ``uses`` and for
    parts used by a run with no location to take them from."""
    expected = selectors.run_parts_expected(run=run, items=items)
    if not prefill:
        for part in expected.parts:
            part.quantity = Decimal("0")
    parts = part_uses_apply(expected.parts, uses, tenant_id=run.tenant_id)
    for part in parts:
        part.run = run
    if run.location is None and any(part.quantity for part in parts):
        raise ValidationError.for_field("location", "set where the parts are taken from (a location or a workstation).")
    return parts, expected.unrecorded


def _check_something_used(entries: list[LedgerEntry], unrecorded: list[str]) -> None:
    """A run records what it used (DESIGN §4): with no filament and no parts, it completes only
    when the recipes of its products take nothing."""
    if not entries and unrecorded:
        raise ValidationError.for_field(
            "materials", f"record the filament or parts used: {', '.join(unrecorded)} "
                         f"{'takes' if len(unrecorded) == 1 else 'take'} inputs (or has no recipe to say otherwise).")


@traced("production_run.complete")
@transaction.atomic
def production_run_complete(*, run: ProductionRun, by: User, materials: Sequence[MaterialActual] = (),
                            items: Sequence[ItemOutcome] = (), parts: Sequence[PartUse] = (),
                            quality_rating: int | None = None, quality_notes: str = "", completion_notes: str = "",
                            completed_at: datetime | None = None) -> ProductionRun:
    """Complete an in-progress run in one transaction.

    Locks the run, re-checks its status, sets every material's actual grams (``materials``;
    ones recorded earlier count) and every item's outcome (``items``; unmentioned items: all
    successful) and the parts used (the recipes' figure for the pieces attempted,
    ``runs.selectors.run_parts_expected``, changed or added to by ``parts``), then posts one
    ``usage`` row per material (−(actual + purge) g), one ``usage`` row per part (−quantity at the
    run's location) and one ``production`` row per item with successful output (at the run's
    location), deducting spools and stock under the ledger service's locks.

    ``completed_at``: when the print finished (default now; it dates the ledger rows and the
    duration variance).

    Raises RunStateError (409) unless in progress; ValidationError (400) for ``completed_at``
    before the start, a material without an actual weight, successful + failed > planned, a rating outside 1–5, output or parts with
    no location, a bad ``parts`` line, or nothing used at all while the products' recipes take
    inputs; SpoolShortError (409, with the spool and the shortfall in grams) when a spool holds
    less than it gave; StockShortError (409, naming item, location, on hand and needed) when the
    run's location holds fewer parts. Nothing is written when anything is refused.
    """
    run = lock_run_in_progress(run, "complete")
    at = _ended_at(run, completed_at, "completed_at")
    _check_rating(quality_rating)
    run_materials = _run_materials(run)
    run_items = list(run.items.select_related("product"))
    reported_defaults_apply(run_materials, materials)
    material_actuals_apply(run_materials, materials, require_all=True)
    _apply_outcomes(run_items, items, default="successful", reason_required=True)
    if any(item.successful_quantity for item in run_items) and run.location is None:
        raise ValidationError.for_field("location", "set where the output goes (a location or a workstation).")
    run_parts, unrecorded = _parts_used(run, run_items, parts, prefill=True)
    usage = _usage_entries(run, run_materials) + _part_entries(run, run_parts)
    _check_something_used(usage, unrecorded)
    output = [LedgerEntry(item_type=item.product, location=run.location, quantity=Decimal(item.successful_quantity),
                          transaction_type=InventoryTransaction.Type.PRODUCTION, reference_type=REFERENCE_RUN,
                          reference_id=str(run.pk), reference_label=run.run_number)
              for item in run_items if item.successful_quantity]
    inventory_transactions_post(tenant=run.tenant, by=by, at=at, entries=usage + output)
    _save_actuals(run_materials)
    run_parts = _save_parts(run_parts)
    rows_update(run_items, ["successful_quantity", "failed_quantity", "waste_reason"])
    run.status, run.completed_at = Status.COMPLETED, at
    run.quality_rating, run.quality_notes, run.completion_notes = quality_rating, quality_notes, completion_notes
    run.save(update_fields=["status", "completed_at", "quality_rating", "quality_notes", "completion_notes"])
    plan_services.job_follow_run(job_id=run.job_id, run_status=run.status)
    return run_totals_refresh(run, materials=run_materials, parts=run_parts)


@traced("production_run.fail")
@transaction.atomic
def production_run_fail(*, run: ProductionRun, by: User, materials: Sequence[MaterialActual] = (),
                        items: Sequence[ItemOutcome] = (), parts: Sequence[PartUse] = (), notes: str = "",
                        failed_at: datetime | None = None) -> ProductionRun:
    """Mark a run failed.

    ``in_progress → failed``: records the actual usage given in ``materials`` and ``parts`` (usage
    rows, spools and stock deducted — they really were used; parts not given: none used) and no
    output; items not mentioned count as all failed, and none may be successful. ``completed → failed``: keeps the usage and reverses only
    the product output; every piece counts as failed. ``failed_at``: when the print stopped
    (default now; for an in-progress run not before its start). Raises
    RunStateError (409) otherwise, ValidationError (400) / SpoolShortError (409) as for completion.
    """
    run = lock_run(run)
    run_items = list(run.items.select_related("product"))
    at = failed_at or timezone.now()
    if run.status == Status.IN_PROGRESS:
        at = _ended_at(run, failed_at, "failed_at")
        run_materials = _run_materials(run)
        reported_defaults_apply(run_materials, materials)
        material_actuals_apply(run_materials, materials, require_all=False)
        _apply_outcomes(run_items, items, default="failed")
        if any(item.successful_quantity for item in run_items):
            raise ValidationError.for_field("items", "a failed run has no successful pieces; complete it instead.")
        run_parts, _ = _parts_used(run, run_items, parts, prefill=False)
        inventory_transactions_post(tenant=run.tenant, by=by, at=at,
                                    entries=_usage_entries(run, run_materials) + _part_entries(run, run_parts))
        _save_actuals(run_materials)
        _save_parts(run_parts)
        run.completed_at = at
    elif run.status == Status.COMPLETED:
        if materials or items or parts:
            raise ValidationError.for_field("materials", "a completed run keeps its recorded usage.")
        inventory_transactions_reverse_reference(
            tenant=run.tenant, by=by, at=at, reference_type=REFERENCE_RUN, reference_id=str(run.pk),
            transaction_types=[InventoryTransaction.Type.PRODUCTION], note=f"{run.run_number} failed")
        _apply_outcomes(run_items, [], default="failed")
    else:
        raise RunStateError(run=run, action="fail")
    rows_update(run_items, ["successful_quantity", "failed_quantity", "waste_reason"])
    run.status = Status.FAILED
    run.completion_notes = "\n".join(filter(None, [run.completion_notes, notes]))
    run.save(update_fields=["status", "completed_at", "completion_notes"])
    plan_services.job_follow_run(job_id=run.job_id, run_status=run.status)
    return run_totals_refresh(run)


@traced("production_run.cancel")
@transaction.atomic
def production_run_cancel(*, run: ProductionRun, by: User, note: str = "",
                          cancelled_at: datetime | None = None) -> ProductionRun:
    """Cancel a run; a completed or failed run is voided: every ledger row it posted gets a
    reversal, so its spools hold exactly what they held before and its ledger sums to zero.

    Raises RunStateError (409) for a run already cancelled.
    """
    run = lock_run(run)
    if run.status == Status.CANCELLED:
        raise RunStateError(run=run, action="cancel")
    inventory_transactions_reverse_reference(
        tenant=run.tenant, by=by, at=cancelled_at, reference_type=REFERENCE_RUN, reference_id=str(run.pk),
        note=note or f"{run.run_number} cancelled")
    run.status = Status.CANCELLED
    run.completion_notes = "\n".join(filter(None, [run.completion_notes, note]))
    run.save(update_fields=["status", "completion_notes"])
    plan_services.job_follow_run(job_id=run.job_id, run_status=run.status)
    return run


@traced("production_run.delete")
@transaction.atomic
def production_run_delete(*, run: ProductionRun) -> ProductionRun:
    """Soft-delete a run (it keeps its number, which is never reused). Completed runs are
    refused with RunStateError (409): cancel them first so the ledger is voided. An in-progress
    run started from a job gives the job back to the queue (``planned``), as cancelling it would:
    no path leaves a job active without a live run."""
    run = lock_run(run)
    if run.status == Status.COMPLETED:
        raise RunStateError(run=run, action="delete", hint="Cancel it first to void its ledger rows.")
    run.deleted_at = timezone.now()
    run.save(update_fields=["deleted_at"])
    if run.status == Status.IN_PROGRESS:
        plan_services.job_follow_run(job_id=run.job_id, run_status=Status.CANCELLED)
    return run
