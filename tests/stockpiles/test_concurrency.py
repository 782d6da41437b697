"""Ticks racing on PostgreSQL: real threads, each with its own connection."""
from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from plans.models import ProductionPlanRun
from plans.services import production_plan_create
from prodtrack.models import Membership, Role
from stockpiles.models import AutoProductionRun
from stockpiles.services import auto_production_lock, auto_production_tick, beat_window, stockpile_marker_upsert
from tests.factories import LocationFactory, ProductFactory, TenantFactory, UserFactory, make_recipe
from tests.support.threads import run_concurrently

pytestmark = pytest.mark.django_db(transaction=True)


def test_ticks_started_together_in_one_window_make_one_run_and_one_plan_run(tenant, stock_shop, keep, settings):
    keep(stock_shop.stand, stock_shop.shop, "10", plan=stock_shop.stand_plan)
    start, _ = beat_window(timezone.now(), settings.AUTO_PRODUCTION_INTERVAL_SEC)

    results = run_concurrently(lambda i: auto_production_tick(now=start + timedelta(seconds=i)), 4)

    assert not [r for r in results if isinstance(r, Exception)], results
    assert AutoProductionRun.objects.count() == 1
    assert len({run.pk for (run,) in results}) == 1
    assert sum(not run.deduplicated for (run,) in results) == 1
    assert AutoProductionRun.objects.get().status == "succeeded"
    assert ProductionPlanRun.objects.count() == 1


def test_manual_ticks_racing_each_other_generate_once(tenant, stock_shop, keep, admin_user):
    keep(stock_shop.stand, stock_shop.shop, "10", plan=stock_shop.stand_plan)

    results = run_concurrently(lambda i: auto_production_tick(triggered_by="manual", by=admin_user, tenant=tenant), 4)

    statuses = sorted(run.status for (run,) in results)
    assert set(statuses) <= {"succeeded", "skipped"}, statuses     # skipped: another held the lock
    assert AutoProductionRun.objects.count() == 4
    assert ProductionPlanRun.objects.count() == 1                  # the later ones found it pending


@pytest.fixture
def lock_held_elsewhere():
    """``with lock_held_elsewhere(tenant_id):`` — another connection holds the tenant's tick lock."""

    class Holder:
        def __init__(self, tenant_id):
            self.tenant_id, self.holding, self.release = tenant_id, threading.Event(), threading.Event()
            self.thread = threading.Thread(target=self.hold)

        def hold(self):
            try:
                with auto_production_lock(tenant_id=self.tenant_id) as acquired:
                    assert acquired
                    self.holding.set()
                    self.release.wait(20)
            finally:
                connection.close()

        def __enter__(self):
            self.thread.start()
            assert self.holding.wait(10)

        def __exit__(self, *exc):
            self.release.set()
            self.thread.join()

    return Holder


def test_a_tick_while_a_previous_one_still_runs_is_skipped(tenant, stock_shop, keep, lock_held_elsewhere):
    keep(stock_shop.stand, stock_shop.shop, "10", plan=stock_shop.stand_plan)

    with lock_held_elsewhere(tenant.pk):
        (run,) = auto_production_tick(tenant=tenant)

    run.refresh_from_db()
    assert (run.status, run.output["reason"]) == ("skipped", "locked") and run.finished_at
    assert run.started_at is None and not ProductionPlanRun.objects.exists()
    (later,) = auto_production_tick(tenant=tenant, triggered_by="manual")          # the lock is free again
    assert later.status == "succeeded" and ProductionPlanRun.objects.count() == 1


def test_the_lock_is_per_tenant(tenant, stock_shop, keep, lock_held_elsewhere):
    other, owner = TenantFactory(), UserFactory()
    Membership.objects.create(user=owner, tenant=other, role=Role.MANAGER)
    product = ProductFactory(tenant=other)
    make_recipe(tenant=other, product=product, inputs=[])
    theirs = LocationFactory(tenant=other)
    plan = production_plan_create(tenant=other, name="Theirs", product=product, root={"location": theirs})
    stockpile_marker_upsert(tenant=other, owner=owner, item_type=product, location=theirs,
                            desired_quantity=Decimal("1"), plan=plan, auto_production_enabled=True)

    with lock_held_elsewhere(tenant.pk):
        (run,) = auto_production_tick(tenant=other)

    assert run.status == "succeeded" and ProductionPlanRun.objects.filter(plan=plan).count() == 1
