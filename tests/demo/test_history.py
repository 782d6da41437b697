"""The seeded demo farm has weeks of believable production history, and its runs' usage is in the
ledger."""
from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone

from inventory.models import InventoryTransaction, Workstation
from runs.models import ProductionRun, ProductionRunItem, ProductionRunMaterial, ProductionRunPart
from runs.selectors import variance_report


def test_has_weeks_of_production_history(demo):
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


def test_variance_report_recommends_updating_recipes(demo):
    report = variance_report(tenant=demo)

    assert report["summary"]["runs"] >= 100
    recommended = {r["product_name"]: r["average_variance_pct"] for r in report["recommendations"]}
    assert recommended["Desk organiser"] > 10
    assert recommended["Plant pot, small"] < -10
    assert len(recommended) == 2


def test_runs_usage_matches_the_ledger(demo):
    """Completed and failed runs used −(actual + purge) grams per material and the parts they
    record, at their end time; voided runs net to zero."""
    ledger = defaultdict(Decimal)
    usage_times: dict[str, set] = defaultdict(set)
    for run_id, kind, spool_id, quantity, at in (
            InventoryTransaction.objects.for_tenant(demo).filter(reference_type="production_run")
            .values_list("reference_id", "transaction_type", "spool_id", "quantity", "created_at")):
        if kind == "usage" and spool_id is None:
            kind = "part usage"
        ledger[(int(run_id), kind)] += quantity
        if kind == "usage":
            usage_times[int(run_id)].add(at)
    materials = defaultdict(Decimal)
    for run_id, actual, purge in ProductionRunMaterial.objects.filter(run__tenant=demo).values_list(
            "run_id", "actual_weight_g", "actual_purge_g"):
        materials[run_id] += (actual or 0) + (purge or 0)
    parts = defaultdict(Decimal)
    for run_id, quantity in ProductionRunPart.objects.filter(run__tenant=demo).values_list("run_id", "quantity"):
        parts[run_id] += quantity
    runs = ProductionRun.objects.for_tenant(demo)

    ended = runs.filter(status__in=[ProductionRun.Status.COMPLETED, ProductionRun.Status.FAILED])
    assert set(ended.filter(materials__isnull=True).values_list("workstation__kind", flat=True)) == {
        Workstation.Kind.ASSEMBLY}                    # only assembly uses no filament
    for run in ended.filter(materials__isnull=False).distinct():
        assert ledger[(run.pk, "usage")] == -materials[run.pk] < 0, run.run_number
        assert usage_times[run.pk] == {run.completed_at}, run.run_number
    for run in ended:
        assert ledger[(run.pk, "part usage")] == -parts[run.pk], run.run_number
    assert any(ledger[(run.pk, "part usage")] < 0 for run in ended.filter(materials__isnull=True))
    for run in runs.filter(status=ProductionRun.Status.COMPLETED):
        made = run.items.aggregate(total=Sum("successful_quantity"))["total"]
        assert ledger[(run.pk, "production")] == made, run.run_number
    for run in runs.filter(status=ProductionRun.Status.CANCELLED):
        assert ledger[(run.pk, "usage")] < 0
        assert sum(ledger[(run.pk, kind)] for kind in ("usage", "part usage", "production", "reversal")) == 0
    for run in runs.filter(status=ProductionRun.Status.IN_PROGRESS):
        assert (run.pk, "usage") not in ledger
