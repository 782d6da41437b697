"""Receiving a spool and filtering the spool list in a real browser (Chromium, HTMX on)."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from inventory.models import Spool
from tests.factories import LocationFactory, MaterialFactory, receive_spool

pytestmark = pytest.mark.browser


@pytest.fixture
def black_filaments(tenant):
    """A print room and two black filaments, only one of them Galaxy Black."""
    LocationFactory(tenant=tenant, name="Print room")
    MaterialFactory(tenant=tenant, name="Prusament PLA Galaxy Black", color_name="Galaxy Black",
                    color_hex="#3D3E3D")
    MaterialFactory(tenant=tenant, name="Prusament PETG Jet Black", material="PETG", color_name="Jet Black",
                    color_hex="#1B1B1B")


def test_an_operator_receives_a_spool_picked_from_the_catalog_search(
        transactional_db, page_at, viewport, log_in, screenshot, black_filaments, operator_user):
    page = page_at(viewport)
    log_in(page, operator_user)

    page.goto("/inventory/spools/")
    expect(page.get_by_text("No spools yet.")).to_be_visible()
    screenshot(page, f"{viewport}-spools-empty")

    page.get_by_role("link", name="Receive spool", exact=True).click()
    search = page.get_by_label("Search the catalog")
    search.press_sequentially("galaxy black", delay=20)
    match = page.locator("#material-matches [data-material-id]")
    expect(match).to_have_count(1)
    expect(match).to_contain_text("Prusament PLA Galaxy Black")
    screenshot(page, f"{viewport}-receive-search")

    match.click()
    expect(page.locator("#chosen-material")).to_contain_text("Galaxy Black")
    expect(page.get_by_label("Filament (net g)")).to_have_value("1000")
    expect(page.get_by_label("Empty spool (tare g)")).to_have_value("201")
    page.get_by_label("Location").select_option(label="Print room")
    screenshot(page, f"{viewport}-receive-chosen")
    page.get_by_role("button", name="Receive spool").click()

    spool = Spool.objects.get()
    expect(page).to_have_url(re.compile(rf"/inventory/spools/{spool.pk}/$"))
    expect(page.get_by_role("alert")).to_contain_text(f"Spool #{spool.pk} received")
    screenshot(page, f"{viewport}-spool-detail")

    page.locator(".breadcrumb").get_by_role("link", name="Spools").click()
    row = page.locator("tbody tr").filter(has_text="Prusament PLA Galaxy Black")
    expect(row).to_have_count(1)
    expect(row.locator(".swatch")).to_have_attribute("style", re.compile("#3D3E3D"))
    expect(row).to_contain_text("1,000 g")
    screenshot(page, f"{viewport}-spools-list")


def test_receiving_without_picking_a_material_shows_the_error_beside_the_search(
        transactional_db, page_at, log_in, screenshot, black_filaments, operator_user):
    page = page_at("desktop")
    log_in(page, operator_user)

    page.goto("/inventory/spools/receive/")
    page.get_by_label("Location").select_option(label="Print room")
    page.get_by_label("Lot number").fill("L-77")
    page.get_by_role("button", name="Receive spool").click()

    expect(page.get_by_text("Choose a material: search the catalog and click a match.")).to_be_visible()
    expect(page.get_by_label("Lot number")).to_have_value("L-77")
    screenshot(page, "desktop-receive-error")
    assert not Spool.objects.exists()


def test_the_spool_list_filters_as_you_type_and_keeps_the_filter_in_the_url(
        transactional_db, page_at, log_in, screenshot, tenant, admin_user):
    petg = MaterialFactory(tenant=tenant, name="Prusament PETG Jet Black", material="PETG", color_hex="#1B1B1B")
    receive_spool(tenant=tenant, by=admin_user, material=petg)
    receive_spool(tenant=tenant, by=admin_user, material=MaterialFactory(tenant=tenant, name="Galaxy PLA"))
    page = page_at("desktop")
    log_in(page, admin_user)

    page.goto("/inventory/spools/")
    expect(page.locator("#results tbody tr")).to_have_count(2)
    page.get_by_label("Search").fill("petg")      # one input event: one history entry (typing pauses each make one)

    expect(page).to_have_url(re.compile(r"/inventory/spools/\?q=petg$"))
    expect(page.locator("#results tbody tr")).to_have_count(1)
    page.reload()
    expect(page.get_by_label("Search")).to_have_value("petg")
    expect(page.locator("#results tbody tr")).to_have_count(1)
    page.go_back()
    expect(page).to_have_url(re.compile(r"/inventory/spools/$"))
    expect(page.locator("#results tbody tr")).to_have_count(2)


def test_the_sidebar_is_a_drawer_on_a_tablet(transactional_db, page_at, log_in, screenshot, admin_user):
    page = page_at("tablet")
    log_in(page, admin_user)

    spools = page.locator("#sidebar").get_by_role("link", name="Spools", exact=True)
    expect(spools).to_be_hidden()
    page.get_by_role("button", name="Open menu").click()
    expect(spools).to_be_visible()
    screenshot(page, "tablet-menu")
    spools.click()
    expect(page).to_have_url(re.compile(r"/inventory/spools/$"))
