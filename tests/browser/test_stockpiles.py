"""Stock targets to auto-production in a real browser (Chromium, HTMX on): add a marker through the
dialog (its plan choices follow the item), see it on the list and in the deficits, press "Run now"
on the automation page and follow the tick to its plan run."""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from inventory.models import ItemType, Location
from plans import services as plan_services
from plans.models import ProductionPlan, ProductionPlanRun
from stockpiles.models import AutoProductionRun, StockpileMarker
from stockpiles.services import auto_production_tick, stockpile_marker_upsert
from tests.factories import (
    LocationFactory,
    MaterialFactory,
    ProductFactory,
    WorkstationFactory,
    make_recipe,
    receive_spool,
)
from tests.support.browser import SCREENSHOTS

pytestmark = pytest.mark.browser


@dataclass(frozen=True)
class StockpileFarm:
    room: Location          # "Print room", with printers "MK4-01" and "MK4-02"; "Shop front" is the other location
    pla: ItemType           # "PLA Galaxy Black", 0.03 per g: one 1000 g spool in the print room
    stand: ItemType         # "Phone stand": 4 per plate of 45 g PLA, 13 h ("Cable clip" has no recipe)
    plan: ProductionPlan    # "Phone stands", made in the print room


@pytest.fixture
def stockpile_farm(tenant, admin_user) -> StockpileFarm:
    """A print room with two printers and a spool of PLA; phone stands (4 per plate) planned there."""
    room = LocationFactory(tenant=tenant, name="Print room")
    LocationFactory(tenant=tenant, name="Shop front")
    for name in ("MK4-01", "MK4-02"):
        WorkstationFactory(tenant=tenant, name=name, location=room)
    pla = MaterialFactory(tenant=tenant, name="PLA Galaxy Black", color_hex="#3D3E3D", unit_cost=Decimal("0.03"))
    receive_spool(tenant=tenant, by=admin_user, material=pla, location=room, grams="1000")
    stand = ProductFactory(tenant=tenant, name="Phone stand")
    ProductFactory(tenant=tenant, name="Cable clip")
    make_recipe(tenant=tenant, product=stand, inputs=[(pla, "45")], output_quantity=4, duration_s=13 * 3600)
    plan = plan_services.production_plan_create(tenant=tenant, name="Phone stands", product=stand,
                                                root={"location": room})
    return StockpileFarm(room=room, pla=pla, stand=stand, plan=plan)


