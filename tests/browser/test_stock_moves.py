"""Stock moves and weigh sanity in a real browser (Chromium, HTMX on), at 1280 and 820 px: a transfer
and a shipment change the balances on the stock page; an impossible weigh-in is refused."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from inventory import services
from tests.factories import LocationFactory, ProductFactory, receive_spool

pytestmark = pytest.mark.browser


@pytest.fixture
def shelves(tenant, admin_user):
    """12 organiser drawers in the print room; an empty shop front; a stand nobody has made yet."""
    room, shop = LocationFactory(tenant=tenant, name="Print room"), LocationFactory(tenant=tenant, name="Shop front")
    drawer = ProductFactory(tenant=tenant, name="Organiser drawer")
    ProductFactory(tenant=tenant, name="Phone stand")
    services.stock_adjust(tenant=tenant, by=admin_user, item_type=drawer, location=room, quantity=Decimal("12"),
                          note="Stock count")
    return room, shop, drawer


def in_view(page, locator) -> None:
    """The element lies wholly inside the viewport's width (nothing to scroll sideways for)."""
    box = locator.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= page.viewport_size["width"], box


def stock_row(page, location: str):
    return page.locator("#results tbody tr").filter(has_text="Organiser drawer").filter(has_text=location)


def test_an_operator_transfers_and_ships_and_the_stock_page_shows_the_new_balances(
        transactional_db, page_at, viewport, log_in, screenshot, shelves, operator_user):
    page = page_at(viewport)
    log_in(page, operator_user)

    page.goto("/inventory/stock/")
    transfer = stock_row(page, "Print room").get_by_role("link", name="Transfer Organiser drawer")
    in_view(page, transfer)
    screenshot(page, f"{viewport}-stock-moves-stock")
    transfer.click()

    expect(page.get_by_role("heading", name="Move Organiser drawer to another location")).to_be_visible()
    expect(page.locator("#on-hand")).to_have_text("On hand at Print room: 12 pcs")
    page.get_by_label("From").select_option(label="Shop front · 0 pcs on hand")      # HTMX: the on-hand follows
    expect(page.locator("#on-hand")).to_have_text("On hand at Shop front: 0 pcs")
    page.get_by_label("From").select_option(label="Print room · 12 pcs on hand")
    expect(page.locator("#on-hand")).to_have_text("On hand at Print room: 12 pcs")
    page.get_by_label("To").select_option(label="Shop front")
    page.get_by_label("Quantity").fill("20")
    page.get_by_role("button", name="Transfer").click()

    expect(page.locator("#id_quantity_error")).to_have_text("Print room has 12 pcs of Organiser drawer; this needs 20 pcs.")
    expect(page.get_by_label("Quantity")).to_have_value("20")
    in_view(page, page.get_by_role("button", name="Transfer"))
    screenshot(page, f"{viewport}-stock-transfer-short")
    page.get_by_label("Quantity").fill("5")
    page.get_by_role("button", name="Transfer").click()

    expect(page).to_have_url(re.compile(r"/inventory/stock/$"))
    expect(page.get_by_role("alert")).to_contain_text("Moved 5 pcs of Organiser drawer from Print room to Shop front.")
    expect(stock_row(page, "Print room")).to_contain_text("7 pcs")
    expect(stock_row(page, "Shop front")).to_contain_text("5 pcs")
    screenshot(page, f"{viewport}-stock-after-transfer")

    ship = stock_row(page, "Shop front").get_by_role("link", name="Ship Organiser drawer")
    in_view(page, ship)
    ship.click()
    expect(page.locator("#on-hand")).to_have_text("On hand at Shop front: 5 pcs")
    page.get_by_label("Quantity").fill("2")
    page.get_by_label("Customer").fill("Ada's Workshop")
    screenshot(page, f"{viewport}-stock-ship")
    page.get_by_role("button", name="Ship").click()

    expect(page).to_have_url(re.compile(r"/inventory/stock/$"))
    expect(page.get_by_role("alert")).to_contain_text("Shipped 2 pcs of Organiser drawer from Shop front to Ada's Workshop.")
    expect(stock_row(page, "Shop front")).to_contain_text("3 pcs")
    expect(stock_row(page, "Print room")).to_contain_text("7 pcs")


def test_a_manager_moves_stock_from_the_item_page(transactional_db, page_at, viewport, log_in, screenshot, shelves,
                                                  manager_user):
    _, _, drawer = shelves
    page = page_at(viewport)
    log_in(page, manager_user)

    page.goto("/inventory/stock/")
    in_view(page, stock_row(page, "Print room").get_by_role("link", name="Ship Organiser drawer"))
    screenshot(page, f"{viewport}-stock-moves-stock-manager")
    page.goto("/inventory/items/?q=phone")                  # empty: a product with no stock anywhere
    page.get_by_role("link", name="Phone stand").first.click()
    page.locator("#stock-moves").get_by_role("link", name="Transfer Phone stand").click()
    expect(page.locator("#on-hand")).to_have_text("Choose a location to see what it holds.")
    expect(page.locator("#no-stock")).to_contain_text("No location holds any Phone stand yet")
    screenshot(page, f"{viewport}-stock-transfer-empty")
    page.goto(f"/inventory/items/{drawer.pk}/")
    correct = page.locator("#stock-moves").get_by_role("link", name="Correct count of Organiser drawer")
    in_view(page, correct)
    screenshot(page, f"{viewport}-item-stock-moves")
    correct.click()
    expect(page.locator("#on-hand")).to_have_text("Choose a location to see what it holds.")
    page.get_by_role("button", name="Save the count").click()
    expect(page.locator("#id_location_error")).to_be_visible()
    expect(page.locator("#id_note_error")).to_be_visible()
    screenshot(page, f"{viewport}-stock-adjust-errors")
    page.get_by_label("Location").select_option(label="Print room · 12 pcs on hand")
    page.get_by_label("Change").fill("-2")
    page.get_by_label("Reason").fill("Two broken in the drop test")
    page.get_by_role("button", name="Save the count").click()

    expect(page).to_have_url(re.compile(rf"/inventory/items/{drawer.pk}/$"))
    expect(page.locator("#item-stock")).to_contain_text("10 pcs")


def test_an_impossible_weigh_in_is_refused_with_the_range_expected(
        transactional_db, page_at, viewport, log_in, screenshot, tenant, admin_user, operator_user):
    spool = receive_spool(tenant=tenant, by=admin_user, grams="1000", tare_weight_g=Decimal("201"))
    page = page_at(viewport)
    log_in(page, operator_user)

    page.goto(f"/inventory/spools/{spool.pk}/")
    page.get_by_label("Gross weight on the scale (g)").fill("1500")
    expect(page.locator("#net-preview")).to_have_text("1,299 g: more than the spool held full")
    page.get_by_role("button", name="Save weight").click()

    expect(page.locator("#id_gross_weight_g_error")).to_have_text(
        "1,500 g is more than this spool weighed full. Between 201 g (empty spool) and 1,201 g (full) for this spool.")
    in_view(page, page.get_by_role("button", name="Save weight"))
    screenshot(page, f"{viewport}-weigh-refused")
    page.get_by_label("Gross weight on the scale (g)").fill("1101")
    page.get_by_role("button", name="Save weight").click()

    expect(page.get_by_role("alert")).to_contain_text("900 g net (-100 g)")
    spool.refresh_from_db()
    assert spool.current_weight_g == Decimal("900.00")
