"""Plans reads: recipes, plans, plan runs (status derived from their jobs), jobs, transports."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Case, CharField, Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce

from inventory.models import ItemType, Spool, StockBalance
from plans.filters import JobFilter, PlanFilter, PlanRunFilter, RecipeFilter, TransportJobFilter
from plans.generation import input_needed
from plans.models import (
    JobQueueEntry,
    ProductionPlan,
    ProductionPlanRun,
    ProductionPlanStep,
    Recipe,
    RecipeInput,
    TransportJob,
)
from prodtrack.exceptions import NotFoundError
from prodtrack.filters import apply_filters
from prodtrack.models import Tenant
from prodtrack.tenancy import get_for_tenant

ZERO = Decimal("0")

INPUTS = Prefetch("inputs", queryset=RecipeInput.objects.select_related("item_type"))


def recipe_list(*, tenant: Tenant, filters: Any = None) -> QuerySet[Recipe]:
    """Recipes by name with product and inputs (3 queries for any page: rows, inputs + items)."""
    qs = Recipe.objects.for_tenant(tenant).select_related("product").prefetch_related(INPUTS)
    return apply_filters(RecipeFilter, filters, qs, tenant=tenant)


def recipe_get(*, tenant: Tenant, pk: Any) -> Recipe:
    """One recipe with product and inputs, or NotFoundError (404)."""
    return get_for_tenant(Recipe.objects.select_related("product").prefetch_related(INPUTS), tenant, pk)


def recipe_product_choices(*, tenant: Tenant) -> QuerySet[ItemType]:
    """Products a recipe can make, by name (active ones, for the editor's and the list's pickers)."""
    return ItemType.objects.for_tenant(tenant).filter(kind=ItemType.Kind.PRODUCT, is_active=True).order_by("name", "id")


def recipe_input_choices(*, tenant: Tenant) -> tuple[list[ItemType], list[ItemType]]:
    """What a recipe's input rows offer, 2 queries: active materials, the farm's stocked ones
    (an active spool) first, each annotated ``stocked``; and parts: active components and
    products by name."""
    stocked = Spool.objects.filter(item_type=OuterRef("pk"), status=Spool.Status.ACTIVE)
    materials = list(ItemType.objects.for_tenant(tenant).filter(kind=ItemType.Kind.MATERIAL, is_active=True)
                     .annotate(stocked=Exists(stocked)).order_by("-stocked", "name", "id"))
    parts = list(ItemType.objects.for_tenant(tenant).filter(
        kind__in=[ItemType.Kind.COMPONENT, ItemType.Kind.PRODUCT], is_active=True).order_by("kind", "name", "id"))
    return materials, parts


def product_recipes(*, tenant: Tenant, product: ItemType) -> list[Recipe]:
    """A product's recipes (the one used first: active, then by id) with inputs: 3 queries."""
    return list(Recipe.objects.for_tenant(tenant).filter(product=product).prefetch_related(INPUTS)
                .order_by("-is_active", "id"))


def recipe_plans(*, recipe: Recipe) -> QuerySet[ProductionPlan]:
    """The plans with a step that makes its product with ``recipe``, by name (one query)."""
    return ProductionPlan.objects.filter(steps__recipe=recipe).distinct().order_by("name", "id")


def recipes_for_products(*, tenant: Tenant, product_ids: Iterable[int]) -> dict[int, Recipe]:
    """The recipe of each product (its first active recipe by id), inputs prefetched; 2 queries."""
    recipes: dict[int, Recipe] = {}
    qs = (Recipe.objects.for_tenant(tenant).filter(product_id__in=set(product_ids), is_active=True)
          .prefetch_related(INPUTS).order_by("id"))
    for recipe in qs:
        recipes.setdefault(recipe.product_id, recipe)
    return recipes


# --- plans, plan runs and jobs ------------------------------------------------------------------

