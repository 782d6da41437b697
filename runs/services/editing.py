"""Creating an in-progress run, editing it (fields, items, materials) and reprinting a run's
failed pieces as a new run. Only ``in_progress`` runs are edited; each edit locks the run first."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from inventory.models import ItemType, Location, Spool, Workstation
from prodtrack.exceptions import ValidationError
from prodtrack.models import Tenant, User
from prodtrack.services import model_update
from prodtrack.telemetry import traced
from runs.errors import RunStateError
from runs.models import ProductionRun, ProductionRunItem, ProductionRunMaterial, ProductionRunPart
from runs.services.common import (
    ZERO,
    Status,
    lock_run,
    lock_run_in_progress,
    round_grams,
    round_money,
)
from runs.services.estimates import material_estimates, recipe_estimate
from runs.services.inputs import ItemSpec, MaterialSpec
from runs.services.numbering import run_number_next
from runs.variance import variance_pct


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


def run_totals_refresh(run: ProductionRun, *, materials: list[ProductionRunMaterial] | None = None,
                       parts: list[ProductionRunPart] | None = None) -> ProductionRun:
    """Recompute the run's material totals, costs and total-filament variance (two reads, one write;
    no read for ``materials`` — with their spools — or ``parts`` the caller already holds).

    Filament totals exist only once every material has an actual weight. Cost = grams × the
    spool's cost per gram (its price ÷ its initial net weight) + each part consumed × its unit
    cost (estimated: the recipes' figure; actual: what was used; parts exist once the run ended).
    The actual cost exists once the filament is all recorded, or for a run of parts only.
    """
    materials = list(run.materials.select_related("spool")) if materials is None else materials
    parts = list(run.parts.all()) if parts is None else parts
    estimated_w = sum((m.estimated_weight_g for m in materials), ZERO)
    estimated_p = sum((m.estimated_purge_g for m in materials), ZERO)
    estimated_cost = sum((m.estimated_total_g * m.spool.cost_per_gram for m in materials), ZERO)
    complete = bool(materials) and all(m.actual_weight_g is not None for m in materials)
    run.estimated_weight_g, run.estimated_purge_g = estimated_w, estimated_p
    run.estimated_cost = round_money(estimated_cost + sum((part.estimated_cost for part in parts), ZERO))
    if complete:
        run.actual_weight_g = sum((m.actual_weight_g for m in materials), ZERO)
        run.actual_purge_g = sum((m.actual_purge_g or ZERO for m in materials), ZERO)
    else:
        run.actual_weight_g = run.actual_purge_g = None
    if complete or (parts and not materials):
        run.actual_cost = round_money(sum((m.actual_total_g * m.spool.cost_per_gram for m in materials), ZERO)
                                      + sum((part.cost for part in parts), ZERO))
    else:
        run.actual_cost = None
    run.variance_pct = variance_pct(run.actual_total_g, run.estimated_total_g)
    ProductionRun.objects.filter(pk=run.pk).update(
        estimated_weight_g=run.estimated_weight_g, estimated_purge_g=run.estimated_purge_g,
        estimated_cost=run.estimated_cost, actual_weight_g=run.actual_weight_g, actual_purge_g=run.actual_purge_g,
        actual_cost=run.actual_cost, variance_pct=run.variance_pct)
    return run


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
    material_grams = material_estimates(materials, estimate.material_grams)
    started_at = started_at or timezone.now()
    run = ProductionRun.objects.create(
        tenant=tenant, run_number=run_number_next(tenant, started_at), started_at=started_at,
        workstation=workstation, location=location or (workstation.location if workstation else None),
        printer_name=printer_name or (workstation.name if workstation else ""), slicer=slicer,
        estimated_duration_s=estimated_duration_s if estimated_duration_s is not None else estimate.duration_s,
        bed_temp_c=bed_temp_c, nozzle_temp_c=nozzle_temp_c, notes=notes, original_run=original_run,
        gcode_filename=gcode_filename[:255], gcode_estimate=gcode_estimate, created_by=by)
    ProductionRunItem.objects.bulk_create([
        ProductionRunItem(run=run, product=spec.product, quantity=spec.quantity, bed_position=spec.bed_position,
                          estimated_cost=spec.estimated_cost if spec.estimated_cost is not None else (cost or ZERO))
        for spec, cost in zip(items, estimate.item_costs, strict=True)])
    ProductionRunMaterial.objects.bulk_create([
        ProductionRunMaterial(run=run, spool=spec.spool, estimated_weight_g=grams,
                              estimated_purge_g=spec.estimated_purge_g)
        for spec, grams in zip(materials, material_grams, strict=True)])
    return run_totals_refresh(run)


@traced("production_run.update")
@transaction.atomic
def production_run_update(*, run: ProductionRun, data: dict[str, Any]) -> ProductionRun:
    """Change the run's own fields (not its number). Raises RunStateError (409) unless in progress."""
    unknown = set(data) - RUN_FIELDS
    if unknown:
        raise ValidationError.for_field(sorted(unknown)[0], "cannot be changed.")
    run = lock_run_in_progress(run, "edit")
    _check_run_fields(run.tenant, data)
    return model_update(run, data=data)


@traced("production_run.item_add")
@transaction.atomic
def production_run_item_add(*, run: ProductionRun, item: ItemSpec) -> ProductionRunItem:
    """Add a product to an in-progress run (estimated cost from its recipe when not given)."""
    run = lock_run_in_progress(run, "edit")
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
    lock_run_in_progress(item.run, "edit")
    if data.get("quantity", 1) < 1:
        raise ValidationError.for_field("quantity", "must be at least 1.")
    if data.get("estimated_cost", ZERO) < 0:
        raise ValidationError.for_field("estimated_cost", "must be 0 or more.")
    if "quantity" in data and "estimated_cost" not in data and data["quantity"] != item.quantity:
        data = {**data, "estimated_cost": round_money(item.estimated_cost * data["quantity"] / item.quantity)}
    return model_update(item, data=data)


@traced("production_run.item_remove")
@transaction.atomic
def production_run_item_remove(*, item: ProductionRunItem) -> None:
    """Remove a product from an in-progress run; a run keeps at least one item."""
    run = lock_run_in_progress(item.run, "edit")
    if run.items.count() <= 1:
        raise ValidationError.for_field("items", "a run keeps at least one product.")
    item.delete()


@traced("production_run.material_add")
@transaction.atomic
def production_run_material_add(*, run: ProductionRun, material: MaterialSpec) -> ProductionRunMaterial:
    """Add a spool to an in-progress run; without an estimate it gets its material's recipe grams."""
    run = lock_run_in_progress(run, "edit")
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
    run = lock_run_in_progress(material.run, "edit")
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
    run = lock_run_in_progress(material.run, "edit")
    material.delete()
    run_totals_refresh(run)


def _rescaled_grams(run: ProductionRun, items: list[ProductionRunItem], quantities: dict[int, int],
                    materials: list[ProductionRunMaterial], kept: set[int]) -> dict[int, Decimal]:
    """The new estimated grams of the materials whose estimate is still the recipes' figure for the
    run's items as they were (not edited by hand) and not in ``kept`` (typed in this save), when
    ``quantities`` (item pk → new quantity) change the pieces: material pk → recipes' grams for the
    new quantities. Two queries when anything changes, none otherwise."""
    if all(quantities.get(item.pk, item.quantity) == item.quantity for item in items):
        return {}
    before = recipe_estimate(tenant=run.tenant, items=[(item.product, item.quantity) for item in items])
    after = recipe_estimate(tenant=run.tenant,
                            items=[(item.product, quantities.get(item.pk, item.quantity)) for item in items])
    per_material: dict[int, int] = {}
    for material in materials:
        per_material[material.spool.item_type_id] = per_material.get(material.spool.item_type_id, 0) + 1
    rescaled = {}
    for material in materials:
        type_id = material.spool.item_type_id
        if material.pk in kept or per_material[type_id] > 1 or type_id not in before.material_grams:
            continue
        if material.estimated_weight_g == before.material_grams[type_id]:
            rescaled[material.pk] = after.material_grams.get(type_id, ZERO)
    return rescaled


@traced("production_run.edit")
@transaction.atomic
def production_run_edit(*, run: ProductionRun, data: dict[str, Any], items: dict[int, dict[str, Any]],
                        materials: dict[int, dict[str, Any]]) -> ProductionRun:
    """Save the whole edit page of an in-progress run at once: its own ``data`` (see
    ``production_run_update``), each item's changes (item pk → quantity, bed position, estimated
    cost) and each material's (material pk → estimated grams and purge, g), all or nothing.

    A new quantity rescales, besides the item's cost, the estimated grams of every material whose
    estimate is still the recipes' figure for the old quantities (one spool of its material; grams
    typed in this save or edited by hand before are kept). Raises RunStateError (409) unless in
    progress; ValidationError (400) naming ``items[<pk>].<field>`` / ``materials[<pk>].<field>``
    for a quantity < 1 or negative cost or grams, and a pk not in the run; as
    ``production_run_update`` for the run's fields.
    """
    run = lock_run_in_progress(run, "edit")
    run_items = {item.pk: item for item in run.items.select_related("product")}
    run_materials = {material.pk: material for material in run.materials.select_related("spool")}
    for rows, known, name in ((items, run_items, "items"), (materials, run_materials, "materials")):
        for pk in rows:
            if pk not in known:
                raise ValidationError.for_field(f"{name}[{pk}]", "is not in this run.")
    quantities = {pk: changes["quantity"] for pk, changes in items.items() if "quantity" in changes}
    typed = {pk for pk, changes in materials.items() if "estimated_weight_g" in changes}
    rescaled = _rescaled_grams(run, list(run_items.values()), quantities, list(run_materials.values()), typed)
    materials = dict(materials)
    for pk, grams in rescaled.items():
        materials[pk] = {"estimated_weight_g": grams, **materials.get(pk, {})}
    if data:
        production_run_update(run=run, data=data)
    for pk, changes in items.items():
        if changes:
            _with_path(f"items[{pk}]", production_run_item_update, item=run_items[pk], data=changes)
    for pk, changes in materials.items():
        if changes:
            _with_path(f"materials[{pk}]", production_run_material_update, material=run_materials[pk], data=changes)
    return run_totals_refresh(run)


def _with_path(path: str, service: Any, **kwargs: Any) -> Any:
    """Call a row's service; its field errors come back named ``<path>.<field>``."""
    try:
        return service(**kwargs)
    except ValidationError as error:
        raise ValidationError(error.message, fields={f"{path}.{name}": messages
                                                     for name, messages in error.fields.items()}) from error


@traced("production_run.reprint")
@transaction.atomic
def production_run_reprint(*, run: ProductionRun, by: User, started_at: datetime | None = None) -> ProductionRun:
    """Create a new in-progress run for the failed pieces of ``run``, linked by ``original_run``,
    starting ``started_at`` (default now; it also dates the run number).

    Items: each product's failed quantity. Materials: the same spools (archived ones left out)
    with estimates scaled by failed pieces ÷ planned pieces. Raises RunStateError (409) when
    the run has no failed pieces.
    """
    run = lock_run(run)
    run_items = list(run.items.select_related("product"))
    failed = sum(item.failed_quantity for item in run_items)
    if run.status not in (Status.COMPLETED, Status.FAILED) or not failed:
        raise RunStateError(run=run, action="reprint", hint="Only runs with failed pieces can be reprinted.")
    share = Decimal(failed) / Decimal(sum(item.quantity for item in run_items))
    materials = [MaterialSpec(spool=m.spool, estimated_weight_g=round_grams(m.estimated_weight_g * share),
                              estimated_purge_g=round_grams(m.estimated_purge_g * share))
                 for m in run.materials.select_related("spool") if m.spool.status != Spool.Status.ARCHIVED]
    items = [ItemSpec(product=item.product, quantity=item.failed_quantity, bed_position=item.bed_position,
                      estimated_cost=round_money(item.estimated_cost * item.failed_quantity / item.quantity))
             for item in run_items if item.failed_quantity]
    duration = run.estimated_duration_s
    return production_run_create(
        tenant=run.tenant, by=by, items=items, materials=materials, workstation=run.workstation, started_at=started_at,
        location=run.location, printer_name=run.printer_name, slicer=run.slicer,
        estimated_duration_s=int((duration * share).to_integral_value(ROUND_HALF_UP)) if duration else duration,
        bed_temp_c=run.bed_temp_c, nozzle_temp_c=run.nozzle_temp_c, original_run=run,
        notes=f"Reprint of {run.run_number}")
