"""Plans writes: recipes, production plans and steps, generation, plan runs, jobs, transport."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from inventory.models import ItemType, Workstation
from inventory.services import StockLine, stock_transfer
from plans.errors import JobStateError, TransportJobStateError
from plans.generation import Generation, plan_generation_compute
from plans.models import (
    JobQueueEntry,
    ProductionPlan,
    ProductionPlanRun,
    ProductionPlanStep,
    Recipe,
    RecipeInput,
    TransportJob,
)
from plans.selectors import recipes_for_products
from prodtrack.exceptions import ValidationError
from prodtrack.models import Tenant, User
from prodtrack.services import model_delete, model_save_validated, model_update
from prodtrack.telemetry import traced


@dataclass(frozen=True)
class InputSpec:
    """One recipe input: ``quantity`` per run in the item's unit (grams of filament, pieces)."""

    item_type: ItemType
    quantity: Decimal


def _check_recipe(tenant: Tenant, product: ItemType, inputs: Sequence[InputSpec]) -> None:
    if product.tenant_id != tenant.pk:
        raise ValidationError.for_field("product", "not found.")
    if product.kind != ItemType.Kind.PRODUCT:
        raise ValidationError.for_field("product", f"{product.name} is a {product.kind}, not a product.")
    seen: set[int] = set()
    for index, spec in enumerate(inputs):
        field = f"inputs[{index}]"
        if spec.item_type.tenant_id != tenant.pk:
            raise ValidationError.for_field(f"{field}.item_type", "not found.")
        if spec.item_type.pk == product.pk:
            raise ValidationError.for_field(f"{field}.item_type", "a product cannot be an input of itself.")
        if spec.item_type.pk in seen:
            raise ValidationError.for_field(f"{field}.item_type", f"{spec.item_type.name} is listed twice.")
        if spec.quantity <= 0:
            raise ValidationError.for_field(f"{field}.quantity", "must be more than 0.")
        seen.add(spec.item_type.pk)


def _replace_inputs(recipe: Recipe, inputs: Sequence[InputSpec]) -> None:
    recipe.inputs.all().delete()
    RecipeInput.objects.bulk_create(
        [RecipeInput(recipe=recipe, item_type=spec.item_type, quantity=spec.quantity) for spec in inputs])


@traced("recipe.create")
@transaction.atomic
def recipe_create(*, tenant: Tenant, name: str, product: ItemType, inputs: Sequence[InputSpec] = (),
                  output_quantity: int = 1, duration_s: int = 0, activity: str = "printing",
                  is_active: bool = True, notes: str = "") -> Recipe:
    """Create a recipe with its inputs. Raises ValidationError (400) naming the field: a product
    that is not a product of the tenant, an input listed twice or ≤ 0, a taken name."""
    _check_recipe(tenant, product, inputs)
    recipe = model_save_validated(Recipe(
        tenant=tenant, name=name, product=product, output_quantity=output_quantity, duration_s=duration_s,
        activity=activity, is_active=is_active, notes=notes), unique_fields=["name"])
    _replace_inputs(recipe, inputs)
    return recipe


@traced("recipe.update")
@transaction.atomic
def recipe_update(*, recipe: Recipe, data: dict[str, Any], inputs: Sequence[InputSpec] | None = None) -> Recipe:
    """Update fields; when ``inputs`` is given it replaces the whole input list."""
    recipe = Recipe.objects.select_for_update().get(pk=recipe.pk)
    current = inputs if inputs is not None else [
        InputSpec(item_type=line.item_type, quantity=line.quantity) for line in recipe.inputs.select_related("item_type")]
    recipe = model_update(recipe, data=data, unique_fields=["name"],
                          check=lambda recipe: _check_recipe(recipe.tenant, recipe.product, current))
    if inputs is not None:
        _replace_inputs(recipe, inputs)
    return recipe


@traced("recipe.delete")
@transaction.atomic
def recipe_delete(*, recipe: Recipe) -> None:
    """Delete a recipe and its inputs (runs keep their own estimates; plan steps lose it). Raises
    InUseError (409) saying how many jobs use it: cancel or finish them first."""
    model_delete(recipe)


