"""Job generation: quantity N of a plan → merged, depth-ordered jobs (DESIGN §5).

Pure computation over a loaded plan; ``plans.services.plan_generate`` writes the result and
``plan_preview`` returns it as is. All arithmetic is Decimal (no binary floats):

* a step with recipe output ``o`` makes ``qty`` pieces in ``runs = ceil(qty / o)`` runs;
* an input made by a child step needs ``max(runs, ceil(runs × input_qty × (100 − ME) / 100))``
  pieces, and the walk recurses into the child with that quantity (depth + 1);
* an input without a child step is bought or taken from stock: ``runs × input_qty × (100 − ME) / 100``
  of it goes to the materials list (whole pieces rounded up, grams exact);
* a job lasts ``runs × duration_s × (100 − TE) / 100`` seconds (rounded up) and costs
  ``runs × tax`` plus its bought inputs at their unit cost;
* identical jobs (same recipe, activity, ME, TE and tax) are merged — runs, costs and durations
  summed, the deepest depth kept; ``sort_order = depth × 2`` and transport jobs take the odd
  values between (a child's output moves before its parent runs); jobs list deepest first;
* parallelism P splits a job's runs over at most P able workstations (0 = all of them), the
  least loaded first; without any, the job stays unassigned.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Prefetch, Sum

from inventory.models import ItemType, Location, Workstation
from plans.models import JobQueueEntry, ProductionPlan, ProductionPlanStep, Recipe, RecipeInput
from prodtrack.exceptions import ValidationError

HUNDRED = Decimal("100")
CENT = Decimal("0.01")
MAX_QUANTITY = 1_000_000          # pieces per generation
MAX_JOB_PIECES = 2_147_483_647    # a job's runs and pieces are 32-bit integers in the database


def ceil(value: Decimal) -> int:
    """Smallest integer ≥ ``value`` (exact for Decimals)."""
    return int(value.to_integral_value(rounding=ROUND_CEILING))


def input_needed(runs: int, quantity: Decimal, material_efficiency: Decimal) -> int:
    """Pieces of a made input that ``runs`` runs take (DESIGN §5):
    ``max(runs, ceil(runs × quantity × (100 − material efficiency %) / 100))``, exact decimals. The
    child job of a generated plan makes this many, and a job's readiness asks for as many."""
    return max(runs, ceil(Decimal(runs) * quantity * (HUNDRED - material_efficiency) / HUNDRED))


@dataclass
class PlannedJob:
    """A job to create: one workstation's share of a merged job (``workstation`` None: unassigned)."""

    recipe: Recipe
    step: ProductionPlanStep
    runs: int
    estimated_cost: Decimal
    estimated_duration_s: int
    depth: int
    workstation: Workstation | None = None
    route: tuple[int, int] | None = None   # (origin, destination) its output is transported on

    @property
    def key(self) -> tuple:
        return (self.recipe.pk, self.recipe.activity, self.step.material_efficiency, self.step.time_efficiency,
                self.step.tax_per_run)

    @property
    def sort_order(self) -> int:
        return self.depth * 2

    @property
    def quantity(self) -> int:
        return self.runs * self.recipe.output_quantity


@dataclass
class SkippedStep:
    step_id: int
    product_id: int
    product_name: str
    reason: str


@dataclass
class MaterialNeed:
    """A bought input: ``quantity`` in its unit (grams exact, pieces rounded up)."""

    item_type: ItemType
    quantity: Decimal


@dataclass
class PlannedTransport:
    """Moving outputs from ``origin`` to ``destination``: ``items`` maps item type → pieces."""

    origin: Location
    destination: Location
    depth: int
    items: dict[int, int] = field(default_factory=dict)
    names: dict[int, str] = field(default_factory=dict)
    cost_per_item: Decimal = Decimal("0")

    @property
    def sort_order(self) -> int:
        return self.depth * 2 + 1

    @property
    def estimated_cost(self) -> Decimal:
        return (self.cost_per_item * sum(self.items.values())).quantize(CENT, ROUND_HALF_UP)

    def items_json(self) -> list[dict[str, Any]]:
        return [{"item_type_id": pk, "name": self.names[pk], "quantity": qty} for pk, qty in self.items.items()]


@dataclass
class Generation:
    """What generating ``quantity`` of ``plan`` makes: jobs deepest first, skipped steps,
    materials to source, transport routes."""

    plan: ProductionPlan
    quantity: int
    parallelism: int
    jobs: list[PlannedJob]
    skipped: list[SkippedStep]
    materials: list[MaterialNeed]
    transports: list[PlannedTransport]


