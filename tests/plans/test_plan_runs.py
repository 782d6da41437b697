"""Plan runs: derived status and job summary, delete keeps jobs, cancel touches planned jobs only,
and a started job follows its production run."""
from __future__ import annotations

import pytest
from django.utils import timezone

from plans import selectors, services
from plans.models import JobQueueEntry, ProductionPlanRun
from runs import services as run_services
from runs.services import MaterialActual

S = JobQueueEntry.Status


def set_statuses(plan_run, statuses):
    jobs = list(plan_run.jobs.order_by("pk"))
    assert len(jobs) == len(statuses)
    for job, status in zip(jobs, statuses, strict=True):
        JobQueueEntry.objects.filter(pk=job.pk).update(status=status)


@pytest.mark.parametrize("statuses,expected", [
    ([S.PLANNED, S.PLANNED, S.PLANNED], "pending"),
    ([S.COMPLETED, S.COMPLETED, S.COMPLETED], "completed"),
    ([S.CANCELLED, S.CANCELLED, S.CANCELLED], "completed"),     # all cancelled → completed (seed's table)
    ([S.COMPLETED, S.CANCELLED, S.CANCELLED], "completed"),
    ([S.ACTIVE, S.PLANNED, S.PLANNED], "in_progress"),
    ([S.COMPLETED, S.PLANNED, S.PLANNED], "in_progress"),
    ([S.CANCELLED, S.PLANNED, S.PLANNED], "pending"),
])
def test_status_is_derived_from_the_jobs(tenant, plan_run, statuses, expected):
    set_statuses(plan_run, statuses)

    run = selectors.plan_run_get(tenant=tenant, pk=plan_run.pk)

    assert run.status == expected
    assert (run.job_total, run.job_planned, run.job_active, run.job_completed, run.job_cancelled) == (
        3, statuses.count(S.PLANNED), statuses.count(S.ACTIVE), statuses.count(S.COMPLETED),
        statuses.count(S.CANCELLED))


def test_a_run_without_jobs_is_pending(tenant, plan_run):
    JobQueueEntry.objects.filter(plan_run=plan_run).update(plan_run=None)

    run = selectors.plan_run_get(tenant=tenant, pk=plan_run.pk)

    assert (run.status, run.job_total) == ("pending", 0)


def test_deleting_a_plan_run_keeps_its_jobs_unlinked(plan_run):
    job_ids = set(plan_run.jobs.values_list("pk", flat=True))

    services.plan_run_delete(plan_run=plan_run)

    assert not ProductionPlanRun.objects.filter(pk=plan_run.pk).exists()
    assert set(JobQueueEntry.objects.filter(plan_run__isnull=True).values_list("pk", flat=True)) == job_ids


def test_cancel_touches_only_planned_jobs_and_reports_how_many(plan_run, django_assert_num_queries):
    set_statuses(plan_run, [S.ACTIVE, S.COMPLETED, S.PLANNED])

    with django_assert_num_queries(4):                   # savepoint, transports, jobs (one UPDATE each), release
        cancelled = services.plan_run_cancel(plan_run=plan_run)

    assert cancelled == 1
    assert sorted(plan_run.jobs.values_list("status", flat=True)) == ["active", "cancelled", "completed"]


def test_a_started_jobs_run_completing_completes_the_job_and_moves_the_plan_run(tenant, plan_run, admin_user,
                                                                                organiser_shop):
    from tests.factories import receive_spool

    receive_spool(tenant=tenant, by=admin_user, material=organiser_shop.pla, location=organiser_shop.room, grams="1000")
    job = plan_run.jobs.order_by("-sort_order").first()                     # the handles, deepest

    run = run_services.job_start(job=job, by=admin_user)

    job.refresh_from_db()
    assert job.status == "active" and run.job == job and run.items.get().quantity == job.quantity
    assert run.materials.get().estimated_weight_g == 5                      # 1 run × 5 g of PLA
    assert selectors.plan_run_get(tenant=tenant, pk=plan_run.pk).status == "in_progress"

    run_services.production_run_complete(run=run, by=admin_user, materials=[
        MaterialActual(material_id=m.pk, use_estimate=True) for m in run.materials.all()])

    job.refresh_from_db()
    assert job.status == "completed"
    assert selectors.plan_run_get(tenant=tenant, pk=plan_run.pk).status == "in_progress"


