"""Reads about the demo farm: whether tenant DEMO exists, and what its production plans came to."""
from __future__ import annotations

from dataclasses import dataclass

from demo.data import DEMO_SHORT_CODE
from plans.models import ProductionPlan, ProductionPlanStep, TransportJob
from plans.selectors import plan_run_list
from prodtrack.models import Tenant


def demo_exists() -> bool:
    """Whether tenant DEMO (``DEMO_SHORT_CODE``) exists."""
    return Tenant.objects.filter(short_code=DEMO_SHORT_CODE).exists()


@dataclass(frozen=True)
class PlansSummary:
    """The plans (name → steps, levels, locations, transport) and the plan runs at the end."""

    plans: list[tuple[str, int, int, int, bool]]
    plan_runs: dict[str, int]
    jobs: dict[str, int]
    transport_jobs: int


def _levels(steps: list[ProductionPlanStep]) -> int:
    """Levels of a step tree (a root alone: 1)."""
    parents = {step.pk: step.parent_id for step in steps}

    def depth(pk: int | None) -> int:
        return 0 if pk is None else 1 + depth(parents[pk])

    return max(depth(pk) for pk in parents)


def demo_plans_summary(*, tenant: Tenant, plans: dict[str, ProductionPlan]) -> PlansSummary:
    """Each of ``plans`` (by name) described, the tenant's plan runs counted by derived status, their
    jobs by status, and its transport jobs."""
    described = []
    for name, plan in plans.items():
        steps = list(plan.steps.all())
        described.append((name, len(steps), _levels(steps), len({step.location_id for step in steps}),
                          plan.transport_enabled))
    runs = list(plan_run_list(tenant=tenant))
    statuses = {status: sum(run.status == status for run in runs) for status in ("pending", "in_progress",
                                                                                 "completed")}
    jobs = {status: sum(getattr(run, f"job_{status}") for run in runs)
            for status in ("planned", "active", "completed", "cancelled")}
    return PlansSummary(plans=described, plan_runs=statuses, jobs=jobs,
                        transport_jobs=TransportJob.objects.for_tenant(tenant).count())