def test_a_manager_keeps_stock_and_auto_production_fills_it(transactional_db, page_at, viewport, log_in, screenshot,
                                                            stockpile_farm, tenant, admin_user):
    page = page_at(viewport)
    log_in(page, admin_user)

    # The sidebar (a drawer on tablets) leads to the empty list, which says what to do.
    if viewport == "tablet":
        page.get_by_role("button", name="Open menu").click()
    page.locator("#sidebar").get_by_role("link", name="Stockpiles").click()
    expect(page).to_have_url(re.compile(r"/stockpiles/$"))
    expect(page.get_by_text("No stockpile markers yet.")).to_be_visible()
    screenshot(page, f"{viewport}-stockpiles-empty")

    # "Add marker" opens the dialog; choosing the item offers the plans that make it.
    page.locator(".page-header").get_by_role("link", name="Add marker").click()
    dialog = page.locator("#marker-modal")
    expect(dialog.get_by_label("Item")).to_be_visible()
    expect(dialog.get_by_label("Plan")).to_be_disabled()
    dialog.get_by_label("Item").select_option(label="Phone stand")
    expect(dialog.get_by_label("Plan")).to_be_enabled()
    expect(dialog.locator("#marker-plan option")).to_have_text(["No plan: the deficit goes on the buy list",
                                                             "Phone stands"])
    dialog.get_by_label("Location").select_option(label="Print room")
    dialog.get_by_label("Desired quantity").fill("-2")
    dialog.get_by_label("Plan").select_option(label="Phone stands")
    dialog.get_by_label("Auto-production on").check()
    dialog.get_by_role("button", name="Add marker").click()

    # A bad quantity comes back in the dialog, next to its field, with everything else kept.
    expect(dialog.get_by_text("Enter 0 or more.")).to_be_visible()
    expect(dialog.get_by_label("Desired quantity")).to_have_value("-2")
    expect(dialog.get_by_label("Plan")).to_have_value(str(stockpile_farm.plan.pk))
    expect(dialog.get_by_label("Auto-production on")).to_be_checked()
    page.screenshot(path=str(SCREENSHOTS / f"{viewport}-stockpile-dialog-error.png"))
    assert not StockpileMarker.objects.exists()
    dialog.get_by_label("Desired quantity").fill("12")
    dialog.get_by_label("Parallelism").fill("2")
    dialog.get_by_role("button", name="Add marker").click()

    expect(page.get_by_role("alert")).to_contain_text("Now keeping 12 pcs of Phone stand at Print room.")
    marker = StockpileMarker.objects.get()
    assert (marker.plan, marker.auto_production_enabled, marker.auto_production_parallelism) == (
        stockpile_farm.plan, True, 2)
    row = page.locator(f"#marker-{marker.pk}")
    expect(row).to_contain_text("Phone stand")
    expect(row).to_contain_text("12 pcs")
    expect(row).to_contain_text("On")
    expect(row).to_contain_text("Phone stands")

    # A filament to buy, kept by the service; then the list, and the deficits in their two lists.
    stockpile_marker_upsert(tenant=tenant, owner=admin_user, item_type=stockpile_farm.pla, location=stockpile_farm.room,
                            desired_quantity=Decimal("3000"))
    page.reload()
    expect(page.locator("#results tbody tr")).to_have_count(2)
    screenshot(page, f"{viewport}-stockpiles")

    page.locator(".page-header").get_by_role("link", name="Deficits").click()
    expect(page.locator("#to_produce")).to_contain_text("Phone stand")
    expect(page.locator("#to_produce")).to_contain_text("12 pcs")
    expect(page.locator("#to_buy")).to_contain_text("PLA Galaxy Black")
    expect(page.locator("#to_buy")).to_contain_text("2,000 g")
    screenshot(page, f"{viewport}-deficits")
    with page.expect_download() as download:
        page.locator("#to_buy").get_by_role("link", name="Export CSV").click()
    assert download.value.suggested_filename.startswith(f"to-buy-{tenant.short_code}-")

    # Automation: nothing yet; "Run now" asks first, then ticks and says what it did.
    page.goto("/automation/")
    expect(page.get_by_text("No auto-production ticks yet.")).to_be_visible()
    screenshot(page, f"{viewport}-automation-empty")
    page.get_by_role("button", name="Run now").click()
    confirm = page.locator("#confirm-modal")
    expect(confirm).to_contain_text("Run an auto-production tick now?")
    confirm.get_by_role("button", name="Run now").click()

    tick = AutoProductionRun.objects.get()
    plan_run = ProductionPlanRun.objects.get()
    expect(page.get_by_role("alert")).to_contain_text(
        f"Tick #{tick.pk} succeeded: 1 plan run created (#{plan_run.pk} 12 × Phone stands)")
    row = page.locator(f"#tick-{tick.pk}")
    expect(row).to_contain_text("Run now")
    expect(row.get_by_role("link", name=f"#{plan_run.pk} 12 × Phone stands")).to_be_visible()
    row.get_by_role("button", name=f"Steps and decisions of tick #{tick.pk}").click()
    details = page.locator(f"#tick-{tick.pk}-details")
    expect(details).to_have_class(re.compile(r"\bshow\b"))
    expect(details).to_contain_text("Subtract pending")
    expect(details).to_contain_text(f"Plan run #{plan_run.pk}")

    # Two more ticks (covered by the pending jobs now) give the duration chart something to compare.
    for _ in range(2):
        auto_production_tick(triggered_by=AutoProductionRun.Trigger.COMMAND, tenant=tenant)
    page.reload()
    expect(page.locator("#tick-chart")).to_be_visible()
    expect(page.locator("#results tbody tr.tick-details")).to_have_count(3)
    page.locator(f"#tick-{tick.pk}").get_by_role("button").click()
    expect(page.locator(f"#tick-{tick.pk}-details")).to_have_class(re.compile(r"\bshow\b"))
    screenshot(page, f"{viewport}-automation")

    # A tick has its own page too.
    page.locator(f"#tick-{tick.pk}").get_by_role("link", name=f"#{tick.pk}", exact=True).click()
    expect(page.locator("h1")).to_contain_text(f"Tick #{tick.pk}")
    expect(page.locator(".tick-steps tbody tr")).to_have_count(4)
    screenshot(page, f"{viewport}-automation-tick")
    page.go_back()

    # The tick's plan run is one click away.
    page.locator(f"#tick-{tick.pk}").get_by_role("link", name=f"#{plan_run.pk} 12 × Phone stands").click()
    expect(page).to_have_url(re.compile(rf"/plan-runs/{plan_run.pk}/$"))
    expect(page.locator("h1")).to_contain_text("Pending")

    # Back on the list, the marker is covered by the jobs now pending.
    page.goto("/stockpiles/")
    expect(page.locator(f"#marker-{marker.pk}")).to_contain_text("Covered by pending")


def test_a_viewer_reads_the_pages_without_actions(transactional_db, page_at, log_in, screenshot, stockpile_farm, tenant,
                                                  admin_user, viewer_user):
    stockpile_marker_upsert(tenant=tenant, owner=admin_user, item_type=stockpile_farm.stand,
                            location=stockpile_farm.room, desired_quantity=Decimal("8"), plan=stockpile_farm.plan,
                            auto_production_enabled=True)
    auto_production_tick(triggered_by=AutoProductionRun.Trigger.COMMAND, tenant=tenant)
    page = page_at("tablet")
    log_in(page, viewer_user)

    page.goto("/stockpiles/")
    expect(page.locator("#results tbody tr")).to_have_count(1)
    expect(page.get_by_role("link", name="Add marker")).to_have_count(0)
    page.goto("/automation/")
    expect(page.locator("#results tbody tr.tick-details")).to_have_count(1)
    expect(page.get_by_role("button", name="Run now")).to_have_count(0)
    page.goto("/stockpiles/deficits/")
    expect(page.locator("#to_buy")).to_contain_text("Nothing to buy")
    screenshot(page, "tablet-deficits-viewer")
