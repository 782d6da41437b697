"""Words and money in a real browser at 1280 and 820 px: the variance dashboard's recommendation
links to the recipe and a failed run's variance is grey; amounts carry the tenant's currency; a
spool received with no cost is warned about; the items list hides the catalog's never-received
filaments behind its filter."""
from __future__ import annotations

from decimal import Decimal as D

import pytest
from playwright.sync_api import expect

from runs import services
from runs.services import MaterialActual
from tests.factories import LocationFactory, MaterialFactory

pytestmark = pytest.mark.browser


def _complete(run, user, pla_g):
    pla, petg = run.materials.order_by("pk")
    return services.production_run_complete(run=run, by=user, materials=[
        MaterialActual(material_id=pla.pk, actual_weight_g=D(pla_g), actual_purge_g=D("0")),
        MaterialActual(material_id=petg.pk, actual_weight_g=D("20"), actual_purge_g=D("0"))])


def test_the_variance_dashboard_links_its_recommendation_and_greys_a_failed_run(
        transactional_db, page_at, viewport, log_in, screenshot, farm, make_run, admin_user, viewer_user):
    for _ in range(3):
        _complete(make_run(quantity=4), admin_user, "141")                    # 161 g of 140 g: +15 %
    failed = make_run(quantity=4)
    pla, petg = failed.materials.order_by("pk")
    services.production_run_fail(run=failed, by=admin_user, materials=[
        MaterialActual(material_id=pla.pk, actual_weight_g=D("30")), MaterialActual(material_id=petg.pk,
                                                                                   actual_weight_g=D("5"))])
    page = page_at(viewport)
    log_in(page, viewer_user)

    page.goto("/runs/variance/")
    recommendation = page.locator("#variance-recommendations")
    expect(recommendation).to_contain_text("Phone stand is consistently 15 % over estimate")
    expect(recommendation.get_by_role("link", name="Open the recipe of Phone stand")).to_have_attribute(
        "href", f"/recipes/{farm.stand.recipes.get().pk}/")
    expect(page.locator("#variance-summary")).to_contain_text("3")
    screenshot(page, f"{viewport}-variance-recommendation")

    page.goto("/runs/")
    row = page.locator("#results tbody tr").filter(has_text=failed.run_number)
    expect(row.locator(".variance-neutral")).to_be_visible()
    screenshot(page, f"{viewport}-run-list-failed-grey")

    page.goto(f"/runs/{failed.pk}/")
    expect(page.locator(".variance-neutral").first).to_be_visible()
    expect(page.get_by_text("€").first).to_be_visible()
    screenshot(page, f"{viewport}-run-detail-failed")


def test_a_spool_received_without_cost_is_warned_about_and_the_catalog_waits_behind_a_filter(
        transactional_db, page_at, viewport, log_in, screenshot, farm, manager_user):
    MaterialFactory(tenant=farm.room.tenant, name="Catalog Silk PLA Sunset", catalog_id="c-1", unit_cost=D("0"))
    shelf = LocationFactory(tenant=farm.room.tenant, name="Shelf B")
    page = page_at(viewport)
    log_in(page, manager_user)

    page.goto("/inventory/items/")
    expect(page.locator("#results")).not_to_contain_text("Catalog Silk PLA Sunset")
    screenshot(page, f"{viewport}-item-list-products-first")
    page.get_by_label("Catalog filaments").select_option(label="Catalog filaments only")
    expect(page.locator("#results")).to_contain_text("Catalog Silk PLA Sunset")
    screenshot(page, f"{viewport}-item-list-catalog-only")

    page.goto("/inventory/spools/receive/")
    page.get_by_label("Search the catalog").press_sequentially("silk sunset", delay=20)
    page.locator("#material-matches [data-material-id]").first.click()
    page.get_by_label("Location").select_option(label=shelf.name)
    page.locator("#id_initial_weight_g").fill("1000")
    screenshot(page, f"{viewport}-spool-receive-form")
    page.get_by_role("button", name="Receive spool").click()
    expect(page.get_by_text("has no cost")).to_be_visible()
    screenshot(page, f"{viewport}-spool-received-no-cost")


def test_the_500_page_is_styled_without_any_context(live_server, page_at, viewport, screenshot):
    from django.test import RequestFactory
    from django.views.defaults import server_error

    html = server_error(RequestFactory().get("/runs/")).content.decode()
    page = page_at(viewport)
    page.route("**/broken/", lambda route: route.fulfill(status=500, body=html, content_type="text/html"))
    page.goto("/broken/")
    expect(page.get_by_role("heading", name="Something went wrong on our side")).to_be_visible()
    expect(page.get_by_role("link", name="Back to the dashboard")).to_be_visible()
    assert page.evaluate("() => getComputedStyle(document.querySelector('.btn-primary')).backgroundColor") \
        != "rgba(0, 0, 0, 0)"                                                 # Bootstrap loaded
    screenshot(page, f"{viewport}-500")
