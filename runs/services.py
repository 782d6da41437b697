"""Production run writes: create, edit, complete, fail, cancel (void), delete, reprint (DESIGN §4).

Every change of stock goes to the inventory ledger through ``inventory.services`` with the run
as the source document (``reference_type="production_run"``). Weights are grams, durations
seconds; all arithmetic is Decimal.

Status machine::

    in_progress ──complete──▶ completed ──fail──▶ failed (usage kept, output reversed)
         │                        │
         ├──fail──▶ failed        └──cancel──▶ cancelled (void: every ledger row reversed)
         └──cancel──▶ cancelled   failed ──cancel──▶ cancelled

Only ``in_progress`` runs are edited. Every state change locks the run row first and checks
the status under the lock, so two concurrent completes cannot both pass.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Sequence
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone
from sequences import get_next_value

from inventory import selectors as inventory_selectors
from inventory.models import InventoryTransaction, ItemType, Location, Spool, Workstation
from inventory.services import LedgerEntry, inventory_transactions_post, inventory_transactions_reverse_reference
from plans.models import JobQueueEntry, Recipe
from plans.selectors import recipes_for_products
from plans import services as plan_services
from runs.errors import RunStateError
from prodtrack.exceptions import ValidationError
from prodtrack.models import Tenant, User
from prodtrack.services import model_update
from prodtrack.telemetry import traced
from runs.models import ProductionRun, ProductionRunItem, ProductionRunMaterial
from runs.variance import variance_pct

REFERENCE_RUN = "production_run"
ZERO = Decimal("0")
CENT = Decimal("0.01")
Status = ProductionRun.Status


# --- inputs ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class ItemSpec:
    """A product to print: ``quantity`` pieces; ``estimated_cost`` None → from its recipe."""

    product: ItemType
    quantity: int
    bed_position: str = ""
    estimated_cost: Decimal | None = None


@dataclass(frozen=True)
class MaterialSpec:
    """A spool to print with; ``estimated_weight_g`` None → the recipes' grams of its material."""

    spool: Spool
    estimated_weight_g: Decimal | None = None
    estimated_purge_g: Decimal = ZERO


@dataclass(frozen=True)
class MaterialActual:
    """What a run material really used, given one of three ways:

    * ``actual_weight_g`` — grams of filament;
    * ``use_estimate`` — the estimated grams;
    * ``weight_before_g`` and ``weight_after_g`` — the spool on the scale before and after
      (actual = before − after − purge).

    ``actual_purge_g`` None → the estimated purge.
    """

    material_id: int
    actual_weight_g: Decimal | None = None
    actual_purge_g: Decimal | None = None
    use_estimate: bool = False
    weight_before_g: Decimal | None = None
    weight_after_g: Decimal | None = None


@dataclass(frozen=True)
class ItemOutcome:
    """How many pieces of a run item came out right and wrong (and why, when any failed)."""

    item_id: int
    successful_quantity: int
    failed_quantity: int = 0
    waste_reason: str = ""


# --- helpers ---------------------------------------------------------------------------------