def _job_count(status: str | None = None) -> Coalesce:
    """A correlated count of the plan run's jobs (of ``status``): ``COUNT(*)`` so the
    (plan_run, status) index answers it alone."""
    jobs = JobQueueEntry.objects.filter(plan_run=OuterRef("pk"))
    if status:
        jobs = jobs.filter(status=status)
    return Coalesce(Subquery(jobs.order_by().values("plan_run").annotate(n=Count("*")).values("n")), 0)


PLAN_RUN_STATUS = Case(
    When(job_total=0, then=Value("pending")),
    When(job_total=F("job_completed") + F("job_cancelled"), then=Value("completed")),
    When(Q(job_active__gt=0) | Q(job_completed__gt=0), then=Value("in_progress")),
    default=Value("pending"), output_field=CharField())


def with_job_summary(queryset: QuerySet[ProductionPlanRun]) -> QuerySet[ProductionPlanRun]:
    """Annotate ``job_total/planned/active/completed/cancelled`` and the derived ``status``:

    no jobs → pending; all completed or cancelled → completed; any active or completed →
    in_progress; otherwise (all planned) → pending. One query for any page of runs.
    """
    Status = JobQueueEntry.Status
    return queryset.annotate(
        job_planned=_job_count(Status.PLANNED), job_active=_job_count(Status.ACTIVE),
        job_completed=_job_count(Status.COMPLETED), job_cancelled=_job_count(Status.CANCELLED),
    ).annotate(
        job_total=F("job_planned") + F("job_active") + F("job_completed") + F("job_cancelled"),
    ).annotate(status=PLAN_RUN_STATUS)


def plan_list(*, tenant: Tenant, filters: Any = None) -> QuerySet[ProductionPlan]:
    """Plans by name with their product and last run (its time and derived status): one query."""
    last = ProductionPlanRun.objects.filter(plan=OuterRef("pk")).order_by("-created_at", "-id")
    last_status = with_job_summary(ProductionPlanRun.objects.filter(pk=OuterRef("last_run_id"))).values("status")
    qs = (ProductionPlan.objects.for_tenant(tenant).select_related("product")
          .annotate(last_run_id=Subquery(last.values("pk")[:1]), last_run_at=Subquery(last.values("created_at")[:1]))
          .annotate(last_run_status=Subquery(last_status[:1])))
    return apply_filters(PlanFilter, filters, qs, tenant=tenant)


def plan_get(*, tenant: Tenant, pk: Any) -> ProductionPlan:
    """One plan with its product, or NotFoundError (404)."""
    return get_for_tenant(ProductionPlan.objects.select_related("product"), tenant, pk, label="plan")


def plan_steps(*, plan: ProductionPlan) -> list[ProductionPlanStep]:
    """The plan's steps (product, recipe with inputs, location), root first: 3 queries."""
    from plans.generation import load_plan_tree

    return load_plan_tree(plan)


def plan_by_product(*, tenant: Tenant, product: ItemType | None) -> QuerySet[ProductionPlan]:
    """The plans that make ``product``; none for no item or an item that is not a product (only
    products have plans: materials and components are bought)."""
    if product is None or product.kind != ItemType.Kind.PRODUCT:
        return ProductionPlan.objects.none()
    return plan_list(tenant=tenant).filter(product=product)


class SummarizedPlanRuns:
    """Plan runs for a paginator: it counts and slices the plain, filtered runs, and only the
    rows of the page get their job summary and status.

    Annotating before slicing would make PostgreSQL compute the summary for every row an
    ``OFFSET`` skips (seconds on page 2,000 of 100,000 runs); this way any page is the count,
    one query for the page's ids and one for those rows.
    """

    def __init__(self, runs: QuerySet[ProductionPlanRun]) -> None:
        self.runs = runs

    def count(self) -> int:
        return self.runs.count()

    def __len__(self) -> int:
        return self.count()

    def __iter__(self):
        return iter(self[:])

    def __getitem__(self, index: slice) -> list[ProductionPlanRun]:
        if not isinstance(index, slice):
            raise TypeError("plan runs are read a page (a slice) at a time")
        ids = list(self.runs.values_list("pk", flat=True)[index])
        rows = with_job_summary(ProductionPlanRun.objects.filter(pk__in=ids).select_related("plan__product"))
        by_id = {row.pk: row for row in rows}
        return [by_id[pk] for pk in ids]


