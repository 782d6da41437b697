"""The pages under a strict Content-Security-Policy in a real browser (DESIGN §8): no template has an
inline script or style, so with ``script-src 'self'; style-src 'self'`` the browser refuses nothing,
app.js draws every chart from its JSON in the band colours, and bar widths and swatch colours (set
through the CSSOM from data attributes) hold, also after an HTMX swap. The skip link is the first
stop of the keyboard and leads to the main content. The policy is added to each page here."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from inventory.models import CatalogImport
from runs import services
from runs.services import ItemSpec, MaterialActual, MaterialSpec
from stockpiles.services import auto_production_run_now
from tests.factories import (
    LocationFactory,
    MaterialFactory,
    ProductFactory,
    WorkstationFactory,
    make_recipe,
    receive_spool,
)

pytestmark = pytest.mark.browser

STRICT_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
              "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")

# Chart.js has drawn (and finished animating) a chart on each canvas id.
CHARTS_DRAWN = """(ids) => window.Chart && ids.every((id) => {
  const chart = Chart.getChart(document.getElementById(id));
  return chart && !Chart.animator.running(chart);
})"""

# The fill of each bar of a chart's dataset.
BAR_COLOURS = "([id, index]) => Chart.getChart(document.getElementById(id)).data.datasets[index].backgroundColor"

# Rendered widths (px) of the bars of the progress bars on the page, and the swatches' colours.
BAR_WIDTHS = "() => Array.from(document.querySelectorAll('.progress-bar'), (bar) => bar.getBoundingClientRect().width)"
SWATCHES = "() => Array.from(document.querySelectorAll('.swatch[data-swatch]'), (s) => getComputedStyle(s).backgroundColor)"


def _run(shop, product, quantity, started_at, *grams: str):
    """A run of ``quantity`` × ``product`` on the shop's spools, completed with ``grams`` used of each
    (still in progress without them)."""
    run = services.production_run_create(
        tenant=shop["tenant"], by=shop["user"], workstation=shop["printer"], started_at=started_at,
        items=[ItemSpec(product=product, quantity=quantity)],
        materials=[MaterialSpec(spool=spool) for spool in shop["spools"][:len(grams) or 2]])
    if not grams:
        return run
    return services.production_run_complete(
        run=run, by=shop["user"], completed_at=started_at + timedelta(hours=3),
        materials=[MaterialActual(material_id=material.pk, actual_weight_g=D(used), actual_purge_g=D("0"))
                   for material, used in zip(run.materials.order_by("pk"), grams, strict=True)])


@pytest.fixture
def shop(tenant, admin_user):
    """Phone stands (240 g PLA + 40 g PETG for 8) 15 % over on two days, cable clips (100 g PLA for 10)
    30 % under, a run in progress; two auto-production ticks. Both filaments are #3D3E3D."""
    room = LocationFactory(tenant=tenant, name="Print room")
    pla = MaterialFactory(tenant=tenant, name="Galaxy Black PLA")
    petg = MaterialFactory(tenant=tenant, name="Jet Black PETG", material="PETG")
    stand, clip = ProductFactory(tenant=tenant, name="Phone stand"), ProductFactory(tenant=tenant, name="Cable clip")
    make_recipe(tenant=tenant, product=stand, inputs=[(pla, "120"), (petg, "20")], output_quantity=4,
                duration_s=7200)
    make_recipe(tenant=tenant, product=clip, inputs=[(pla, "10")])
    shop = {"tenant": tenant, "user": admin_user,
            "printer": WorkstationFactory(tenant=tenant, name="MK4 #1", location=room),
            "spools": [receive_spool(tenant=tenant, by=admin_user, material=material, location=room, grams="1000")
                       for material in (pla, petg)]}
    now = timezone.now()
    shop["stand_run"] = _run(shop, stand, 8, now - timedelta(days=1), "282", "40")
    _run(shop, stand, 8, now - timedelta(days=3), "282", "40")
    _run(shop, clip, 10, now - timedelta(days=2), "70")
    _run(shop, stand, 4, now - timedelta(minutes=50))
    for _ in range(2):
        auto_production_run_now(tenant=tenant, by=admin_user)
    return shop


@pytest.fixture
def strict_page(page_at, log_in):
    """``strict_page("desktop", user)`` → a logged-in page whose documents come with STRICT_CSP, and the
    list of what the browser refused under it."""
    def make(size: str, user):
        page = page_at(size)
        log_in(page, user)
        refused: list[str] = []
        page.on("console", lambda message: refused.append(message.text)
                if "Content Security Policy" in message.text else None)

        def add_policy(route):
            if route.request.resource_type != "document":
                route.fallback()
                return
            response = route.fetch(max_redirects=0)
            route.fulfill(response=response, headers={**response.headers, "content-security-policy": STRICT_CSP})

        page.route("**/*", add_policy)
        return page, refused
    return make


