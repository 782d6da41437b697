"""Analytics over the API: variance report with recommendations, product history, spool usage."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone

from inventory.models import InventoryTransaction
from runs import services
from runs.models import ProductionRun
from tests.factories import ProductFactory, make_recipe, receive_spool

REPORT = "/api/v1/production-runs/variance-report"


def complete(run, grams: dict | None = None, outcomes: dict | None = None):
    """Complete ``run``: ``grams`` maps spool id → actual grams (other spools as estimated);
    ``outcomes`` ({"successful": n, "failed": m}) is for its single item (default: all good)."""
    grams = grams or {}
    materials = [services.MaterialActual(material_id=m.pk, actual_weight_g=Decimal(grams[m.spool_id]))
                 if m.spool_id in grams else services.MaterialActual(material_id=m.pk, use_estimate=True)
                 for m in run.materials.all()]
    items = []
    if outcomes:
        items = [services.ItemOutcome(item_id=run.items.get().pk, successful_quantity=outcomes["successful"],
                                      failed_quantity=outcomes["failed"],
                                      waste_reason="spaghetti" if outcomes["failed"] else "")]
    return services.production_run_complete(run=run, by=run.created_by, materials=materials, items=items)


@pytest.fixture
def clip(tenant, farm):
    """Cable clips: 10 g PLA each."""
    product = ProductFactory(tenant=tenant, name="Cable clip")
    make_recipe(tenant=tenant, product=product, inputs=[(farm.pla, "10")], duration_s=600)
    return product


@pytest.fixture
def report_runs(make_run, farm, clip, tenant, admin_user):
    """Three phone-stand runs 15 % over (140 g planned, 161 g used) and one clip run 2 % under."""
    for _ in range(3):
        complete(make_run(quantity=4), {farm.pla_spool.pk: "138", farm.petg_spool.pk: "23"})
    clips = services.production_run_create(
        tenant=tenant, by=admin_user, workstation=farm.printer,
        items=[services.ItemSpec(product=clip, quantity=5)], materials=[services.MaterialSpec(spool=farm.pla_spool)])
    complete(clips, {farm.pla_spool.pk: "49"})
    make_run(quantity=4)                                     # in progress: not in the report


def test_report_averages_per_product_and_recommends_fixing_the_recipe(api, report_runs, farm, clip):
    response = api.get(REPORT)

    assert response.status_code == 200, response.json()
    report = response.json()
    assert report["summary"] == {"runs": 4, "average_variance_pct": "10.8", "estimated_g": "470.00",
                                 "actual_g": "532.00", "total_variance_pct": "13.2"}
    assert [(p["product_name"], p["runs"], p["average_variance_pct"], p["over_runs"]) for p in report["products"]] == [
        ("Phone stand", 3, "15.0", 3), ("Cable clip", 1, "-2.0", 0)]
    assert [r["message"] for r in report["recommendations"]] == [
        "Phone stand is consistently 15 % over estimate — update its recipe."]
    assert report["recommendations"][0]["product_id"] == farm.stand.pk
    assert [(d["runs"], d["estimated_g"], d["actual_g"]) for d in report["by_day"]] == [(4, "470.00", "532.00")]


def test_report_filters_by_product_and_dates(api, report_runs, clip):
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()

    by_clip = api.get(REPORT, {"product": clip.pk}).json()
    before = api.get(REPORT, {"date_to": yesterday}).json()
    since = api.get(REPORT, {"date_from": yesterday}).json()

    assert by_clip["summary"]["runs"] == 1 and by_clip["recommendations"] == []
    assert before["summary"]["runs"] == 0 and before["products"] == [] and before["summary"]["estimated_g"] == "0.00"
    assert since["summary"]["runs"] == 4


def test_report_refuses_another_tenants_product(api, other_tenant):
    response = api.get(REPORT, {"product": ProductFactory(tenant=other_tenant).pk})

    assert response.status_code == 400 and "product" in response.json()["extra"]["fields"]


@dataclass(frozen=True)
class StandHistory:
    as_estimated: ProductionRun     # 8 stands (7 good), as estimated; the first
    over: ProductionRun             # 4 stands (all good), 10 % over on PLA
    running: ProductionRun          # 4 stands, in progress; the last


@pytest.fixture
def history_runs(make_run, farm) -> StandHistory:
    """8 stands (7 good) as estimated, 4 stands (all good) 10 % over on PLA, 4 stands in progress."""
    return StandHistory(as_estimated=complete(make_run(quantity=8), outcomes={"successful": 7, "failed": 1}),
                        over=complete(make_run(quantity=4), {farm.pla_spool.pk: "132"}),
                        running=make_run(quantity=4))


def test_product_history_summarises_completed_runs_and_lists_every_run(api, history_runs, farm):
    first, second, third = history_runs.as_estimated, history_runs.over, history_runs.running

    response = api.get(f"/api/v1/products/{farm.stand.pk}/production-history")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["summary"] == {"product_id": farm.stand.pk, "product_name": "Phone stand", "runs": 2,
                               "planned": 12, "successful": 11, "failed": 1,
                               "estimated_cost_per_piece": "0.90",     # (7.20 + 3.60) / 12
                               "actual_cost_per_piece": "1.01"}        # (7.20 + 3.90) / 11 good pieces
    assert body["count"] == 3
    rows = body["results"]
    assert [r["run_number"] for r in rows] == [third.run_number, second.run_number, first.run_number]
    assert [r["status"] for r in rows] == ["in_progress", "completed", "completed"]
    assert [(r["estimated_cost"], r["actual_cost"]) for r in rows] == [("3.60", None), ("3.60", "3.90"),
                                                                        ("7.20", "7.20")]
    assert (rows[2]["quantity"], rows[2]["successful_quantity"], rows[2]["failed_quantity"]) == (8, 7, 1)


def test_product_history_pages(api, history_runs, farm):
    body = api.get(f"/api/v1/products/{farm.stand.pk}/production-history", {"page_size": 2}).json()

    assert body["count"] == 3 and len(body["results"]) == 2 and body["next"] and body["summary"]["runs"] == 2


def test_product_history_of_a_material_or_another_tenants_product_is_404(api, farm, other_tenant):
    assert api.get(f"/api/v1/products/{farm.pla.pk}/production-history").status_code == 404
    foreign = ProductFactory(tenant=other_tenant)
    assert api.get(f"/api/v1/products/{foreign.pk}/production-history").status_code == 404


def test_spool_usage_equals_the_ledger_and_drops_after_a_void(api, history_runs, farm, admin_user):
    first, second, third = history_runs.as_estimated, history_runs.over, history_runs.running
    url = f"/api/v1/spools/{farm.pla_spool.pk}/production-usage"
    ledger = InventoryTransaction.objects.filter(spool=farm.pla_spool, reference_type="production_run")

    before = api.get(url).json()
    services.production_run_cancel(run=second, by=admin_user)
    after = api.get(url).json()

    assert Decimal(before["summary"]["used_g"]) == Decimal("372") == -ledger.filter(
        reference_id__in=[str(first.pk), str(second.pk)], transaction_type="usage").aggregate(t=Sum("quantity"))["t"]
    assert Decimal(after["summary"]["used_g"]) == Decimal("240") == -ledger.aggregate(t=Sum("quantity"))["t"]
    assert before["summary"]["runs"] == 3 and before["count"] == 3
    rows = {r["run_id"]: r for r in before["results"]}
    assert (rows[second.pk]["estimated_weight_g"], rows[second.pk]["actual_weight_g"]) == ("120.00", "132.00")
    assert rows[third.pk]["actual_total_g"] is None and rows[third.pk]["status"] == "in_progress"


def test_spool_usage_of_another_tenants_spool_is_404(api, other_tenant, other_admin):
    foreign = receive_spool(tenant=other_tenant, by=other_admin)

    assert api.get(f"/api/v1/spools/{foreign.pk}/production-usage").status_code == 404
