"""``seed_demo``: the demo print farm is complete, its books reconcile, its production history is
believable, its production plans are multi-level with plan runs in every status, and ``--once`` is
a no-op."""
from __future__ import annotations

import re
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal
from io import StringIO
from typing import Iterator

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from inventory.models import InventoryTransaction, ItemType, Location, Spool, StockBalance, Workstation
from inventory.selectors import spool_drift, stock_drift
from plans.models import JobQueueEntry, ProductionPlan, ProductionPlanRun, Recipe, TransportJob
from plans.selectors import plan_run_list, recipes_for_products
from prodtrack.models import Membership, Tenant, User
from runs.models import ProductionRun, ProductionRunItem, ProductionRunMaterial
from runs.selectors import variance_report
from stockpiles.models import AutoProductionRun, StockpileMarker
from stockpiles.selectors import stockpile_deficits
from stockpiles.services import auto_production_tick

pytestmark = pytest.mark.xdist_group("seed_demo")   # one worker seeds once for the class


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def counts(tenant: Tenant) -> dict[str, int]:
    return {model.__name__: model.objects.for_tenant(tenant).count()
            for model in (ItemType, Location, Workstation, Spool, InventoryTransaction, StockBalance, Recipe,
                          ProductionRun)} | {
        "items": ProductionRunItem.objects.filter(run__tenant=tenant).count(),
        "materials": ProductionRunMaterial.objects.filter(run__tenant=tenant).count()}


@pytest.fixture(scope="class")
def seeded_demo(django_db_setup, django_db_blocker) -> Iterator[tuple[Tenant, str]]:
    """Seed once for ``TestDemoFarm`` (seeding takes seconds) inside a transaction that is rolled
    back after its last test; each test runs in a savepoint within it (``db``)."""
    with django_db_blocker.unblock(), pytest.MonkeyPatch.context() as patch, transaction.atomic():
        patch.setenv("DEMO_PASSWORD", "demo farm password")
        output = seed()
        yield Tenant.objects.get(short_code="DEMO"), output
        transaction.set_rollback(True)


@pytest.fixture
def demo(seeded_demo, db) -> Tenant:
    return seeded_demo[0]


