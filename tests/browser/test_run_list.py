"""The production run list in a real browser (Chromium, HTMX on): filter by status and product,
search the run number as you type, sort by variance from the column header. The table updates in
place (a marker set on ``window`` survives every change), the URL holds the filters, the back
button restores the previous state and a reload of the URL shows the same rows."""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal as D

import pytest
from playwright.sync_api import expect

from inventory.models import ItemType
from runs import services
from runs.models import ProductionRun
from runs.services import ItemSpec, MaterialActual, MaterialSpec
from tests.factories import ProductFactory, make_recipe

pytestmark = pytest.mark.browser


def _complete(run, user, *grams: str):
    """Complete ``run`` with the actual grams of its materials, in order."""
    return services.production_run_complete(run=run, by=user, materials=[
        MaterialActual(material_id=material.pk, actual_weight_g=D(used), actual_purge_g=D("0"))
        for material, used in zip(run.materials.order_by("pk"), grams, strict=True)])


@dataclass(frozen=True)
class ListedRuns:
    over: ProductionRun           # 8 phone stands, 57 % over
    under: ProductionRun          # 8 phone stands, 32 % under
    within: ProductionRun         # 8 phone stands, on estimate
    stand_running: ProductionRun  # 8 phone stands, in progress
    clip_under: ProductionRun     # 10 cable clips, 20 % under
    clip_running: ProductionRun   # 10 cable clips, in progress
    clip: ItemType                # "Cable clip": 10 g PLA each


@pytest.fixture
def runs(farm, make_run, tenant, admin_user) -> ListedRuns:
    """Six runs: phone stands 57 % over, 32 % under, on estimate and in progress; cable clips 20 %
    under and in progress. 8 stands are estimated at 240 g PLA + 40 g PETG, 10 clips at 100 g PLA."""
    clip = ProductFactory(tenant=tenant, name="Cable clip")
    make_recipe(tenant=tenant, product=clip, inputs=[(farm.pla, "10")])

    def clips():
        return services.production_run_create(tenant=tenant, by=admin_user, workstation=farm.printer,
                                              items=[ItemSpec(product=clip, quantity=10)],
                                              materials=[MaterialSpec(spool=farm.pla_spool)])

    made = ListedRuns(
        over=_complete(make_run(quantity=8), admin_user, "400", "40"),
        under=_complete(make_run(quantity=8), admin_user, "150", "40"),
        within=_complete(make_run(quantity=8), admin_user, "240", "40"),
        stand_running=make_run(quantity=8),
        clip_under=_complete(clips(), admin_user, "80"),
        clip_running=clips(),
        clip=clip)
    assert made.over.variance_pct > 10 and made.under.variance_pct < made.clip_under.variance_pct < -10
    return made


def _numbers(page) -> list[str]:
    """The run numbers of the table, top to bottom."""
    return page.locator("#results tbody tr td:first-child a").all_inner_texts()


def test_filter_search_and_sort_update_the_table_in_place_and_live_in_the_url(
        transactional_db, page_at, viewport, log_in, screenshot, runs, viewer_user):
    page = page_at(viewport)
    log_in(page, viewer_user)
    page.goto("/runs/")
    page.wait_for_load_state()
    expect(page.locator("#results tbody tr")).to_have_count(6)
    page.evaluate("window.sameDocument = true")   # a full navigation would lose it
    screenshot(page, f"{viewport}-run-list")

    # Status: completed runs only.
    page.get_by_label("Status").select_option("completed")
    expect(page).to_have_url(re.compile(r"/runs/\?status=completed$"))
    expect(page.locator("#results tbody tr")).to_have_count(4)
    assert runs.stand_running.run_number not in _numbers(page)

    # Product: the cable clips among them.
    page.get_by_label("Product").select_option(label="Cable clip")
    expect(page).to_have_url(re.compile(rf"status=completed&product={runs.clip.pk}$"))
    expect(page.locator("#results tbody tr")).to_have_count(1)
    assert _numbers(page) == [runs.clip_under.run_number]
    page.get_by_label("Product").select_option(label="All products")
    expect(page.locator("#results tbody tr")).to_have_count(4)

    # Sort by variance from the header: under first; again: over first.
    header = page.locator("#results thead").get_by_role("link", name=re.compile("Variance"))
    header.click()
    expect(page).to_have_url(re.compile(r"ordering=variance"))
    expect(page.locator("#results th[aria-sort=ascending]")).to_contain_text("Variance")
    by_variance = [run.run_number for run in (runs.under, runs.clip_under, runs.within, runs.over)]
    assert _numbers(page) == by_variance
    page.locator("#results thead").get_by_role("link", name=re.compile("Variance")).click()
    expect(page).to_have_url(re.compile(r"ordering=-variance"))
    expect(page.locator("#results th[aria-sort=descending]")).to_contain_text("Variance")
    assert _numbers(page) == by_variance[::-1]
    screenshot(page, f"{viewport}-run-list-sorted")
    sorted_url = page.url

    # Search as you type: the over run's number suffix ("-001"), the filters and the sort stay.
    over = runs.over.run_number
    page.get_by_label("Search").fill(over[over.rindex("-"):])     # one input event: one history entry
    expect(page.locator("#results tbody tr")).to_have_count(1)
    assert _numbers(page) == [over]
    expect(page).to_have_url(re.compile(r"q=-\d{3}"))
    assert "status=completed" in page.url and "ordering=-variance" in page.url
    assert page.evaluate("window.sameDocument") is True                  # no full page load so far
    screenshot(page, f"{viewport}-run-list-search")
    searched_url = page.url

    # Back: the sorted list without the search, still in place.
    page.go_back()
    expect(page).to_have_url(sorted_url)
    expect(page.locator("#results tbody tr")).to_have_count(4)
    assert _numbers(page) == by_variance[::-1]

    # A reload of the searched URL renders the same row, with the filters in the form.
    page.goto(searched_url)
    expect(page.locator("#results tbody tr")).to_have_count(1)
    assert _numbers(page) == [over]
    expect(page.get_by_label("Search")).to_have_value(over[over.rindex("-"):])
    expect(page.get_by_label("Status")).to_have_value("completed")
    page.reload()
    expect(page.locator("#results tbody tr")).to_have_count(1)


def test_a_search_that_matches_nothing_offers_to_clear_the_filters(
        transactional_db, page_at, log_in, screenshot, runs, viewer_user):
    page = page_at("desktop")
    log_in(page, viewer_user)
    page.goto("/runs/?status=failed")
    expect(page.get_by_text("Nothing matches these filters.")).to_be_visible()
    screenshot(page, "desktop-run-list-no-match")

    page.get_by_role("link", name="Clear filters").click()
    expect(page).to_have_url(re.compile(r"/runs/$"))
    expect(page.locator("#results tbody tr")).to_have_count(6)