def test_under_a_strict_csp_every_chart_is_drawn_in_the_band_colours(
        transactional_db, strict_page, viewport, screenshot, shop, viewer_user):
    page, refused = strict_page(viewport, viewer_user)

    page.goto("/")
    page.wait_for_function(CHARTS_DRAWN, arg=["variance-trend-chart"])
    assert min(page.evaluate(BAR_WIDTHS)) > 10                          # elapsed time, spool running low
    assert "rgb(61, 62, 61)" in page.evaluate(SWATCHES)                   # #3D3E3D beside the ledger rows

    page.goto(f"/runs/{shop['stand_run'].pk}/")
    page.wait_for_function(CHARTS_DRAWN, arg=["run-materials-chart"])
    assert page.evaluate(BAR_COLOURS, ["run-materials-chart", 1]) == ["rgba(61, 62, 61, 1)"] * 2  # the filaments' colour
    assert page.locator("#run-materials-chart").evaluate("(canvas) => canvas.parentElement.clientHeight") == 180

    page.goto("/runs/variance/")
    page.wait_for_function(CHARTS_DRAWN, arg=["variance-days-chart", "variance-products-chart"])
    assert [colour.replace(" ", "") for colour in page.evaluate(BAR_COLOURS, ["variance-products-chart", 0])] == [
        "rgba(220,53,69,0.8)", "rgba(25,135,84,0.8)"]                     # stands over (red), clips under (green)

    page.goto("/automation/")
    page.wait_for_function(CHARTS_DRAWN, arg=["tick-chart"])

    page.goto("/inventory/stock/")
    page.wait_for_function(CHARTS_DRAWN, arg=["filament-chart"])
    screenshot(page, f"{viewport}-stock")

    assert refused == []


def test_under_a_strict_csp_bars_and_swatches_hold_after_an_htmx_swap(
        transactional_db, strict_page, viewport, screenshot, shop, viewer_user):
    page, refused = strict_page(viewport, viewer_user)

    page.goto("/inventory/spools/")
    expect(page.locator("#results tbody tr")).to_have_count(2)
    page.evaluate("window.sameDocument = true")
    page.locator("#filter-form [name=q]").press_sequentially("PETG", delay=20)
    expect(page.locator("#results tbody tr")).to_have_count(1)
    assert page.evaluate("window.sameDocument") is True                  # swapped in, not reloaded
    assert min(page.evaluate(BAR_WIDTHS)) > 10 and page.evaluate(SWATCHES) == ["rgb(61, 62, 61)"]

    assert refused == []


def test_the_skip_link_is_the_first_stop_and_leads_to_the_content(transactional_db, page_at, viewport, log_in,
                                                                  screenshot, viewer_user):
    page = page_at(viewport)
    log_in(page, viewer_user)
    page.goto("/runs/")
    skip = page.get_by_role("link", name="Skip to content")
    assert skip.bounding_box()["width"] <= 1                               # out of sight until focused

    page.keyboard.press("Tab")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    assert skip.bounding_box()["width"] > 50
    screenshot(page, f"{viewport}-skip-link")
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()


def test_under_a_strict_csp_spool_labels_draw_their_qr_codes_and_swatches(
        transactional_db, strict_page, viewport, shop, viewer_user):
    page, refused = strict_page(viewport, viewer_user)

    page.goto("/inventory/spools/labels/")
    expect(page.locator(".spool-label svg.label-qr")).to_have_count(2)
    qr = page.locator(".spool-label svg.label-qr").first.bounding_box()
    assert qr["width"] > 100 and abs(qr["width"] - qr["height"]) < 1           # sized by app.css, square
    assert page.evaluate(SWATCHES) == ["rgb(61, 62, 61)", "rgb(61, 62, 61)"]

    assert refused == []


def test_under_a_strict_csp_the_catalog_import_bar_holds(transactional_db, strict_page, viewport, manager_user,
                                                         tenant):
    CatalogImport.objects.create(tenant=tenant, status="running", total=2000, done=500)
    page, refused = strict_page(viewport, manager_user)

    page.goto("/")
    expect(page.locator("#catalog-import")).to_contain_text("500 of 2,000 filaments")
    bar = page.locator("#catalog-import .progress-bar").bounding_box()
    track = page.locator("#catalog-import .progress").bounding_box()
    assert abs(bar["width"] / track["width"] - 0.25) < 0.02

    assert refused == []