def load_plan_tree(plan: ProductionPlan) -> list[ProductionPlanStep]:
    """The plan's steps with product, location and recipe (inputs and their items): 2 queries."""
    inputs = Prefetch("recipe__inputs", queryset=RecipeInput.objects.select_related("item_type"))
    return list(ProductionPlanStep.objects.filter(plan=plan)
                .select_related("product", "location", "recipe").prefetch_related(inputs).order_by("id"))


class _Walk:
    def __init__(self, plan: ProductionPlan, steps: list[ProductionPlanStep]) -> None:
        self.plan = plan
        self.children: dict[int | None, dict[int, ProductionPlanStep]] = defaultdict(dict)
        for step in steps:
            self.children[step.parent_id][step.product_id] = step
        self.jobs: dict[tuple, PlannedJob] = {}
        self.skipped: list[SkippedStep] = []
        self.materials: dict[int, MaterialNeed] = {}
        self.transports: dict[tuple[int, int], PlannedTransport] = {}

    def root(self) -> ProductionPlanStep:
        roots = list(self.children[None].values())
        if not roots:
            raise ValidationError.for_field("plan", f"plan {self.plan.name!r} has no root step.")
        return roots[0]

    def skip(self, step: ProductionPlanStep, reason: str) -> None:
        self.skipped.append(SkippedStep(step_id=step.pk, product_id=step.product_id,
                                        product_name=step.product.name, reason=reason))

    def walk(self, step: ProductionPlanStep, quantity: int, depth: int, path: tuple[int, ...]) -> PlannedJob | None:
        if step.product_id in path:
            raise ValidationError.for_field(f"steps[{step.pk}]", f"{step.product.name} is made from itself (a cycle).")
        recipe = step.recipe
        if recipe is None:
            self.skip(step, "no recipe")
            return None
        if not recipe.is_active:
            self.skip(step, f"recipe {recipe.name!r} is inactive")
            return None
        if recipe.product_id != step.product_id:
            self.skip(step, f"recipe {recipe.name!r} makes another product")
            return None
        runs = ceil(Decimal(quantity) / recipe.output_quantity)
        share = (HUNDRED - step.material_efficiency) / HUNDRED
        cost = Decimal(runs) * step.tax_per_run
        inputs = {line.item_type_id: line for line in recipe.inputs.all()}
        for product_id in self.children[step.pk]:
            if product_id not in inputs:
                child = self.children[step.pk][product_id]
                raise ValidationError.for_field(
                    f"steps[{child.pk}]", f"{child.product.name} is not an input of {recipe.name!r}.")
        for line in inputs.values():
            exact = Decimal(runs) * line.quantity * share
            child = self.children[step.pk].get(line.item_type_id)
            if child is not None:
                needed = input_needed(runs, line.quantity, step.material_efficiency)
                child_job = self.walk(child, needed, depth + 1, path + (step.product_id,))
                self.transport(child, step, needed, depth, child_job)
            else:
                need = self.materials.setdefault(line.item_type_id, MaterialNeed(line.item_type, Decimal("0")))
                need.quantity += exact
                cost += exact * line.item_type.unit_cost
        duration = ceil(Decimal(runs) * recipe.duration_s * (HUNDRED - step.time_efficiency) / HUNDRED)
        job = PlannedJob(recipe=recipe, step=step, runs=runs, estimated_cost=cost, estimated_duration_s=duration,
                         depth=depth)
        merged = self.jobs.get(job.key)
        if merged is None:
            self.jobs[job.key] = job
            return job
        merged.runs += job.runs
        merged.estimated_cost += job.estimated_cost
        merged.estimated_duration_s += job.estimated_duration_s
        merged.depth = max(merged.depth, job.depth)
        return merged

    def transport(self, child: ProductionPlanStep, parent: ProductionPlanStep, pieces: int, depth: int,
                  child_job: PlannedJob | None) -> None:
        if not (self.plan.transport_enabled and child.location_id and parent.location_id
                and child.location_id != parent.location_id):
            return
        route = (child.location_id, parent.location_id)
        planned = self.transports.setdefault(route, PlannedTransport(
            origin=child.location, destination=parent.location, depth=depth,
            cost_per_item=self.plan.transport_cost_per_item))
        planned.depth = max(planned.depth, depth)
        planned.items[child.product_id] = planned.items.get(child.product_id, 0) + pieces
        planned.names[child.product_id] = child.product.name
        if child_job is not None and child_job.route is None:
            child_job.route = route