def _gcode_inputs(estimate: dict[str, Any], materials: Mapping[int, ItemType], tenant: Tenant) -> list[InputSpec]:
    """One input per filament with grams (two filaments of one item type add up)."""
    filaments = {filament["index"]: filament for filament in estimate.get("filaments") or []}
    for index in materials:
        if index not in filaments:
            raise ValidationError.for_field(f"materials.{index}", "the file has no filament with this index.")
    grams: dict[int, Decimal] = {}
    items: dict[int, ItemType] = {}
    for index, filament in sorted(filaments.items()):
        if not filament.get("grams"):
            continue
        item = materials.get(index)
        label = f"filament {index + 1}" + (f" ({filament['material']})" if filament.get("material") else "")
        if item is None:
            raise ValidationError.for_field(f"materials.{index}", f"choose the material item type of {label}.")
        if item.tenant_id != tenant.pk:
            raise ValidationError.for_field(f"materials.{index}", "not found.")
        if item.kind != ItemType.Kind.MATERIAL:
            raise ValidationError.for_field(f"materials.{index}", f"{item.name} is a {item.kind}, not a material.")
        items[item.pk] = item
        grams[item.pk] = grams.get(item.pk, Decimal("0")) + Decimal(str(filament["grams"])).quantize(Decimal("0.01"))
    return [InputSpec(item_type=items[pk], quantity=quantity) for pk, quantity in grams.items()]


@traced("recipe.from_gcode")
@transaction.atomic
def recipe_from_gcode(*, tenant: Tenant, product: ItemType, estimate: dict[str, Any],
                      materials: Mapping[int, ItemType], recipe: Recipe | None = None, name: str = "") -> Recipe:
    """Create (or, given ``recipe``, update) ``product``'s recipe from a slicer estimate
    (``dataclasses.asdict`` of ``slicing.GcodeEstimate``): output quantity = the pieces on the
    plate (objects × copies; an object without a stated count is 1; 1 when the file lists no
    objects), duration = the print time (0 when unknown), one input per filament with grams, of
    the material item type ``materials[filament index]`` chooses. Updating replaces the
    filament inputs and keeps the parts (components and products: a file knows none) and the
    recipe's id and name. Raises ValidationError (400) naming the field: a filament
    without a material (``materials.<index>``), a mapping to a non-material, another tenant's
    item, an index the file does not have, a recipe of another product (``recipe_id``), and the
    errors of ``recipe_create``.
    """
    objects = estimate.get("objects") or []
    output = sum(obj.get("copies") or 1 for obj in objects) or 1
    data = {"output_quantity": output, "duration_s": estimate.get("print_time_s") or 0}
    inputs = _gcode_inputs(estimate, materials, tenant)
    if recipe is not None:
        if recipe.tenant_id != tenant.pk or recipe.product_id != product.pk:
            raise ValidationError.for_field("recipe_id", f"recipe {recipe.pk} does not make {product.name}.")
        parts = [InputSpec(item_type=line.item_type, quantity=line.quantity)
                 for line in recipe.inputs.select_related("item_type").exclude(item_type__kind=ItemType.Kind.MATERIAL)]
        return recipe_update(recipe=recipe, data=data, inputs=inputs + parts)
    return recipe_create(tenant=tenant, name=name or f"{product.name} (G-code)", product=product, inputs=inputs,
                         **data)


# --- production plans and their step trees ----------------------------------------------------

PERCENT_FIELDS = ("material_efficiency", "time_efficiency")
STEP_FIELDS = {"recipe", "material_efficiency", "time_efficiency", "tax_per_run", "location", "workstation_kind"}


def _check_step_values(tenant: Tenant, product: ItemType, data: dict[str, Any]) -> None:
    for name in PERCENT_FIELDS:
        value = data.get(name)
        if value is not None and not Decimal("0") <= value <= Decimal("100"):
            raise ValidationError.for_field(name, "must be a percentage from 0 to 100.")
    if data.get("tax_per_run") is not None and data["tax_per_run"] < 0:
        raise ValidationError.for_field("tax_per_run", "must be 0 or more.")
    recipe = data.get("recipe")
    if recipe is not None and (recipe.tenant_id != tenant.pk or recipe.product_id != product.pk):
        raise ValidationError.for_field("recipe", f"must be a recipe that makes {product.name}.")
    location = data.get("location")
    if location is not None and location.tenant_id != tenant.pk:
        raise ValidationError.for_field("location", "not found.")