def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _grams(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _lock(run: ProductionRun) -> ProductionRun:
    """Re-read the run under a row lock (the status check must come after this)."""
    return (ProductionRun.objects.select_for_update(of=("self",)).select_related("tenant", "location")
            .live().get(pk=run.pk))


def _lock_in_progress(run: ProductionRun, action: str) -> ProductionRun:
    run = _lock(run)
    if run.status != Status.IN_PROGRESS:
        raise RunStateError(run=run, action=action, hint="Only in-progress runs can be changed.")
    return run


def run_number_sequence(tenant: Tenant, started_at: datetime) -> tuple[str, str]:
    """``(sequence name, YYYYMMDD)`` of the run numbers of ``started_at``'s day in the tenant's time zone."""
    day = timezone.localtime(started_at, ZoneInfo(tenant.time_zone or "UTC")).strftime("%Y%m%d")
    return f"production_run:{tenant.pk}:{day}", day


def run_number_format(tenant: Tenant, day: str, number: int) -> str:
    """``{short_code}-YYYYMMDD-NNN`` (NNN widens past 999)."""
    code = tenant.short_code or tenant.slug[:4].upper()
    return f"{code}-{day}-{number:03d}"


def _run_number(tenant: Tenant, started_at: datetime) -> str:
    """``{short_code}-YYYYMMDD-NNN``: the day in the tenant's time zone, NNN from a per-tenant,
    per-day counter row locked until the transaction ends (django-sequences), so concurrent
    creates get consecutive numbers and a rolled-back create gives its number back."""
    name, day = run_number_sequence(tenant, started_at)
    return run_number_format(tenant, day, get_next_value(name))


@dataclass
class RecipeEstimate:
    """Estimates from recipes for a list of items: grams per material, cost per item, seconds."""

    material_grams: dict[int, Decimal]
    item_costs: list[Decimal | None]
    duration_s: int | None


def recipe_estimate(*, tenant: Tenant, items: Sequence[tuple[ItemType, int]]) -> RecipeEstimate:
    """Estimate ``(product, pieces)`` items from each product's recipe.

    Per piece a recipe uses ``input quantity / output_quantity`` (so 3 pieces of a 4-per-plate
    recipe use ¾ of its grams); cost = Σ inputs × their unit cost; duration = Σ recipe seconds
    × pieces / output. Products without a recipe estimate nothing (cost None). Two queries.
    """
    recipes = recipes_for_products(tenant=tenant, product_ids=[product.pk for product, _ in items])
    grams: dict[int, Decimal] = defaultdict(Decimal)
    costs: list[Decimal | None] = []
    duration = ZERO
    for product, pieces in items:
        recipe: Recipe | None = recipes.get(product.pk)
        if recipe is None:
            costs.append(None)
            continue
        share = Decimal(pieces) / Decimal(recipe.output_quantity)
        cost = ZERO
        for recipe_input in recipe.inputs.all():
            needed = recipe_input.quantity * share
            if recipe_input.item_type.kind == ItemType.Kind.MATERIAL:
                grams[recipe_input.item_type_id] += needed
            cost += needed * recipe_input.item_type.unit_cost
        costs.append(_money(cost))
        duration += recipe.duration_s * share
    return RecipeEstimate(material_grams={k: _grams(v) for k, v in grams.items()}, item_costs=costs,
                          duration_s=int(duration.to_integral_value(ROUND_HALF_UP)) if recipes else None)


def _check_items(tenant: Tenant, items: Sequence[ItemSpec], field: str = "items") -> None:
    for index, spec in enumerate(items):
        where = f"{field}[{index}]"
        if spec.product.tenant_id != tenant.pk:
            raise ValidationError.for_field(f"{where}.product", "not found.")
        if spec.product.kind != ItemType.Kind.PRODUCT:
            raise ValidationError.for_field(f"{where}.product", f"{spec.product.name} is not a product.")
        if spec.quantity < 1:
            raise ValidationError.for_field(f"{where}.quantity", "must be at least 1.")
        if spec.estimated_cost is not None and spec.estimated_cost < 0:
            raise ValidationError.for_field(f"{where}.estimated_cost", "must be 0 or more.")


def _check_materials(tenant: Tenant, materials: Sequence[MaterialSpec], taken: set[int] = frozenset(),
                     field: str = "materials") -> None:
    seen = set(taken)
    for index, spec in enumerate(materials):
        where = f"{field}[{index}]"
        spool = spec.spool
        if spool.tenant_id != tenant.pk:
            raise ValidationError.for_field(f"{where}.spool", "not found.")
        if spool.status == Spool.Status.ARCHIVED:
            raise ValidationError.for_field(f"{where}.spool", f"spool #{spool.pk} is archived.")
        if spool.pk in seen:
            raise ValidationError.for_field(f"{where}.spool", f"spool #{spool.pk} is already in the run.")
        for name in ("estimated_weight_g", "estimated_purge_g"):
            value = getattr(spec, name)
            if value is not None and value < 0:
                raise ValidationError.for_field(f"{where}.{name}", "must be 0 or more.")
        seen.add(spool.pk)


def _material_estimates(materials: Sequence[MaterialSpec], grams: dict[int, Decimal],
                        field: str = "materials") -> list[Decimal]:
    """Each spool's estimated grams: given, or its material's recipe grams (one spool per material)."""
    per_material: dict[int, int] = defaultdict(int)
    for spec in materials:
        if spec.estimated_weight_g is None:
            per_material[spec.spool.item_type_id] += 1
    estimates = []
    for index, spec in enumerate(materials):
        if spec.estimated_weight_g is not None:
            estimates.append(spec.estimated_weight_g)
        elif per_material[spec.spool.item_type_id] > 1:
            raise ValidationError.for_field(
                f"{field}[{index}].estimated_weight_g",
                "is required when several spools of one material share the run.")
        else:
            estimates.append(grams.get(spec.spool.item_type_id, ZERO))
    return estimates


def run_totals_refresh(run: ProductionRun) -> ProductionRun:
    """Recompute the run's material totals, costs and total-filament variance (one read, one write).

    Actual totals exist only once every material has an actual weight. Cost = grams × the
    spool's cost per gram (its price ÷ its initial net weight).
    """
    materials = list(run.materials.select_related("spool"))
    estimated_w = sum((m.estimated_weight_g for m in materials), ZERO)
    estimated_p = sum((m.estimated_purge_g for m in materials), ZERO)
    estimated_cost = sum((m.estimated_total_g * m.spool.cost_per_gram for m in materials), ZERO)
    complete = bool(materials) and all(m.actual_weight_g is not None for m in materials)
    run.estimated_weight_g, run.estimated_purge_g = estimated_w, estimated_p
    run.estimated_cost = _money(estimated_cost)
    if complete:
        run.actual_weight_g = sum((m.actual_weight_g for m in materials), ZERO)
        run.actual_purge_g = sum((m.actual_purge_g or ZERO for m in materials), ZERO)
        run.actual_cost = _money(sum((m.actual_total_g * m.spool.cost_per_gram for m in materials), ZERO))
    else:
        run.actual_weight_g = run.actual_purge_g = run.actual_cost = None
    run.variance_pct = variance_pct(run.actual_total_g, run.estimated_total_g)
    ProductionRun.objects.filter(pk=run.pk).update(
        estimated_weight_g=run.estimated_weight_g, estimated_purge_g=run.estimated_purge_g,
        estimated_cost=run.estimated_cost, actual_weight_g=run.actual_weight_g, actual_purge_g=run.actual_purge_g,
        actual_cost=run.actual_cost, variance_pct=run.variance_pct)
    return run


# --- create and edit -------------------------------------------------------------------------

RUN_FIELDS = {"started_at", "workstation", "location", "printer_name", "slicer", "estimated_duration_s",
              "bed_temp_c", "nozzle_temp_c", "notes"}


def _check_run_fields(tenant: Tenant, fields: dict[str, Any]) -> None:
    for name in ("workstation", "location"):
        value = fields.get(name)
        if value is not None and value.tenant_id != tenant.pk:
            raise ValidationError.for_field(name, "not found.")
    duration = fields.get("estimated_duration_s")
    if duration is not None and duration < 0:
        raise ValidationError.for_field("estimated_duration_s", "must be 0 or more.")


@traced("production_run.create")
@transaction.atomic
def production_run_create(*, tenant: Tenant, by: User, items: Sequence[ItemSpec],
                          materials: Sequence[MaterialSpec] = (), started_at: datetime | None = None,
                          workstation: Workstation | None = None, location: Location | None = None,
                          printer_name: str = "", slicer: str = "", estimated_duration_s: int | None = None,
                          bed_temp_c: int | None = None, nozzle_temp_c: int | None = None, notes: str = "",
                          original_run: ProductionRun | None = None, gcode_filename: str = "",
                          gcode_estimate: dict | None = None) -> ProductionRun:
    """Create an in-progress run with its items and materials in one call.

    Missing estimates come from the products' recipes (``recipe_estimate``): item costs, each
    spool's grams (by its material) and the duration. ``location`` (where output goes) and
    ``printer_name`` default from the workstation. The run number is allocated race-free.
    Raises ValidationError (400) naming the field: no items, a quantity < 1, a product or spool
    of another tenant, a non-product item, an archived or repeated spool, negative estimates.
    ``gcode_filename`` / ``gcode_estimate``: the slicer file the estimates came from (its name and
    ``dataclasses.asdict`` of its ``GcodeEstimate``), kept on the run as a record.
    """
    if not items:
        raise ValidationError.for_field("items", "add at least one product.")
    _check_items(tenant, items)
    _check_materials(tenant, materials)
    _check_run_fields(tenant, {"workstation": workstation, "location": location,
                               "estimated_duration_s": estimated_duration_s})
    estimate = recipe_estimate(tenant=tenant, items=[(spec.product, spec.quantity) for spec in items])
    material_grams = _material_estimates(materials, estimate.material_grams)
    started_at = started_at or timezone.now()
    run = ProductionRun.objects.create(
        tenant=tenant, run_number=_run_number(tenant, started_at), started_at=started_at,
        workstation=workstation, location=location or (workstation.location if workstation else None),
        printer_name=printer_name or (workstation.name if workstation else ""), slicer=slicer,
        estimated_duration_s=estimated_duration_s if estimated_duration_s is not None else estimate.duration_s,
        bed_temp_c=bed_temp_c, nozzle_temp_c=nozzle_temp_c, notes=notes, original_run=original_run,
        gcode_filename=gcode_filename[:255], gcode_estimate=gcode_estimate, created_by=by)
    ProductionRunItem.objects.bulk_create([
        ProductionRunItem(run=run, product=spec.product, quantity=spec.quantity, bed_position=spec.bed_position,
                          estimated_cost=spec.estimated_cost if spec.estimated_cost is not None else (cost or ZERO))
        for spec, cost in zip(items, estimate.item_costs)])
    ProductionRunMaterial.objects.bulk_create([
        ProductionRunMaterial(run=run, spool=spec.spool, estimated_weight_g=grams,
                              estimated_purge_g=spec.estimated_purge_g)
        for spec, grams in zip(materials, material_grams)])
    return run_totals_refresh(run)


@traced("production_run.update")
@transaction.atomic
def production_run_update(*, run: ProductionRun, data: dict[str, Any]) -> ProductionRun:
    """Change the run's own fields (not its number). Raises RunStateError (409) unless in progress."""
    unknown = set(data) - RUN_FIELDS
    if unknown:
        raise ValidationError.for_field(sorted(unknown)[0], "cannot be changed.")
    run = _lock_in_progress(run, "edit")
    _check_run_fields(run.tenant, data)
    return model_update(run, data=data)


@traced("production_run.item_add")
@transaction.atomic
def production_run_item_add(*, run: ProductionRun, item: ItemSpec) -> ProductionRunItem:
    """Add a product to an in-progress run (estimated cost from its recipe when not given)."""
    run = _lock_in_progress(run, "edit")
    _check_items(run.tenant, [item], field="item")
    cost = item.estimated_cost
    if cost is None:
        cost = recipe_estimate(tenant=run.tenant, items=[(item.product, item.quantity)]).item_costs[0] or ZERO
    return ProductionRunItem.objects.create(run=run, product=item.product, quantity=item.quantity,
                                            bed_position=item.bed_position, estimated_cost=cost)


@traced("production_run.item_update")
@transaction.atomic
def production_run_item_update(*, item: ProductionRunItem, data: dict[str, Any]) -> ProductionRunItem:
    """Change an item's quantity, bed position or estimated cost while the run is in progress.

    A new quantity without a new cost scales the estimated cost with it (cost per piece kept).
    """
    allowed = {"quantity", "bed_position", "estimated_cost"}
    unknown = set(data) - allowed
    if unknown:
        raise ValidationError.for_field(sorted(unknown)[0], "cannot be changed before completion.")
    _lock_in_progress(item.run, "edit")
    if data.get("quantity", 1) < 1:
        raise ValidationError.for_field("quantity", "must be at least 1.")
    if data.get("estimated_cost", ZERO) < 0:
        raise ValidationError.for_field("estimated_cost", "must be 0 or more.")
    if "quantity" in data and "estimated_cost" not in data and data["quantity"] != item.quantity:
        data = {**data, "estimated_cost": _money(item.estimated_cost * data["quantity"] / item.quantity)}
    return model_update(item, data=data)


@traced("production_run.item_remove")
@transaction.atomic
def production_run_item_remove(*, item: ProductionRunItem) -> None:
    """Remove a product from an in-progress run; a run keeps at least one item."""
    run = _lock_in_progress(item.run, "edit")
    if run.items.count() <= 1:
        raise ValidationError.for_field("items", "a run keeps at least one product.")
    item.delete()


@traced("production_run.material_add")
@transaction.atomic
def production_run_material_add(*, run: ProductionRun, material: MaterialSpec) -> ProductionRunMaterial:
    """Add a spool to an in-progress run; without an estimate it gets its material's recipe grams."""
    run = _lock_in_progress(run, "edit")
    taken = set(run.materials.values_list("spool_id", flat=True))
    _check_materials(run.tenant, [material], taken=taken, field="material")
    grams = material.estimated_weight_g
    if grams is None:
        items = [(i.product, i.quantity) for i in run.items.select_related("product")]
        grams = recipe_estimate(tenant=run.tenant, items=items).material_grams.get(material.spool.item_type_id, ZERO)
    created = ProductionRunMaterial.objects.create(run=run, spool=material.spool, estimated_weight_g=grams,
                                                   estimated_purge_g=material.estimated_purge_g)
    run_totals_refresh(run)
    return created


MATERIAL_FIELDS = {"estimated_weight_g", "estimated_purge_g", "actual_weight_g", "actual_purge_g",
                   "weight_before_g", "weight_after_g"}


@traced("production_run.material_update")
@transaction.atomic
def production_run_material_update(*, material: ProductionRunMaterial, data: dict[str, Any]) -> ProductionRunMaterial:
    """Change a material's estimates or record its actuals before completion (grams, ≥ 0)."""
    unknown = set(data) - MATERIAL_FIELDS
    if unknown:
        raise ValidationError.for_field(sorted(unknown)[0], "cannot be changed.")
    run = _lock_in_progress(material.run, "edit")
    for name, value in data.items():
        if value is not None and value < 0:
            raise ValidationError.for_field(name, "must be 0 or more.")
    model_update(material, data=data)
    run_totals_refresh(run)
    return material


@traced("production_run.material_remove")
@transaction.atomic
def production_run_material_remove(*, material: ProductionRunMaterial) -> None:
    """Remove a spool from an in-progress run."""
    run = _lock_in_progress(material.run, "edit")
    material.delete()
    run_totals_refresh(run)


# --- completion and the other endings ----------------------------------------------------------

def material_actuals_apply(materials: list[ProductionRunMaterial], actuals: Sequence[MaterialActual], *,
                           require_all: bool) -> None:
    """Set actual grams on the in-memory ``materials`` from ``actuals`` (see MaterialActual); no
    query, nothing saved: completion saves them, the complete page's live preview only shows them.

    Raises ValidationError (400) naming ``materials[i].<field>`` for bad input; with
    ``require_all`` also when a material ends up without an actual weight (completion).
    """
    by_id = {m.pk: m for m in materials}
    for index, actual in enumerate(actuals):
        where = f"materials[{index}]"
        material = by_id.get(actual.material_id)
        if material is None:
            raise ValidationError.for_field(f"{where}.material_id", f"{actual.material_id} is not in this run.")
        purge = actual.actual_purge_g if actual.actual_purge_g is not None else material.estimated_purge_g
        if purge < 0:
            raise ValidationError.for_field(f"{where}.actual_purge_g", "must be 0 or more.")
        given = [actual.use_estimate, actual.actual_weight_g is not None,
                 actual.weight_before_g is not None or actual.weight_after_g is not None]
        if sum(given) > 1:
            raise ValidationError.for_field(
                f"{where}.actual_weight_g", "give one of actual_weight_g, use_estimate or weight_before_g/after_g.")
        if actual.use_estimate:
            weight = material.estimated_weight_g
        elif actual.actual_weight_g is not None:
            weight = actual.actual_weight_g
        elif actual.weight_before_g is not None and actual.weight_after_g is not None:
            used = actual.weight_before_g - actual.weight_after_g
            if used < 0:
                raise ValidationError.for_field(f"{where}.weight_after_g", "is more than the weight before.")
            weight = used - purge
            if weight < 0:
                raise ValidationError.for_field(
                    f"{where}.actual_purge_g", f"is more than the {used} g the spool lost.")
            material.weight_before_g, material.weight_after_g = actual.weight_before_g, actual.weight_after_g
        elif given[2]:
            raise ValidationError.for_field(f"{where}.weight_after_g", "give both weight_before_g and weight_after_g.")
        else:
            weight = material.actual_weight_g  # only the purge changes
        if weight is not None and weight < 0:
            raise ValidationError.for_field(f"{where}.actual_weight_g", "must be 0 or more.")
        material.actual_weight_g, material.actual_purge_g = weight, purge
    if require_all:
        missing = [m for m in materials if m.actual_weight_g is None]
        if missing:
            raise ValidationError(
                f"Actual weight missing for spool(s) {', '.join(f'#{m.spool_id}' for m in missing)}.",
                fields={"materials": [f"spool #{m.spool_id}: actual weight is required." for m in missing]},
                material_ids=[m.pk for m in missing])
    for material in materials:
        if material.actual_weight_g is not None and material.actual_purge_g is None:
            material.actual_purge_g = material.estimated_purge_g


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
    ProductionRunMaterial.objects.bulk_update(materials, fields)


def _check_rating(rating: int | None) -> None:
    if rating is not None and not 1 <= rating <= 5:
        raise ValidationError.for_field("quality_rating", "must be from 1 to 5.")


def _usage_entries(run: ProductionRun, materials: list[ProductionRunMaterial]) -> list[LedgerEntry]:
    """One ``usage`` row per material with actuals: −(actual + purge) grams from its spool."""
    return [LedgerEntry(item_type=m.spool.item_type, location=m.spool.location, spool=m.spool,
                        quantity=-m.actual_total_g, transaction_type=InventoryTransaction.Type.USAGE,
                        reference_type=REFERENCE_RUN, reference_id=str(run.pk), reference_label=run.run_number)
            for m in materials if m.actual_weight_g is not None and m.actual_total_g > 0]


@traced("production_run.complete")
@transaction.atomic
def production_run_complete(*, run: ProductionRun, by: User, materials: Sequence[MaterialActual] = (),
                            items: Sequence[ItemOutcome] = (), quality_rating: int | None = None,
                            quality_notes: str = "", completion_notes: str = "",
                            completed_at: datetime | None = None) -> ProductionRun:
    """Complete an in-progress run in one transaction.

    Locks the run, re-checks its status, sets every material's actual grams (``materials``;
    ones recorded earlier count) and every item's outcome (``items``; unmentioned items: all
    successful), then posts one ``usage`` row per material (−(actual + purge) g) and one
    ``production`` row per item with successful output (at the run's location), deducting the
    spools (locked in pk order by the ledger service).

    Raises RunStateError (409) unless in progress; ValidationError (400) for a material without
    an actual weight, successful + failed > planned, a rating outside 1–5, or output with no
    location; SpoolShortError (409, with the spool and the shortfall in grams) when a spool
    holds less than it gave. Nothing is written when anything is refused.
    """
    run = _lock_in_progress(run, "complete")
    _check_rating(quality_rating)
    run_materials = list(run.materials.select_related("spool__item_type", "spool__location"))
    run_items = list(run.items.select_related("product"))
    material_actuals_apply(run_materials, materials, require_all=True)
    _apply_outcomes(run_items, items, default="successful", reason_required=True)
    if any(item.successful_quantity for item in run_items) and run.location is None:
        raise ValidationError.for_field("location", "set where the output goes (a location or a workstation).")
    at = completed_at or timezone.now()
    output = [LedgerEntry(item_type=item.product, location=run.location, quantity=Decimal(item.successful_quantity),
                          transaction_type=InventoryTransaction.Type.PRODUCTION, reference_type=REFERENCE_RUN,
                          reference_id=str(run.pk), reference_label=run.run_number)
              for item in run_items if item.successful_quantity]
    inventory_transactions_post(tenant=run.tenant, by=by, at=at,
                                entries=_usage_entries(run, run_materials) + output)
    _save_actuals(run_materials)
    ProductionRunItem.objects.bulk_update(run_items, ["successful_quantity", "failed_quantity", "waste_reason"])
    run.status, run.completed_at = Status.COMPLETED, at
    run.quality_rating, run.quality_notes, run.completion_notes = quality_rating, quality_notes, completion_notes
    run.save(update_fields=["status", "completed_at", "quality_rating", "quality_notes", "completion_notes"])
    plan_services.job_follow_run(job_id=run.job_id, run_status=run.status)
    return run_totals_refresh(run)


@traced("production_run.fail")
@transaction.atomic
def production_run_fail(*, run: ProductionRun, by: User, materials: Sequence[MaterialActual] = (),
                        items: Sequence[ItemOutcome] = (), notes: str = "",
                        failed_at: datetime | None = None) -> ProductionRun:
    """Mark a run failed.

    ``in_progress → failed``: records the actual usage given in ``materials`` (usage rows, spools
    deducted — the filament really was used) and no output; items not mentioned count as all
    failed, and none may be successful. ``completed → failed``: keeps the usage and reverses only
    the product output; every piece counts as failed. Raises RunStateError (409) otherwise,
    ValidationError (400) / SpoolShortError (409) as for completion.
    """
    run = _lock(run)
    run_items = list(run.items.select_related("product"))
    at = failed_at or timezone.now()
    if run.status == Status.IN_PROGRESS:
        run_materials = list(run.materials.select_related("spool__item_type", "spool__location"))
        material_actuals_apply(run_materials, materials, require_all=False)
        _apply_outcomes(run_items, items, default="failed")
        if any(item.successful_quantity for item in run_items):
            raise ValidationError.for_field("items", "a failed run has no successful pieces; complete it instead.")
        inventory_transactions_post(tenant=run.tenant, by=by, at=at, entries=_usage_entries(run, run_materials))
        _save_actuals(run_materials)
        run.completed_at = at
    elif run.status == Status.COMPLETED:
        if materials or items:
            raise ValidationError.for_field("materials", "a completed run keeps its recorded usage.")
        inventory_transactions_reverse_reference(
            tenant=run.tenant, by=by, at=at, reference_type=REFERENCE_RUN, reference_id=str(run.pk),
            transaction_types=[InventoryTransaction.Type.PRODUCTION], note=f"{run.run_number} failed")
        _apply_outcomes(run_items, [], default="failed")
    else:
        raise RunStateError(run=run, action="fail")
    ProductionRunItem.objects.bulk_update(run_items, ["successful_quantity", "failed_quantity", "waste_reason"])
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
    run = _lock(run)
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
    refused with RunStateError (409): cancel them first so the ledger is voided."""
    run = _lock(run)
    if run.status == Status.COMPLETED:
        raise RunStateError(run=run, action="delete", hint="Cancel it first to void its ledger rows.")
    run.deleted_at = timezone.now()
    run.save(update_fields=["deleted_at"])
    return run


@traced("production_run.reprint")
@transaction.atomic
def production_run_reprint(*, run: ProductionRun, by: User, started_at: datetime | None = None) -> ProductionRun:
    """Create a new in-progress run for the failed pieces of ``run``, linked by ``original_run``,
    starting ``started_at`` (default now; it also dates the run number).

    Items: each product's failed quantity. Materials: the same spools (archived ones left out)
    with estimates scaled by failed pieces ÷ planned pieces. Raises RunStateError (409) when
    the run has no failed pieces.
    """
    run = _lock(run)
    run_items = list(run.items.select_related("product"))
    failed = sum(item.failed_quantity for item in run_items)
    if run.status not in (Status.COMPLETED, Status.FAILED) or not failed:
        raise RunStateError(run=run, action="reprint", hint="Only runs with failed pieces can be reprinted.")
    share = Decimal(failed) / Decimal(sum(item.quantity for item in run_items))
    materials = [MaterialSpec(spool=m.spool, estimated_weight_g=_grams(m.estimated_weight_g * share),
                              estimated_purge_g=_grams(m.estimated_purge_g * share))
                 for m in run.materials.select_related("spool") if m.spool.status != Spool.Status.ARCHIVED]
    items = [ItemSpec(product=item.product, quantity=item.failed_quantity, bed_position=item.bed_position,
                      estimated_cost=_money(item.estimated_cost * item.failed_quantity / item.quantity))
             for item in run_items if item.failed_quantity]
    duration = run.estimated_duration_s
    return production_run_create(
        tenant=run.tenant, by=by, items=items, materials=materials, workstation=run.workstation, started_at=started_at,
        location=run.location, printer_name=run.printer_name, slicer=run.slicer,
        estimated_duration_s=int((duration * share).to_integral_value(ROUND_HALF_UP)) if duration else duration,
        bed_temp_c=run.bed_temp_c, nozzle_temp_c=run.nozzle_temp_c, original_run=run,
        notes=f"Reprint of {run.run_number}")


# --- the job queue ---------------------------------------------------------------------------

def job_material_grams(job: JobQueueEntry) -> dict[int, Decimal]:
    """Grams of each material (item type id → g) a job's run needs: recipe grams × runs ×
    (100 − material efficiency %) / 100 (DESIGN §5). One query."""
    share = Decimal(job.runs) * (Decimal("100") - job.material_efficiency) / Decimal("100")
    return {line.item_type_id: _grams(line.quantity * share)
            for line in job.recipe.inputs.select_related("item_type")
            if line.item_type.kind == ItemType.Kind.MATERIAL}


@traced("job.start")
@transaction.atomic
def job_start(*, job: JobQueueEntry, by: User, workstation: Workstation | None = None,
              spools: Sequence[Spool] | None = None, materials: Sequence[MaterialSpec] | None = None,
              started_at: datetime | None = None, printer_name: str = "", slicer: str = "",
              estimated_duration_s: int | None = None, bed_temp_c: int | None = None,
              nozzle_temp_c: int | None = None, notes: str = "", gcode_filename: str = "",
              gcode_estimate: dict | None = None) -> ProductionRun:
    """Start a planned job: create its production run, prefilled from the job's recipe, and make
    the job ``active``.

    The run prints the job's pieces (runs × output) on ``workstation`` (default: the job's).
    Its materials are ``materials`` as given (the run wizard: spools, grams and purge the
    operator chose; grams None → the job's grams of that spool's material), else ``spools``
    with the job's grams, else one suggested spool per material of the recipe (at the job's
    location first, then the fullest). The job's grams are ``job_material_grams``; duration
    (unless ``estimated_duration_s``) and cost are the job's; ``started_at`` (default now)
    dates the run and its number. Raises JobStateError (409) unless the job is planned,
    ValidationError (400) when neither the job nor the workstation gives the output a location,
    and the create errors of ``production_run_create``.
    """
    job = plan_services.job_claim(job=job, workstation=workstation)
    workstation = job.workstation
    grams = job_material_grams(job)
    if materials is None:
        if spools is None:
            spools = [found[0] for found in inventory_selectors.spools_for_materials(
                tenant=job.tenant, grams=grams, location_id=job.location_id).values() if found]
        materials = [MaterialSpec(spool=spool) for spool in spools]
    materials = [spec if spec.estimated_weight_g is not None else
                 MaterialSpec(spool=spec.spool, estimated_weight_g=grams.get(spec.spool.item_type_id, ZERO),
                              estimated_purge_g=spec.estimated_purge_g)
                 for spec in materials]
    run = production_run_create(
        tenant=job.tenant, by=by, workstation=workstation, location=job.location,
        items=[ItemSpec(product=job.product, quantity=job.quantity, estimated_cost=job.estimated_cost)],
        materials=materials, started_at=started_at, printer_name=printer_name, slicer=slicer,
        estimated_duration_s=estimated_duration_s if estimated_duration_s is not None else job.estimated_duration_s,
        bed_temp_c=bed_temp_c, nozzle_temp_c=nozzle_temp_c, gcode_filename=gcode_filename,
        gcode_estimate=gcode_estimate,
        notes="\n".join(filter(None, [f"Job {job.pk}" + (f" of plan run {job.plan_run_id}" if job.plan_run_id else ""),
                                      notes])))
    ProductionRun.objects.filter(pk=run.pk).update(job=job)
    run.job = job
    return run