def plan_run_list(*, tenant: Tenant, plan: ProductionPlan | None = None, filters: Any = None) -> SummarizedPlanRuns:
    """Plan runs newest first (of one plan, or all; filters plan, source, date_from, date_to),
    each with plan and product names, job summary and derived status. A page costs the count
    plus two queries, however deep (see ``SummarizedPlanRuns``)."""
    qs = ProductionPlanRun.objects.for_tenant(tenant)
    if plan is not None:
        qs = qs.filter(plan=plan)
    return SummarizedPlanRuns(apply_filters(PlanRunFilter, filters, qs, tenant=tenant))


def plan_run_get(*, tenant: Tenant, pk: Any, plan: ProductionPlan | None = None) -> ProductionPlanRun:
    """One plan run with its summary and status, or NotFoundError (404)."""
    qs = with_job_summary(ProductionPlanRun.objects.select_related("plan__product", "created_by"))
    if plan is not None:
        qs = qs.filter(plan=plan)
    return get_for_tenant(qs, tenant, pk, label="plan run")


def plan_run_jobs(*, plan_run: ProductionPlanRun) -> QuerySet[JobQueueEntry]:
    """The run's jobs in queue order (deepest first), with recipe, product, location, workstation."""
    return job_queryset().filter(plan_run=plan_run)


def job_queryset() -> QuerySet[JobQueueEntry]:
    return JobQueueEntry.objects.select_related("recipe", "product", "location", "workstation", "plan_run__plan")


def job_list(*, tenant: Tenant, filters: Any = None) -> QuerySet[JobQueueEntry]:
    """The job queue (filters: status, plan_run, workstation, location), deepest first."""
    return apply_filters(JobFilter, filters, job_queryset().filter(tenant=tenant), tenant=tenant)


def job_get(*, tenant: Tenant, pk: Any) -> JobQueueEntry:
    return get_for_tenant(job_queryset(), tenant, pk, label="job")


def transport_job_list(*, tenant: Tenant, filters: Any = None) -> QuerySet[TransportJob]:
    qs = TransportJob.objects.for_tenant(tenant).select_related("origin", "destination", "plan_run__plan")
    return apply_filters(TransportJobFilter, filters, qs, tenant=tenant)


# --- pages: the plan editor's step tree, lists shaped for the HTML pages --------------------------


@dataclass
class StepInput:
    """One input of a step's recipe as the editor shows it: made by ``child`` or bought (None)."""

    line: RecipeInput
    child: StepNode | None = None

    @property
    def makeable(self) -> bool:
        """Only products are made in a plan; materials and components are bought (as
        ``production_plan_step_add`` rules)."""
        return self.line.item_type.kind == ItemType.Kind.PRODUCT


@dataclass
class StepNode:
    """A step with its depth, its recipe's inputs (make/buy) and child steps that make no input
    of the recipe any more (``orphans``: generation refuses them until they are removed)."""

    step: ProductionPlanStep
    depth: int
    inputs: list[StepInput] = field(default_factory=list)
    orphans: list[StepNode] = field(default_factory=list)

    @property
    def children(self) -> list[StepNode]:
        return [line.child for line in self.inputs if line.child is not None] + self.orphans

    def subtree_size(self) -> int:
        """Steps in this subtree, this one included."""
        return 1 + sum(child.subtree_size() for child in self.children)

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()