@traced("production_plan.create")
@transaction.atomic
def production_plan_create(*, tenant: Tenant, name: str, product: ItemType, notes: str = "",
                           transport_enabled: bool = False, transport_cost_per_item: Decimal = Decimal("0"),
                           root: dict[str, Any] | None = None) -> ProductionPlan:
    """Create a plan and its root step (made with the product's recipe; ``root`` sets its fields).

    Raises ValidationError (400): a product that is not a product of the tenant, a taken name,
    bad step settings.
    """
    if product.tenant_id != tenant.pk or product.kind != ItemType.Kind.PRODUCT:
        raise ValidationError.for_field("product", "must be one of your products.")
    if transport_cost_per_item < 0:
        raise ValidationError.for_field("transport_cost_per_item", "must be 0 or more.")
    plan = model_save_validated(ProductionPlan(
        tenant=tenant, name=name, product=product, notes=notes, transport_enabled=transport_enabled,
        transport_cost_per_item=transport_cost_per_item), unique_fields=["name"])
    root = dict(root or {})
    root.setdefault("recipe", recipes_for_products(tenant=tenant, product_ids=[product.pk]).get(product.pk))
    _check_step_values(tenant, product, root)
    ProductionPlanStep.objects.create(plan=plan, product=product, **root)
    return plan


@traced("production_plan.update")
@transaction.atomic
def production_plan_update(*, plan: ProductionPlan, data: dict[str, Any]) -> ProductionPlan:
    """Rename a plan or change its notes and transport settings (the product is fixed)."""
    allowed = {"name", "notes", "transport_enabled", "transport_cost_per_item"}
    unknown = set(data) - allowed
    if unknown:
        raise ValidationError.for_field(sorted(unknown)[0], "cannot be changed.")
    if data.get("transport_cost_per_item", Decimal("0")) < 0:
        raise ValidationError.for_field("transport_cost_per_item", "must be 0 or more.")
    plan = ProductionPlan.objects.select_for_update().get(pk=plan.pk)   # the caller's object stays as it was
    return model_update(plan, data=data, unique_fields=["name"])


@traced("production_plan.delete")
@transaction.atomic
def production_plan_delete(*, plan: ProductionPlan) -> None:
    """Delete a plan with its steps and plan runs; their jobs stay in the queue (unlinked), its
    stockpile markers lose it. Raises InUseError (409) if anything still protects it."""
    model_delete(plan)


@traced("production_plan_step.add")
@transaction.atomic
def production_plan_step_add(*, parent: ProductionPlanStep, product: ItemType,
                             data: dict[str, Any] | None = None) -> ProductionPlanStep:
    """Make an input of ``parent``'s recipe in the plan ("make" instead of "buy").

    The new step uses the product's recipe unless ``data["recipe"]`` says otherwise. Raises
    ValidationError (400) when the product is not a product (materials and components are
    bought), not an input of the parent's recipe, already has a step there, or appears among the
    parent's ancestors (a cycle).
    """
    parent = ProductionPlanStep.objects.select_related("plan__tenant", "recipe").get(pk=parent.pk)
    tenant = parent.plan.tenant
    if product.kind != ItemType.Kind.PRODUCT:
        raise ValidationError.for_field(
            "product", f"{product.name} is a {product.kind}: only products are made (it is bought).")
    if parent.recipe is None or not parent.recipe.inputs.filter(item_type=product).exists():
        raise ValidationError.for_field("product", f"{product.name} is not an input of the parent step's recipe.")
    if parent.children.filter(product=product).exists():
        raise ValidationError.for_field("product", f"{product.name} already has a step here.")
    ancestor: ProductionPlanStep | None = parent
    while ancestor is not None:
        if ancestor.product_id == product.pk:
            raise ValidationError.for_field("product", f"{product.name} would be made from itself (a cycle).")
        ancestor = ancestor.parent
    data = dict(data or {})
    data.setdefault("recipe", recipes_for_products(tenant=tenant, product_ids=[product.pk]).get(product.pk))
    data.setdefault("location", parent.location)
    _check_step_values(tenant, product, data)
    return ProductionPlanStep.objects.create(plan=parent.plan, parent=parent, product=product, **data)


@traced("production_plan_step.update")
@transaction.atomic
def production_plan_step_update(*, step: ProductionPlanStep, data: dict[str, Any]) -> ProductionPlanStep:
    """Change a step's recipe, efficiencies (percent), tax per run, location or workstation kind."""
    unknown = set(data) - STEP_FIELDS
    if unknown:
        raise ValidationError.for_field(sorted(unknown)[0], "cannot be changed.")
    _check_step_values(step.plan.tenant, step.product, data)
    return model_update(step, data=data)


