"""End to end with a real Celery worker on Redis: a marker below target becomes a plan run through
the beat task; printing and completing that run's jobs fills the shop, and the next tick leaves it."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from plans.models import JobQueueEntry, ProductionPlanRun
from runs.services import MaterialActual, job_start, production_run_complete
from stockpiles.models import AutoProductionRun
from stockpiles.tasks import auto_production_tick
from tests.support.celery_worker import process_queue, worker_on_redis

pytestmark = pytest.mark.django_db(transaction=True)
QUEUE = process_queue("stockpiles")


@pytest.fixture
def tick_on_worker():
    """``tick_on_worker(now)`` → the task's result, run by a real worker thread consuming ``QUEUE`` on Redis."""
    with worker_on_redis(QUEUE):
        yield lambda now: auto_production_tick.apply_async((now.isoformat(),), queue=QUEUE).get(timeout=30)


def test_the_task_fills_a_deficit_and_the_next_tick_finds_it_filled(tick_on_worker, api, stock_shop, keep, put_stock,
                                                                    admin_user, settings):
    put_stock(stock_shop.stand, stock_shop.shop, "1")
    keep(stock_shop.stand, stock_shop.shop, "10", plan=stock_shop.stand_plan, parallelism=1)
    now = timezone.now()

    (first,) = tick_on_worker(now)

    assert first["status"] == "succeeded" and not first["deduplicated"]
    plan_run = ProductionPlanRun.objects.get()
    assert (plan_run.source, plan_run.quantity, plan_run.created_by) == ("auto", 9, admin_user)
    (job,) = JobQueueEntry.objects.filter(plan_run=plan_run)               # parallelism 1: one job, 3 plates
    assert (job.runs, job.quantity, job.location) == (3, 12, stock_shop.shop)
    assert api.get("/api/v1/stockpiles/deficits").json()["results"][0]["net_deficit"] == "0.000"

    run = job_start(job=job, by=admin_user)                                # when: printed and completed
    production_run_complete(run=run, by=admin_user, materials=[
        MaterialActual(material_id=material.pk, use_estimate=True) for material in run.materials.all()])
    later = now + timedelta(seconds=settings.AUTO_PRODUCTION_INTERVAL_SEC)
    (second,) = tick_on_worker(later)

    assert api.get("/api/v1/stockpiles/deficits").json()["count"] == 0     # then: 13 on the shelf, none missing
    tick = AutoProductionRun.objects.get(pk=second["run"])
    assert tick.status == "succeeded" and tick.output["plan_runs"] == [] and tick.output["groups_without_deficit"] == 1
    assert ProductionPlanRun.objects.count() == 1


def test_a_retried_task_in_the_same_window_does_not_tick_twice(tick_on_worker, stock_shop, keep):
    keep(stock_shop.stand, stock_shop.shop, "10", plan=stock_shop.stand_plan)
    now = timezone.now()

    (first,) = tick_on_worker(now)
    (retried,) = tick_on_worker(now)

    assert retried["run"] == first["run"] and retried["deduplicated"]
    assert AutoProductionRun.objects.count() == 1 and ProductionPlanRun.objects.count() == 1
