"""Plans reads: recipes, plans, plan runs (status derived from their jobs), jobs, transports."""
from __future__ import annotations

from typing import Any, Iterable

from django.db.models import (Case, CharField, Count, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Value, When)
from django.db.models.functions import Coalesce

from inventory.models import ItemType
from plans.filters import JobFilter, PlanFilter, PlanRunFilter, RecipeFilter, TransportJobFilter
from plans.models import (JobQueueEntry, ProductionPlan, ProductionPlanRun, ProductionPlanStep, Recipe, RecipeInput,
                          TransportJob)
from prodtrack.filters import apply_filters
from prodtrack.models import Tenant
from prodtrack.tenancy import get_for_tenant

INPUTS = Prefetch("inputs", queryset=RecipeInput.objects.select_related("item_type"))


def recipe_list(*, tenant: Tenant, filters: Any = None) -> QuerySet[Recipe]:
    """Recipes by name with product and inputs (3 queries for any page: rows, inputs + items)."""
    qs = Recipe.objects.for_tenant(tenant).select_related("product").prefetch_related(INPUTS)
    return apply_filters(RecipeFilter, filters, qs, tenant=tenant)


def recipe_get(*, tenant: Tenant, pk: Any) -> Recipe:
    """One recipe with product and inputs, or NotFoundError (404)."""
    return get_for_tenant(Recipe.objects.select_related("product").prefetch_related(INPUTS), tenant, pk)


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
    """A correlated count of the plan run's jobs (of ``status``): an index-only scan per row, run
    only for the rows of the page (``count()`` drops unused annotations)."""
    jobs = JobQueueEntry.objects.filter(plan_run=OuterRef("pk"))
    if status:
        jobs = jobs.filter(status=status)
    return Coalesce(Subquery(jobs.order_by().values("plan_run").annotate(n=Count("pk")).values("n")), 0)


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


def plan_by_product(*, tenant: Tenant, product: ItemType) -> QuerySet[ProductionPlan]:
    """The plans that make ``product``."""
    return plan_list(tenant=tenant).filter(product=product)


def plan_run_list(*, tenant: Tenant, plan: ProductionPlan | None = None, filters: Any = None) -> QuerySet:
    """Plan runs newest first (of one plan, or all), each with plan and product names, job
    summary and derived status; one query per page plus the paginator's count."""
    qs = ProductionPlanRun.objects.for_tenant(tenant).select_related("plan__product", "created_by")
    if plan is not None:
        qs = qs.filter(plan=plan)
    return with_job_summary(apply_filters(PlanRunFilter, filters, qs, tenant=tenant))


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