@traced("production_plan_step.remove")
@transaction.atomic
def production_plan_step_remove(*, step: ProductionPlanStep) -> None:
    """Remove a step and its subtree (its input becomes "buy"). The root step stays."""
    if step.parent_id is None:
        raise ValidationError.for_field("step", "the root step cannot be removed; delete the plan instead.")
    step.delete()


# --- generation, plan runs and jobs ------------------------------------------------------------

@dataclass
class GenerationResult:
    """A written generation: the plan run with its jobs and transports (ordered), and what the
    computation reported (skipped steps, materials)."""

    run: ProductionPlanRun
    jobs: list[JobQueueEntry]
    transport_jobs: list[TransportJob]
    generation: Generation


def plan_preview(*, plan: ProductionPlan, quantity: int, parallelism: int = 0) -> Generation:
    """What generating would make, without writing anything (see ``plans.generation``)."""
    return plan_generation_compute(plan=plan, quantity=quantity, parallelism=parallelism)


@traced("production_plan.generate")
@transaction.atomic
def plan_generate(*, plan: ProductionPlan, by: User | None, quantity: int, parallelism: int = 0,
                  source: str = ProductionPlanRun.Source.MANUAL, at: datetime | None = None) -> GenerationResult:
    """Generate ``quantity`` pieces of ``plan`` in one transaction: a plan run, its merged
    depth-ordered jobs and its transport jobs, with bulk inserts (the query count does not grow
    with the number of jobs). ``at`` dates the run and its jobs (default now). Raises
    ValidationError (400) as ``plan_generation_compute``.
    """
    generation = plan_generation_compute(plan=plan, quantity=quantity, parallelism=parallelism)
    at = at or timezone.now()
    run = ProductionPlanRun.objects.create(tenant=plan.tenant, plan=plan, created_by=by, quantity=quantity,
                                           parallelism=parallelism, source=source, created_at=at)
    transports = TransportJob.objects.bulk_create([
        TransportJob(tenant=plan.tenant, plan_run=run, origin=t.origin, destination=t.destination,
                     items=t.items_json(), estimated_cost=t.estimated_cost, sort_order=t.sort_order, created_at=at)
        for t in generation.transports])
    by_route = {(t.origin_id, t.destination_id): t for t in transports}
    jobs = JobQueueEntry.objects.bulk_create([
        JobQueueEntry(
            tenant=plan.tenant, plan_run=run, plan_step_id=job.step.pk, recipe=job.recipe,
            product_id=job.recipe.product_id, activity=job.recipe.activity, runs=job.runs, quantity=job.quantity,
            material_efficiency=job.step.material_efficiency, time_efficiency=job.step.time_efficiency,
            tax_per_run=job.step.tax_per_run, estimated_cost=job.estimated_cost,
            estimated_duration_s=job.estimated_duration_s, location=job.step.location, workstation=job.workstation,
            depth=job.depth, sort_order=job.sort_order, transport_job=by_route.get(job.route), created_at=at)
        for job in generation.jobs])
    return GenerationResult(run=run, jobs=jobs, transport_jobs=transports, generation=generation)


@traced("production_plan_run.delete")
@transaction.atomic
def plan_run_delete(*, plan_run: ProductionPlanRun) -> None:
    """Delete a plan run; its jobs survive with ``plan_run`` set to NULL."""
    plan_run.delete()


@traced("production_plan_run.cancel")
@transaction.atomic
def plan_run_cancel(*, plan_run: ProductionPlanRun) -> int:
    """Cancel the run's ``planned`` jobs with one UPDATE (active and completed jobs stay) and its
    transport jobs that have not left yet; returns how many jobs were cancelled."""
    TransportJob.objects.filter(plan_run=plan_run, status=TransportJob.Status.PLANNED).update(
        status=TransportJob.Status.CANCELLED)
    return JobQueueEntry.objects.filter(plan_run=plan_run, status=JobQueueEntry.Status.PLANNED).update(
        status=JobQueueEntry.Status.CANCELLED)


@traced("job.cancel")
@transaction.atomic
def job_cancel(*, job: JobQueueEntry) -> JobQueueEntry:
    """Cancel a planned job. Raises JobStateError (409) for a job that is not planned."""
    job = JobQueueEntry.objects.select_for_update().get(pk=job.pk)
    if job.status != JobQueueEntry.Status.PLANNED:
        raise JobStateError(job=job, action="cancel")
    job.status = JobQueueEntry.Status.CANCELLED
    job.save(update_fields=["status"])
    return job


