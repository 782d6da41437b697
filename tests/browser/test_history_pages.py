"""The item page with its tabs, the spool page's production usage and the dashboard home in a real
browser: tabs switch in place with HTMX and put ``?tab=`` in the URL (reload and back agree), the
dashboard draws its variance trend; empty states at both screen sizes."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from inventory.services import spool_adjust
from runs.models import ProductionRun
from tests.factories import ProductFactory, receive_spool
from tests.support.browser import CHARTS_DRAWN
from tests.support.runs import complete_stand_run

pytestmark = pytest.mark.browser


@dataclass(frozen=True)
class StandHistory:
    four_days_ago: ProductionRun    # 8 stands, 340 g for 280 g estimated (+21.4 %), 2 warped
    two_days_ago: ProductionRun     # 8 stands, 270 g for 280 g
    yesterday: ProductionRun        # 4 stands, 145 g for 140 g
    running: ProductionRun          # 8 stands, started 50 minutes ago


@pytest.fixture
def history(farm, make_run, admin_user) -> StandHistory:
    """Phone stands: three completed runs over the last days (one 21.4 % over with 2 warped), one in
    progress; 655 g of the PLA spool used."""
    now = timezone.now()
    return StandHistory(
        four_days_ago=complete_stand_run(make_run(quantity=8, started_at=now - timedelta(days=4)), admin_user,
                                         "300", failed=2),
        two_days_ago=complete_stand_run(make_run(quantity=8, started_at=now - timedelta(days=2)), admin_user, "230"),
        yesterday=complete_stand_run(make_run(quantity=4, started_at=now - timedelta(days=1)), admin_user, "125", "20"),
        running=make_run(quantity=8, started_at=now - timedelta(minutes=50)))


def test_a_products_page_switches_to_its_production_history_in_place(
        transactional_db, page_at, viewport, log_in, screenshot, farm, history, viewer_user):
    stand = farm.stand
    page = page_at(viewport)
    log_in(page, viewer_user)

    page.goto("/inventory/items/")
    page.get_by_role("link", name="Phone stand", exact=True).click()
    expect(page).to_have_url(re.compile(rf"/inventory/items/{stand.pk}/$"))
    expect(page.locator("h1")).to_contain_text("Phone stand")
    expect(page.locator("#item-stock")).to_contain_text("Print room")     # the good stands are in stock
    page.wait_for_load_state()
    page.evaluate("window.sameDocument = true")
    screenshot(page, f"{viewport}-item-overview")

    page.get_by_role("link", name="Production history").click()
    expect(page).to_have_url(re.compile(rf"/inventory/items/{stand.pk}/\?tab=history$"))
    expect(page.locator("#product-history tbody tr")).to_have_count(4)
    expect(page.get_by_role("link", name="Production history")).to_have_attribute("aria-current", "page")
    expect(page.locator("#product-history-summary")).to_contain_text("18")   # good pieces of 3 runs: 6 + 8 + 4
    assert page.evaluate("window.sameDocument") is True
    for run in (history.four_days_ago, history.two_days_ago, history.yesterday, history.running):
        expect(page.locator("#product-history")).to_contain_text(run.run_number)
    screenshot(page, f"{viewport}-item-history")

    page.go_back()
    expect(page).to_have_url(re.compile(rf"/inventory/items/{stand.pk}/$"))
    expect(page.locator("#item-stock")).to_be_visible()
    page.go_forward()
    expect(page.locator("#product-history")).to_be_visible()
    page.reload()
    expect(page.locator("#product-history tbody tr")).to_have_count(4)

    page.locator("#product-history").get_by_role("link", name=history.four_days_ago.run_number).click()
    expect(page).to_have_url(re.compile(rf"/runs/{history.four_days_ago.pk}/$"))


def test_a_spools_page_shows_the_runs_that_used_it(transactional_db, page_at, viewport, log_in, screenshot,
                                                   farm, history, viewer_user):
    spool = farm.pla_spool
    page = page_at(viewport)
    log_in(page, viewer_user)

    page.goto(f"/inventory/spools/{spool.pk}/")
    page.wait_for_load_state()
    page.get_by_role("link", name="Production usage").click()
    expect(page).to_have_url(re.compile(r"\?tab=usage$"))
    expect(page.locator("#spool-usage tbody tr")).to_have_count(4)
    expect(page.locator("#spool-usage-summary")).to_contain_text("655 g")    # 300 + 230 + 125
    screenshot(page, f"{viewport}-spool-usage")

    page.get_by_role("navigation", name="Spool sections").get_by_role("link", name="Ledger").click()
    expect(page).to_have_url(re.compile(r"\?tab=ledger$"))
    # The ledger's Source column links the run's usage row to the run.
    expect(page.locator("#results").get_by_role("link", name=history.four_days_ago.run_number)).to_be_visible()


def test_pages_without_runs_say_what_to_do(transactional_db, page_at, viewport, log_in, screenshot, tenant,
                                           admin_user, operator_user):
    product = ProductFactory(tenant=tenant, name="Desk organiser")
    spool = receive_spool(tenant=tenant, by=admin_user)
    page = page_at(viewport)
    log_in(page, operator_user)

    page.goto(f"/inventory/items/{product.pk}/?tab=history")
    expect(page.get_by_text("No production run has made this product yet.")).to_be_visible()
    expect(page.locator("#results").get_by_role("link", name="Go to the job queue")).to_be_visible()
    screenshot(page, f"{viewport}-item-history-empty")
    page.get_by_role("link", name="Overview").click()
    expect(page.get_by_text("None in stock yet.")).to_be_visible()

    page.goto(f"/inventory/spools/{spool.pk}/?tab=usage")
    expect(page.get_by_text("No production run has used this spool yet.")).to_be_visible()
    screenshot(page, f"{viewport}-spool-usage-empty")

    page.goto("/")
    expect(page.get_by_text("Nothing is printing.")).to_be_visible()
    expect(page.get_by_text("No completed runs in the last 30 days.")).to_be_visible()
    expect(page.locator("#runs-in-progress").get_by_role("link", name="Start a job")).to_be_visible()
    screenshot(page, f"{viewport}-dashboard-empty")


def test_the_dashboard_shows_the_shop_and_draws_the_variance_trend(
        transactional_db, page_at, viewport, log_in, screenshot, farm, history, tenant, admin_user, viewer_user):
    low = receive_spool(tenant=tenant, by=admin_user, material=farm.petg, location=farm.room, grams="1000")
    spool_adjust(spool=low, by=admin_user, net_weight_g=D("90"))                # 9 % left
    page = page_at(viewport)
    log_in(page, viewer_user)

    page.goto("/")
    running = history.running
    expect(page.locator("#runs-in-progress")).to_contain_text(running.run_number)
    expect(page.locator("#runs-in-progress")).to_contain_text("MK4 #1")
    expect(page.locator("#recent-completions tbody tr")).to_have_count(3)
    expect(page.locator("#recent-completions")).to_contain_text("+21.4 %")     # 340 g of 280 g
    expect(page.locator("#low-spools")).to_contain_text(f"#{low.pk}")
    page.wait_for_function(CHARTS_DRAWN, arg=["variance-trend-chart"])
    trend = page.evaluate("""() => {
      const canvas = document.getElementById('variance-trend-chart');
      const chart = Chart.getChart(canvas);
      return {width: canvas.clientWidth, height: canvas.clientHeight, days: chart.data.labels.length,
              points: chart.data.datasets[0].data.filter((v) => v !== null).length};
    }""")
    assert trend["width"] > 200 and trend["height"] > 150
    assert trend["days"] == 30 and trend["points"] == 3
    screenshot(page, f"{viewport}-dashboard")
