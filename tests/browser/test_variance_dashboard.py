"""The variance dashboard (/runs/variance/) in a real browser: with completed runs seeded over a
few days, Chart.js draws both charts (estimated vs actual grams per day, variance per product) on
canvases of a real size; without any, the page says what to do and draws nothing."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from runs import services
from runs.services import ItemSpec, MaterialActual, MaterialSpec
from tests.factories import ProductFactory, make_recipe
from tests.support.browser import CHARTS_DRAWN

pytestmark = pytest.mark.browser

# What Chart.js made of a canvas: null when it drew no chart there.
CHART_STATE = """(id) => {
  const canvas = document.getElementById(id);
  const chart = window.Chart && Chart.getChart(canvas);
  if (!chart) return null;
  return {type: chart.config.type, width: canvas.clientWidth, height: canvas.clientHeight,
          labels: chart.data.labels, datasets: chart.data.datasets.map((d) => d.data.length)};
}"""


def _complete(run, user, *grams: str):
    return services.production_run_complete(
        run=run, by=user, completed_at=run.started_at + timedelta(hours=3),
        materials=[MaterialActual(material_id=material.pk, actual_weight_g=D(used), actual_purge_g=D("0"))
                   for material, used in zip(run.materials.order_by("pk"), grams, strict=True)])


@pytest.fixture
def completed_runs(farm, make_run, tenant, admin_user):
    """Phone stands on three days (+15 % each: recommended for a recipe update), cable clips on
    two (−30 %); a run still in progress. The 1 kg PLA spool gives 986 g."""
    clip = ProductFactory(tenant=tenant, name="Cable clip")
    make_recipe(tenant=tenant, product=clip, inputs=[(farm.pla, "10")])
    now = timezone.now()
    for days_ago in (1, 3, 5):
        _complete(make_run(quantity=8, started_at=now - timedelta(days=days_ago)), admin_user, "282", "40")
    for days_ago in (2, 3):
        run = services.production_run_create(tenant=tenant, by=admin_user, workstation=farm.printer,
                                             started_at=now - timedelta(days=days_ago),
                                             items=[ItemSpec(product=clip, quantity=10)],
                                             materials=[MaterialSpec(spool=farm.pla_spool)])
        _complete(run, admin_user, "70")
    make_run(quantity=4)


def test_the_dashboard_draws_its_two_charts(transactional_db, page_at, viewport, log_in, screenshot,
                                            completed_runs, viewer_user):
    page = page_at(viewport)
    log_in(page, viewer_user)
    page.goto("/runs/variance/")
    page.wait_for_load_state()

    expect(page.locator("#variance-summary")).to_contain_text("5")
    expect(page.locator("#variance-recommendations")).to_contain_text("Phone stand is consistently 15 % over")
    page.wait_for_function(CHARTS_DRAWN, arg=["variance-days-chart", "variance-products-chart"])

    days = page.evaluate(CHART_STATE, "variance-days-chart")
    products = page.evaluate(CHART_STATE, "variance-products-chart")
    assert days["type"] == "line" and days["width"] > 200 and days["height"] > 200
    assert len(days["labels"]) == 4 and days["datasets"] == [4, 4]     # 4 days; estimated and actual
    assert products["type"] == "bar" and products["width"] > 150 and products["height"] > 200
    assert products["labels"] == ["Phone stand", "Cable clip"] and products["datasets"] == [2]
    expect(page.locator("#variance-products tbody tr")).to_have_count(2)
    screenshot(page, f"{viewport}-variance-dashboard")


def test_without_completed_runs_the_dashboard_says_what_to_do(transactional_db, page_at, viewport, log_in,
                                                              screenshot, make_run, viewer_user):
    make_run(quantity=4)   # in progress only
    page = page_at(viewport)
    log_in(page, viewer_user)
    page.goto("/runs/variance/")

    expect(page.get_by_text("No completed runs yet.")).to_be_visible()
    assert page.locator("canvas").count() == 0
    screenshot(page, f"{viewport}-variance-dashboard-empty")