@traced("job.claim")
@transaction.atomic(savepoint=False)  # inside the caller's transaction: no savepoint round trips
def job_claim(*, job: JobQueueEntry, workstation: Workstation | None = None) -> JobQueueEntry:
    """The job's side of starting it: lock the planned job and make it ``active`` on
    ``workstation`` (default: the job's own). Returns the locked job with its recipe, product,
    workstation and location loaded. The production run that executes it is created by the
    caller (``runs.services.job_start``) in the same transaction.

    Raises JobStateError (409) unless the job is planned, ValidationError (400) naming
    ``workstation`` when neither the job nor the workstation gives the output a location.
    """
    job = JobQueueEntry.objects.select_for_update(of=("self",)).select_related(
        "recipe", "product", "workstation", "location").get(pk=job.pk)
    if job.status != JobQueueEntry.Status.PLANNED:
        raise JobStateError(job=job, action="start")
    workstation = workstation or job.workstation
    if job.location is None and (workstation is None or workstation.location_id is None):
        raise ValidationError.for_field("workstation", "choose a workstation: the job has no location for its output.")
    job.status = JobQueueEntry.Status.ACTIVE
    job.workstation = workstation
    job.save(update_fields=["status", "workstation"])
    return job


RUN_ENDING_JOB_STATUS = {"completed": JobQueueEntry.Status.COMPLETED, "failed": JobQueueEntry.Status.PLANNED,
                         "cancelled": JobQueueEntry.Status.PLANNED}
"""A job follows its production run (DESIGN §5): completed with a completed run, back to
``planned`` when the run fails or is cancelled."""


@traced("job.follow_run")
@transaction.atomic(savepoint=False)
def job_follow_run(*, job_id: int | None, run_status: str) -> None:
    """Move the job of a production run that just ended with ``run_status`` (completed, failed,
    cancelled) to the status ``RUN_ENDING_JOB_STATUS`` gives: one UPDATE; nothing when the run has
    no job (``job_id`` None). Raises KeyError for a run status that ends no job."""
    status = RUN_ENDING_JOB_STATUS[run_status]
    if job_id is not None:
        JobQueueEntry.objects.filter(pk=job_id).update(status=status)


TRANSPORT_FLOW = {
    TransportJob.Status.PLANNED: {TransportJob.Status.IN_TRANSIT, TransportJob.Status.CANCELLED},
    TransportJob.Status.IN_TRANSIT: {TransportJob.Status.DELIVERED, TransportJob.Status.CANCELLED},
}


@traced("transport_job.set_status")
@transaction.atomic
def transport_job_set_status(*, transport_job: TransportJob, status: str, by: User,
                             at: datetime | None = None) -> TransportJob:
    """Move a transport job planned → in transit → delivered (or cancel it before delivery).
    ``delivered`` posts its items as one stock transfer from its origin to its destination
    (``inventory.services.stock_transfer``, referenced ``transport_job``), dated ``at`` (default now).

    Raises ValidationError (400) for an unknown status, TransportJobStateError (409) for a move the
    current status does not allow (nothing moves after delivery, so cancelling then is refused),
    StockShortError (409) when the origin lacks the items; nothing is written then.
    """
    if status not in TransportJob.Status.values:
        raise ValidationError.for_field("status", f"must be one of {', '.join(TransportJob.Status.values)}.")
    transport_job = (TransportJob.objects.select_for_update(of=("self",)).select_related("origin", "destination")
                     .get(pk=transport_job.pk))
    if status not in TRANSPORT_FLOW.get(transport_job.status, set()):
        raise TransportJobStateError(transport_job=transport_job, status=status)
    if status == TransportJob.Status.DELIVERED:
        _transport_deliver(transport_job, by=by, at=at)
    transport_job.status = status
    transport_job.save(update_fields=["status"])
    return transport_job


def _transport_deliver(transport_job: TransportJob, *, by: User, at: datetime | None) -> None:
    """The transfer a delivered transport job posts: each of its items, origin → destination."""
    quantities = {int(row["item_type_id"]): Decimal(str(row["quantity"])) for row in transport_job.items}
    items = ItemType.objects.for_tenant(transport_job.tenant_id).in_bulk(quantities)
    stock_transfer(tenant=transport_job.tenant, by=by, at=at, origin=transport_job.origin,
                   destination=transport_job.destination, reference_type="transport_job",
                   reference_id=str(transport_job.pk), reference_label=f"Transport #{transport_job.pk}",
                   items=[StockLine(item_type=items[pk], quantity=quantity) for pk, quantity in quantities.items()])
