"""``seed_demo``: the demo print farm is complete, its books reconcile, its production history is
believable, and ``--once`` is a no-op."""
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
from plans.models import Recipe
from plans.selectors import recipes_for_products
from prodtrack.models import Membership, Tenant, User
from runs.models import ProductionRun, ProductionRunItem, ProductionRunMaterial
from runs.selectors import variance_report

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

        assert "12 products, 12 recipes." in output
        summary = re.search(r"Runs over 60 days: (\d+) \((\d+) completed, (\d+) failed, (\d+) cancelled, "
                            r"(\d+) in progress; (\d+) reprints\)", output)
        runs, *by_status, reprints = map(int, summary.groups())
        assert runs == sum(by_status) == ProductionRun.objects.for_tenant(demo).count()
        assert reprints >= 3

    def test_builds_a_print_farm(self, demo):
        assert demo.name == "Demo Print Farm"
        assert Recipe.objects.for_tenant(demo).count() == 12
        assert Location.objects.for_tenant(demo).count() == 3
        printers = Workstation.objects.for_tenant(demo).filter(kind=Workstation.Kind.PRINTER)
        assert printers.count() == 8 and all(p.model_name for p in printers)
        assert ItemType.objects.for_tenant(demo).filter(kind=ItemType.Kind.PRODUCT).count() == 12
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
        assert products.count() >= 12 and all(b.quantity > 0 for b in products)


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
            assert recipe.output_quantity >= 1 and 3 * 3600 <= recipe.duration_s <= 20 * 3600
            assert inputs and all(i.item_type.kind == ItemType.Kind.MATERIAL and i.item_type.spools.exists()
                                  for i in inputs)
            grams_per_hour = sum(i.quantity for i in inputs) / Decimal(recipe.duration_s) * 3600
            assert 10 <= grams_per_hour <= 15
        assert any(len(recipe.inputs.all()) == 2 for recipe in recipes.values())


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

        for run in runs.filter(status__in=[ProductionRun.Status.COMPLETED, ProductionRun.Status.FAILED]):
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