def plan_step_tree(*, plan: ProductionPlan) -> tuple[StepNode | None, dict[int, StepNode]]:
    """The plan's steps as a tree (root = the plan's product) and an index by step id.

    ``plan_steps`` loads every step with product, recipe and location, then the recipes' inputs
    with their items (2 queries); the tree is built in Python, so a bigger plan costs no more.
    """
    steps = plan_steps(plan=plan)
    by_parent: dict[int | None, list[ProductionPlanStep]] = {}
    for step in steps:
        by_parent.setdefault(step.parent_id, []).append(step)
    index: dict[int, StepNode] = {}

    def build(step: ProductionPlanStep, depth: int) -> StepNode:
        node = index[step.pk] = StepNode(step=step, depth=depth)
        children = {child.product_id: child for child in by_parent.get(step.pk, [])}
        lines = list(step.recipe.inputs.all()) if step.recipe else []
        for line in lines:
            child = children.pop(line.item_type_id, None)
            node.inputs.append(StepInput(line=line, child=build(child, depth + 1) if child else None))
        node.orphans = [build(child, depth + 1) for child in children.values()]
        return node

    roots = by_parent.get(None, [])
    return (build(roots[0], 0) if roots else None), index


def plan_step_get(*, plan: ProductionPlan, pk: Any) -> ProductionPlanStep:
    """One step of ``plan`` (with its product), or NotFoundError (404)."""
    qs = ProductionPlanStep.objects.filter(plan=plan).select_related("product")
    try:
        step = qs.get(pk=int(pk))
    except (ProductionPlanStep.DoesNotExist, TypeError, ValueError):
        raise NotFoundError(f"Step {pk} not found.", model="productionplanstep", id=str(pk)) from None
    step.plan = plan
    return step


def recipes_by_product(*, tenant: Tenant, product_ids: Iterable[int]) -> dict[int, list[Recipe]]:
    """Every recipe (active first, then by id) of each product: one query, for recipe pickers."""
    recipes: dict[int, list[Recipe]] = {}
    qs = Recipe.objects.for_tenant(tenant).filter(product_id__in=set(product_ids)).order_by("-is_active", "id")
    for recipe in qs:
        recipes.setdefault(recipe.product_id, []).append(recipe)
    return recipes


def plan_product_choices(*, tenant: Tenant) -> QuerySet[ItemType]:
    """Active products by name, each annotated ``has_recipe`` (an active recipe makes it)."""
    active = Recipe.objects.filter(product=OuterRef("pk"), is_active=True)
    return (ItemType.objects.for_tenant(tenant).filter(kind=ItemType.Kind.PRODUCT, is_active=True)
            .annotate(has_recipe=Exists(active)).order_by("name", "id"))


def plan_page_list(*, tenant: Tenant, filters: Any = None) -> QuerySet[ProductionPlan]:
    """``plan_list`` with ``step_count`` per plan (a correlated count): one query per page."""
    steps = (ProductionPlanStep.objects.filter(plan=OuterRef("pk")).order_by()
             .values("plan").annotate(n=Count("pk")).values("n"))
    return plan_list(tenant=tenant, filters=filters).annotate(step_count=Coalesce(Subquery(steps), 0))


def plan_run_transport_jobs(*, plan_run: ProductionPlanRun) -> QuerySet[TransportJob]:
    """The run's transport jobs in queue order, with their locations."""
    return TransportJob.objects.filter(plan_run=plan_run).select_related("origin", "destination")


def job_queue(*, tenant: Tenant, filters: Any = None) -> QuerySet[JobQueueEntry]:
    """``job_list``'s jobs in the queue page's order: by workstation name (unassigned last), then
    queue order (deepest first). Only their ids: sorting thousands of open jobs joined to all that
    a row shows cost ~26 ms of SQL at 10,000 planned jobs (``bench/job_queue.py``), so the page
    sorts ids joined to the workstation name alone and ``job_queue_rows`` loads its jobs in full."""
    qs = apply_filters(JobFilter, filters, JobQueueEntry.objects.filter(tenant=tenant), tenant=tenant)
    return qs.only("id").order_by(F("workstation__name").asc(nulls_last=True), "workstation_id", "-sort_order", "id")


# --- job readiness -------------------------------------------------------------------------------

@dataclass(frozen=True)
class MissingInput:
    """An input a job needs more of at its location: ``needed`` and ``on_hand`` in the item's unit."""

    item_type_id: int
    name: str
    unit: str
    needed: Decimal
    on_hand: Decimal


