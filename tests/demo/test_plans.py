"""The seeded demo farm's production plans are multi-level, its plan runs are in every status with
their jobs worked in order, and its stock targets give the first auto-production tick work."""
from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from inventory.models import ItemType, Workstation
from plans.models import JobQueueEntry, ProductionPlan, ProductionPlanRun, TransportJob
from plans.selectors import plan_run_list
from runs.models import ProductionRun
from stockpiles.models import AutoProductionRun, StockpileMarker
from stockpiles.selectors import stockpile_deficits
from stockpiles.services import auto_production_tick


def test_has_multi_level_production_plans(demo):
    plans = {plan.name: plan for plan in ProductionPlan.objects.for_tenant(demo).prefetch_related("steps")}

    def levels(plan: ProductionPlan) -> int:
        parents = {step.pk: step.parent_id for step in plan.steps.all()}

        def depth(pk: int | None) -> int:
            return 0 if pk is None else 1 + depth(parents[pk])

        return max(depth(pk) for pk in parents)

    assert len([plan for plan in plans.values() if levels(plan) >= 2]) >= 2
    assert levels(plans["Desk organiser set"]) == 3
    desk = {step.product.name: step for step in plans["Desk organiser set"].steps.select_related("product",
                                                                                                 "parent")}
    assert desk["Drawer handle"].parent == desk["Organiser drawer"]
    assert desk["Organiser drawer"].parent == desk["Organiser frame"].parent == desk["Desk organiser set"]
    assert desk["Drawer handle"].recipe.output_quantity == 10
    assert {line.item_type.name: line.quantity for line in desk["Desk organiser set"].recipe.inputs.all()
            if line.item_type.kind == ItemType.Kind.PRODUCT} == {"Organiser drawer": 2, "Organiser frame": 1}

    stand = plans["Headphone stand"]
    steps = {step.product.name: step for step in stand.steps.select_related("product", "location")}
    assert stand.transport_enabled and stand.transport_cost_per_item > 0
    assert steps["Headphone stand"].location.name == "Print room"
    assert steps["Weighted base"].location.name == "Main warehouse"
    assert steps["Weighted base"].workstation_kind == Workstation.Kind.ASSEMBLY
    transports = TransportJob.objects.filter(plan_run__plan=stand).select_related("origin", "destination")
    assert transports.exists()
    for transport in transports:
        assert (transport.origin.name, transport.destination.name) == ("Main warehouse", "Print room")
        assert [item["name"] for item in transport.items] == ["Weighted base"]
        assert transport.estimated_cost == stand.transport_cost_per_item * transport.items[0]["quantity"]
        assert transport.jobs.get().product.name == "Weighted base"


def test_has_plan_runs_in_every_derived_status(demo):
    runs = list(plan_run_list(tenant=demo))
    now = timezone.now()

    assert {run.status for run in runs} == {"pending", "in_progress", "completed"}
    assert all(now - timedelta(days=30) <= run.created_at < now for run in runs)
    assert max(run.created_at for run in runs) - min(run.created_at for run in runs) >= timedelta(days=14)
    assert {run.source for run in runs} == {"manual", "auto"}
    assert any(run.parallelism == 2 for run in runs) and any(run.parallelism == 0 for run in runs)
    assert any(run.status == "completed" and run.job_cancelled and run.job_completed for run in runs)
    assert any(run.status == "completed" and run.job_completed == run.job_total for run in runs)
    pending = [run for run in runs if run.status == "pending"]
    assert pending and all(run.job_planned == run.job_total > 0 for run in pending)
    split = JobQueueEntry.objects.for_tenant(demo).filter(plan_run__parallelism=2)
    assert any(len(set(split.filter(plan_run=run, plan_step_id=step).values_list("workstation", flat=True))) == 2
               for run, step in split.values_list("plan_run", "plan_step_id").order_by().distinct())


def test_started_jobs_follow_their_production_runs(demo):
    """Every active or completed job has one run (in progress or completed, like the job) making its
    pieces at its place; a job starts only once its deeper jobs are done and their bases delivered."""
    jobs = (JobQueueEntry.objects.for_tenant(demo).select_related("plan_run", "product")
            .prefetch_related("production_runs__items"))
    now = timezone.now()
    run_status = {JobQueueEntry.Status.ACTIVE: ProductionRun.Status.IN_PROGRESS,
                  JobQueueEntry.Status.COMPLETED: ProductionRun.Status.COMPLETED}
    started: dict[int, ProductionRun] = {}

    for job in jobs:
        runs = list(job.production_runs.all())
        if job.status in run_status:
            assert len(runs) == 1, job
            (run,) = runs
            assert run.status == run_status[job.status] and run.workstation_id == job.workstation_id
            assert [(item.product_id, item.quantity) for item in run.items.all()] == [(job.product_id,
                                                                                       job.quantity)]
            assert run.location_id == job.location_id
            assert job.plan_run.created_at < run.started_at < now
            started[job.pk] = run
        else:
            assert runs == [], job
    assert {job.status for job in jobs} >= {JobQueueEntry.Status.PLANNED, JobQueueEntry.Status.COMPLETED,
                                            JobQueueEntry.Status.CANCELLED}
    assert len(started) >= 10
    for job in jobs:
        if job.pk not in started:
            continue
        deeper = [other for other in jobs if other.plan_run_id == job.plan_run_id and other.depth > job.depth]
        assert all(other.pk in started and started[other.pk].completed_at <= started[job.pk].started_at
                   for other in deeper if other.status != JobQueueEntry.Status.CANCELLED)
    assert not TransportJob.objects.for_tenant(demo).filter(
        plan_run__jobs__depth=0, plan_run__jobs__status__in=list(run_status)).exclude(
        status=TransportJob.Status.DELIVERED).exists()


def test_keeps_stock_targets_and_the_first_tick_makes_plan_runs_for_them(demo):
    markers = list(StockpileMarker.objects.for_tenant(demo).select_related("plan", "item_type"))
    auto = [marker for marker in markers if marker.auto_production_on]
    kinds = {marker.kind for marker in stockpile_deficits(tenant=demo)}

    (tick,) = auto_production_tick(triggered_by=AutoProductionRun.Trigger.COMMAND, tenant=demo)

    assert len(markers) == 8 and {marker.plan.name for marker in auto} == {"Desk organiser set", "Headphone stand"}
    assert any(marker.item_type.kind == ItemType.Kind.MATERIAL for marker in markers)
    assert kinds == {"to_produce", "to_buy"}
    assert tick.status == AutoProductionRun.Status.SUCCEEDED and not tick.output["failed"]
    created = {entry["plan"]["name"]: entry for entry in tick.output["plan_runs"]}
    assert set(created) == {"Desk organiser set", "Headphone stand"}
    runs = ProductionPlanRun.objects.filter(pk__in=[entry["plan_run_id"] for entry in created.values()])
    assert {run.source for run in runs} == {ProductionPlanRun.Source.AUTO} and len(runs) == 2
    assert all(run.jobs.exists() for run in runs)