@pytest.mark.parametrize("ending", ["fail", "cancel"])
def test_a_failed_or_cancelled_run_returns_its_job_to_planned(plan_run, admin_user, ending):
    job = plan_run.jobs.order_by("-sort_order").first()
    run = run_services.job_start(job=job, by=admin_user, spools=[])

    getattr(run_services, f"production_run_{ending}")(run=run, by=admin_user)

    job.refresh_from_db()
    assert job.status == "planned"


def test_deleting_a_jobs_in_progress_run_returns_the_job_to_the_queue(tenant, plan_run, admin_user):
    job = plan_run.jobs.order_by("-sort_order").first()
    run = run_services.job_start(job=job, by=admin_user, spools=[])

    run_services.production_run_delete(run=run)

    job.refresh_from_db()
    assert job.status == "planned"
    assert selectors.plan_run_get(tenant=tenant, pk=plan_run.pk).status == "pending"
    assert run_services.job_start(job=job, by=admin_user, spools=[]).job == job      # it can start again


def test_deleting_an_old_failed_run_leaves_the_jobs_new_run_alone(plan_run, admin_user):
    job = plan_run.jobs.order_by("-sort_order").first()
    failed = run_services.job_start(job=job, by=admin_user, spools=[])
    run_services.production_run_fail(run=failed, by=admin_user)
    run_services.job_start(job=job, by=admin_user, spools=[])

    run_services.production_run_delete(run=failed)

    job.refresh_from_db()
    assert job.status == "active"


def test_the_migration_returns_stranded_jobs_to_planned(plan_run, admin_user):
    import importlib

    from django.apps import apps

    from runs.models import ProductionRun

    stranded, running, done = plan_run.jobs.order_by("-sort_order")[:3]
    for job in (stranded, running):
        run_services.job_start(job=job, by=admin_user, spools=[])
    ProductionRun.objects.filter(job=stranded).update(deleted_at=timezone.now())   # deleted before the fix
    JobQueueEntry.objects.filter(pk=done.pk).update(status="completed")

    importlib.import_module("runs.migrations.0006_repair_stranded_jobs").repair(apps, None)

    statuses = dict(JobQueueEntry.objects.filter(pk__in=[stranded.pk, running.pk, done.pk]).values_list("pk", "status"))
    assert statuses == {stranded.pk: "planned", running.pk: "active", done.pk: "completed"}


def test_only_planned_jobs_start_or_cancel(plan_run, admin_user):
    from plans.errors import JobStateError

    job = plan_run.jobs.first()
    run_services.job_start(job=job, by=admin_user, spools=[])

    with pytest.raises(JobStateError):
        run_services.job_start(job=job, by=admin_user, spools=[])
    with pytest.raises(JobStateError):
        services.job_cancel(job=job)


def test_plan_run_list_runs_two_queries_per_page_however_deep(tenant, plan, admin_user, django_assert_num_queries):
    for _ in range(5):
        services.plan_generate(plan=plan, by=admin_user, quantity=3)

    with django_assert_num_queries(2):                   # the page's ids, then those rows with summaries
        rows = selectors.plan_run_list(tenant=tenant)[0:20]

    assert len(rows) == 5 and all(row.status == "pending" and row.job_total == 3 for row in rows)
    assert rows[0].plan.product.name == "Desk organiser"


def test_a_job_without_a_location_needs_a_workstation_to_start(tenant, plan, admin_user, organiser_shop):
    from prodtrack.exceptions import ValidationError
    from tests.factories import WorkstationFactory

    plan.steps.update(location=None)
    job = services.plan_generate(plan=plan, by=admin_user, quantity=1).jobs[0]

    with pytest.raises(ValidationError) as error:
        run_services.job_start(job=job, by=admin_user, spools=[])
    run = run_services.job_start(job=job, by=admin_user, spools=[],
                                 workstation=WorkstationFactory(tenant=tenant, location=organiser_shop.annex))

    assert "workstation" in error.value.fields and run.location == organiser_shop.annex