def _able_workstations(tenant_id: int) -> tuple[list[Workstation], dict[int, int]]:
    """Active workstations and the runs already queued on each (planned or active): 2 queries."""
    workstations = list(Workstation.objects.filter(tenant_id=tenant_id, is_active=True).order_by("name", "id"))
    load = dict(JobQueueEntry.objects.filter(tenant_id=tenant_id, workstation__isnull=False,
                                             status__in=[JobQueueEntry.Status.PLANNED, JobQueueEntry.Status.ACTIVE])
                .values_list("workstation_id").annotate(runs=Sum("runs")).order_by())
    return workstations, load


def _split(job: PlannedJob, workstations: list[Workstation], load: dict[int, int], parallelism: int) -> list[PlannedJob]:
    """Split ``job`` over at most ``parallelism`` able workstations (0 = all), least loaded first.

    Runs are shared as evenly as possible (the first shares get the remainder); cost and duration
    follow the runs, the last share taking the rounding so the sums stay exact.
    """
    step = job.step
    able = [w for w in workstations
            if (not step.workstation_kind or w.kind == step.workstation_kind)
            and (not step.location_id or w.location_id == step.location_id)
            and (not w.activities or job.recipe.activity in w.activities)]
    able.sort(key=lambda w: (load.get(w.pk, 0), w.name, w.pk))
    count = min(len(able), parallelism or len(able), job.runs)
    if count <= 1:
        job.workstation = able[0] if able else None
        if job.workstation:
            load[job.workstation.pk] = load.get(job.workstation.pk, 0) + job.runs
        job.estimated_cost = job.estimated_cost.quantize(CENT, ROUND_HALF_UP)
        return [job]
    base, extra = divmod(job.runs, count)
    shares, cost_left, seconds_left = [], job.estimated_cost, job.estimated_duration_s
    for index, workstation in enumerate(able[:count]):
        runs = base + (1 if index < extra else 0)
        last = index == count - 1
        cost = cost_left if last else (job.estimated_cost * runs / job.runs).quantize(CENT, ROUND_HALF_UP)
        seconds = seconds_left if last else ceil(Decimal(job.estimated_duration_s) * runs / job.runs)
        cost_left, seconds_left = cost_left - cost, seconds_left - seconds
        load[workstation.pk] = load.get(workstation.pk, 0) + runs
        shares.append(PlannedJob(recipe=job.recipe, step=job.step, runs=runs, depth=job.depth, route=job.route,
                                 estimated_cost=cost.quantize(CENT, ROUND_HALF_UP),
                                 estimated_duration_s=max(0, seconds), workstation=workstation))
    return shares


def plan_generation_compute(*, plan: ProductionPlan, quantity: int, parallelism: int = 0) -> Generation:
    """Compute (not write) the generation of ``quantity`` pieces of ``plan``.

    Raises ValidationError (400) for a quantity < 1 or > 1,000,000 (or one whose jobs would not
    fit the database), a parallelism < 0, a plan without a root
    step, a child step whose product is not an input of its parent's recipe, or a cycle.
    A fixed number of queries (steps with recipes and inputs, workstations and their load).
    """
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
        raise ValidationError.for_field("quantity", "must be a whole number of at least 1.")
    if quantity > MAX_QUANTITY:
        raise ValidationError.for_field("quantity", f"must be at most {MAX_QUANTITY:,}.")
    if isinstance(parallelism, bool) or not isinstance(parallelism, int) or parallelism < 0:
        raise ValidationError.for_field("parallelism", "must be a whole number, 0 or more (0 = all workstations).")
    walk = _Walk(plan, load_plan_tree(plan))
    walk.walk(walk.root(), quantity, 0, ())
    workstations, load = _able_workstations(plan.tenant_id)
    merged = sorted(walk.jobs.values(), key=lambda job: (-job.depth, job.step.pk))
    too_big = next((job for job in merged if job.quantity > MAX_JOB_PIECES), None)
    if too_big is not None:
        raise ValidationError.for_field(
            "quantity", f"is too large: {too_big.recipe.product.name} would need {too_big.quantity:,} pieces.")
    jobs = [share for job in merged for share in _split(job, workstations, load, parallelism)]
    materials = []
    for need in walk.materials.values():
        if need.item_type.unit == ItemType.Unit.PIECES:
            need.quantity = Decimal(ceil(need.quantity))
        materials.append(need)
    materials.sort(key=lambda need: need.item_type.name)
    transports = sorted(walk.transports.values(), key=lambda t: (-t.sort_order, t.origin.name, t.destination.name))
    return Generation(plan=plan, quantity=quantity, parallelism=parallelism, jobs=jobs, skipped=walk.skipped,
                      materials=materials, transports=transports)