class TestDemoFarm:
    def test_prints_what_it_made(self, seeded_demo, demo):
        output = seeded_demo[1]

        assert "8 printers, 1 assembly bench" in output and "19 products, 19 recipes." in output
        summary = re.search(r"Runs over 60 days: (\d+) \((\d+) completed, (\d+) failed, (\d+) cancelled, "
                            r"(\d+) in progress; (\d+) reprints\)", output)
        runs, *by_status, reprints = map(int, summary.groups())
        assert runs == sum(by_status) == ProductionRun.objects.for_tenant(demo).count()
        assert reprints >= 3
        assert ("Plans: 2 (Desk organiser set: 4 steps, 3 levels; Headphone stand: 3 steps, 3 levels, 2 locations, "
                "transport).") in output
        plans = re.search(r"Plan runs: (\d+) \((\d+) pending, (\d+) in progress, (\d+) completed\) with (\d+) "
                          r"jobs \((\d+) planned, (\d+) active, (\d+) completed, (\d+) cancelled\) and (\d+) "
                          r"transport jobs\.", output)
        plan_runs, pending, in_progress, completed, jobs, *by_job_status, transports = map(int, plans.groups())
        assert plan_runs == pending + in_progress + completed == ProductionPlanRun.objects.for_tenant(demo).count()
        assert jobs == sum(by_job_status) == JobQueueEntry.objects.for_tenant(demo).count()
        assert transports == TransportJob.objects.for_tenant(demo).count() >= 1
        assert "Stockpile markers: 8 (2 with auto-production on: " in output

    def test_builds_a_print_farm(self, demo):
        assert demo.name == "Demo Print Farm"
        assert Recipe.objects.for_tenant(demo).count() == 19
        assert Location.objects.for_tenant(demo).count() == 3
        printers = Workstation.objects.for_tenant(demo).filter(kind=Workstation.Kind.PRINTER)
        assert printers.count() == 8 and all(p.model_name for p in printers)
        bench = Workstation.objects.for_tenant(demo).get(kind=Workstation.Kind.ASSEMBLY)
        assert (bench.location.name, bench.activities) == ("Main warehouse", ["assembly"])
        assert ItemType.objects.for_tenant(demo).filter(kind=ItemType.Kind.PRODUCT).count() == 19
        assert ItemType.objects.for_tenant(demo).filter(kind=ItemType.Kind.COMPONENT).count() == 1
        assert ItemType.objects.for_tenant(demo).filter(kind=ItemType.Kind.MATERIAL).count() == 2978
        spools = Spool.objects.for_tenant(demo).select_related("item_type", "location")
        assert spools.count() > 30   # the 30 bought up front and the reorders
        sealed = [s for s in spools if s.location.name == "Main warehouse"]
        assert len(sealed) == 6 and all(s.current_weight_g == s.initial_weight_g for s in sealed)
        assert {s.item_type.material for s in spools} >= {"PLA", "PETG", "ASA", "TPU-95A"}
        assert spools.filter(item_type__name="Prusament PLA Galaxy Black").exists()


    def test_spools_have_a_believable_history(self, demo):
        spools = Spool.objects.for_tenant(demo).select_related("item_type")
        now = timezone.now()

        assert all(now - timedelta(days=61) <= s.received_at < now for s in spools)
        assert all(Decimal("0.018") <= s.cost_per_gram <= Decimal("0.055") for s in spools)
        assert spools.filter(status=Spool.Status.EMPTY).count() >= 1
        assert spools.filter(status=Spool.Status.ARCHIVED).count() == 1
        assert spools.filter(status=Spool.Status.ACTIVE, current_weight_g__lt=60).count() >= 3
        assert len({s.current_weight_g for s in spools}) > 15
        ledger = InventoryTransaction.objects.for_tenant(demo)
        receipts = ledger.filter(transaction_type="receipt")
        assert all(r.created_at == r.spool.received_at for r in receipts.select_related("spool"))
        assert ledger.filter(transaction_type="receipt", note="Reorder: running low").exists()
        assert ledger.filter(transaction_type="reversal", reference_type="spool").count() == 1  # the untared scale
        assert ledger.filter(transaction_type="adjustment", note__startswith="Ran out mid-print").count() == 1


    def test_books_reconcile_with_the_ledger(self, demo):
        assert spool_drift(tenant=demo) == []
        assert stock_drift(tenant=demo) == []
        products = StockBalance.objects.for_tenant(demo).filter(item_type__kind=ItemType.Kind.PRODUCT)
        # A voided or failed plate can leave a pair at exactly 0; stock is never negative.
        assert products.count() >= 12 and all(b.quantity >= 0 for b in products)


    def test_spools_never_go_below_zero_in_time_order(self, demo):
        """The history is played in time order: each spool's running balance stays ≥ 0 row by row."""
        balances: dict[int, Decimal] = defaultdict(Decimal)
        rows = (InventoryTransaction.objects.for_tenant(demo).filter(spool__isnull=False)
                .order_by("created_at", "pk").values_list("spool_id", "quantity"))
        for spool_id, quantity in rows:
            balances[spool_id] += quantity
            assert balances[spool_id] >= 0, f"spool {spool_id} below 0 g"


    def test_gives_every_product_a_recipe(self, demo):
        products = ItemType.objects.for_tenant(demo).filter(kind=ItemType.Kind.PRODUCT)
        recipes = recipes_for_products(tenant=demo, product_ids=products.values_list("pk", flat=True))

        assert set(recipes) == set(products.values_list("pk", flat=True))
        for recipe in recipes.values():
            inputs = list(recipe.inputs.all())
            filaments = [i for i in inputs if i.item_type.kind == ItemType.Kind.MATERIAL]
            assert recipe.output_quantity >= 1 and inputs
            assert all(i.item_type.spools.exists() for i in filaments)
            if recipe.activity == "printing":     # a plate: 3–20 h at 10–15 g of filament an hour
                assert filaments and 3 * 3600 <= recipe.duration_s <= 20 * 3600
                grams_per_hour = sum(i.quantity for i in filaments) / Decimal(recipe.duration_s) * 3600
                assert 10 <= grams_per_hour <= 15, recipe.name
            else:                                 # assembly from parts and components
                assert not filaments and recipe.activity == "assembly" and recipe.duration_s <= 2 * 3600
        assert any(len(recipe.inputs.all()) == 2 and all(i.item_type.kind == ItemType.Kind.MATERIAL
                                                         for i in recipe.inputs.all()) for recipe in recipes.values())
        assert sum(any(i.item_type.kind == ItemType.Kind.PRODUCT for i in recipe.inputs.all())
                   for recipe in recipes.values()) == 4   # drawer, set, weighted base, stand


    def test_has_weeks_of_production_history(self, demo):
        runs = ProductionRun.objects.for_tenant(demo)
        now = timezone.now()

        assert runs.count() >= 150
        assert len({run.started_at.date() for run in runs}) >= 50
        assert set(runs.values_list("status", flat=True)) == set(ProductionRun.Status.values)
        assert all(now - timedelta(days=61) <= run.started_at < now for run in runs)
        ended = runs.exclude(status=ProductionRun.Status.IN_PROGRESS)
        assert all(run.started_at < run.completed_at <= now for run in ended)
        assert runs.filter(status=ProductionRun.Status.IN_PROGRESS, completed_at__isnull=True).count() >= 1
        assert runs.filter(status=ProductionRun.Status.COMPLETED, quality_rating__gte=3).count() >= 0.8 * runs.filter(
            status=ProductionRun.Status.COMPLETED).count()
        assert ProductionRunItem.objects.filter(run__in=runs, failed_quantity__gt=0).exclude(waste_reason="").exists()
        reprints = runs.filter(original_run__isnull=False).select_related("original_run")
        assert reprints.count() >= 3
        for reprint in reprints:
            original = reprint.original_run
            assert original.status in (ProductionRun.Status.COMPLETED, ProductionRun.Status.FAILED)
            assert original.items.filter(failed_quantity__gt=0).exists()
            assert reprint.started_at >= original.completed_at
        assert reprints.filter(status=ProductionRun.Status.COMPLETED).count() >= 3


    def test_variance_report_recommends_updating_recipes(self, demo):
        report = variance_report(tenant=demo)

        assert report["summary"]["runs"] >= 100
        recommended = {r["product_name"]: r["average_variance_pct"] for r in report["recommendations"]}
        assert recommended["Desk organiser"] > 10
        assert recommended["Plant pot, small"] < -10
        assert len(recommended) == 2


    def test_runs_usage_matches_the_ledger(self, demo):
        """Completed and failed runs used −(actual + purge) grams per material, at their end time;
        voided runs net to zero."""
        ledger = defaultdict(Decimal)
        usage_times: dict[str, set] = defaultdict(set)
        for run_id, kind, quantity, at in (InventoryTransaction.objects.for_tenant(demo)
                                           .filter(reference_type="production_run")
                                           .values_list("reference_id", "transaction_type", "quantity", "created_at")):
            ledger[(int(run_id), kind)] += quantity
            if kind == "usage":
                usage_times[int(run_id)].add(at)
        materials = defaultdict(Decimal)
        for run_id, actual, purge in ProductionRunMaterial.objects.filter(run__tenant=demo).values_list(
                "run_id", "actual_weight_g", "actual_purge_g"):
            materials[run_id] += (actual or 0) + (purge or 0)
        runs = ProductionRun.objects.for_tenant(demo)

        ended = runs.filter(status__in=[ProductionRun.Status.COMPLETED, ProductionRun.Status.FAILED])
        assert set(ended.filter(materials__isnull=True).values_list("workstation__kind", flat=True)) == {
            Workstation.Kind.ASSEMBLY}                    # only assembly uses no filament
        for run in ended.filter(materials__isnull=False).distinct():
            assert ledger[(run.pk, "usage")] == -materials[run.pk] < 0, run.run_number
            assert usage_times[run.pk] == {run.completed_at}, run.run_number
        for run in runs.filter(status=ProductionRun.Status.COMPLETED):
            made = run.items.aggregate(total=Sum("successful_quantity"))["total"]
            assert ledger[(run.pk, "production")] == made, run.run_number
        for run in runs.filter(status=ProductionRun.Status.CANCELLED):
            assert ledger[(run.pk, "usage")] < 0
            assert ledger[(run.pk, "usage")] + ledger[(run.pk, "production")] + ledger[(run.pk, "reversal")] == 0
        for run in runs.filter(status=ProductionRun.Status.IN_PROGRESS):
            assert (run.pk, "usage") not in ledger


    def test_has_multi_level_production_plans(self, demo):
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

    def test_has_plan_runs_in_every_derived_status(self, demo):
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

    def test_started_jobs_follow_their_production_runs(self, demo):
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


    def test_keeps_stock_targets_and_the_first_tick_makes_plan_runs_for_them(self, demo):
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

    def test_creates_admin_and_operator_with_the_demo_password(self, demo):
        roles = dict(Membership.objects.filter(tenant=demo).values_list("user__username", "role"))

        assert roles == {"admin": "admin", "operator": "operator"}
        assert all(User.objects.get(username=name).check_password("demo farm password") for name in roles)


    def test_once_changes_nothing_when_demo_exists(self, demo):
        before = counts(demo)

        outputs = [seed("--once"), seed("--once")]

        assert all("already exists; nothing to do" in output for output in outputs)
        assert counts(demo) == before
        assert Tenant.objects.filter(short_code="DEMO").count() == 1


    def test_without_once_refuses_an_existing_demo(self, demo):
        with pytest.raises(CommandError, match="--once"):
            seed()


def test_seed_demo_prints_a_generated_password_and_keeps_existing_users_passwords(db, monkeypatch):
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    admin = User.objects.create_user(username="admin", password="the admin's own password")

    output = seed()

    admin.refresh_from_db()
    assert admin.check_password("the admin's own password")
    assert "admin (admin): existing user, password unchanged" in output
    generated = output.split("operator (operator): password ")[1].strip()
    assert User.objects.get(username="operator").check_password(generated)