@dataclass(frozen=True)
class JobReadiness:
    """Whether a planned job can start: ``ready`` when every non-filament input it needs is on hand
    at its location, else ``waiting`` with what is ``missing``. Derived, never stored (DESIGN §5)."""

    state: str                                  # "ready" | "waiting"
    missing: tuple[MissingInput, ...] = ()


def part_needs(inputs: Iterable[RecipeInput], *, runs: int, material_efficiency: Decimal) -> dict[int, Decimal]:
    """What ``runs`` runs of a recipe take of each of its non-filament ``inputs`` (item type id →
    quantity), by the generation formula (``plans.generation.input_needed``), so a plan's child
    jobs exactly cover their parents — and a job's run uses what its child jobs made."""
    return {line.item_type_id: Decimal(input_needed(runs, line.quantity, material_efficiency))
            for line in inputs if line.item_type.kind != ItemType.Kind.MATERIAL}



def job_readiness(*, jobs: Sequence[JobQueueEntry]) -> dict[int, JobReadiness]:
    """Readiness of the planned ones of ``jobs`` (job id → ``JobReadiness``; other statuses are left
    out), from stock on hand at each job's location (its workstation's when the job has none). Two
    queries for any number of jobs: their recipes' inputs, then the stock of those (item, location)
    pairs. Each job is judged on its own: two waiting jobs may count the same pieces."""
    planned = [job for job in jobs if job.status == JobQueueEntry.Status.PLANNED]
    if not planned:
        return {}
    inputs: dict[int, list[RecipeInput]] = {}
    for line in RecipeInput.objects.filter(recipe_id__in={job.recipe_id for job in planned}).select_related("item_type"):
        inputs.setdefault(line.recipe_id, []).append(line)
    needs = {job.pk: part_needs(inputs.get(job.recipe_id, []), runs=job.runs,
                                material_efficiency=job.material_efficiency) for job in planned}
    where = {job.pk: job.location_id or (job.workstation.location_id if job.workstation else None) for job in planned}
    pairs = {(item_id, where[job_id]) for job_id, need in needs.items() for item_id in need if where[job_id]}
    condition = Q()
    for item_id, location_id in pairs:
        condition |= Q(item_type_id=item_id, location_id=location_id)
    stock = ({(row.item_type_id, row.location_id): row.quantity for row in StockBalance.objects.filter(condition)}
             if pairs else {})
    names = {line.item_type_id: line.item_type for lines in inputs.values() for line in lines}
    readiness = {}
    for job in planned:
        missing = tuple(
            MissingInput(item_type_id=item_id, name=names[item_id].name, unit=names[item_id].unit, needed=needed,
                         on_hand=stock.get((item_id, where[job.pk]), ZERO))
            for item_id, needed in needs[job.pk].items() if stock.get((item_id, where[job.pk]), ZERO) < needed)
        readiness[job.pk] = JobReadiness(state="waiting" if missing else "ready", missing=missing)
    return readiness


@dataclass(frozen=True)
class QueueRow:
    """A row of the job queue page: the job and, when it is planned, its readiness."""

    job: JobQueueEntry
    readiness: JobReadiness | None


def job_queue_rows(*, jobs: Sequence[JobQueueEntry]) -> list[QueueRow]:
    """``jobs`` (a page of ``job_queue``, ids in queue order) in full — recipe, product, location,
    workstation with its location, plan run and plan — with their readiness, in the same order:
    three queries for any number."""
    full = job_queryset().select_related("workstation__location").in_bulk([job.pk for job in jobs])
    loaded = [full[job.pk] for job in jobs if job.pk in full]
    readiness = job_readiness(jobs=loaded)
    return [QueueRow(job=job, readiness=readiness.get(job.pk)) for job in loaded]


# --- API: one transport job -----------------------------------------------------------------------

def transport_job_get(*, tenant: Tenant, pk: Any) -> TransportJob:
    """One transport job with its locations, or NotFoundError (404)."""
    return get_for_tenant(TransportJob.objects.select_related("origin", "destination"), tenant, pk,
                          label="transport job")
