"""Spool labels in a real browser (1280 and 820 px): ticking spools in the list opens their sheet;
on paper only the labels print, with their QR codes and colour swatches."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.factories import LocationFactory, MaterialFactory, receive_spool

pytestmark = pytest.mark.browser


@pytest.fixture
def three_spools(tenant, admin_user):
    room = LocationFactory(tenant=tenant, name="Print room")
    galaxy = MaterialFactory(tenant=tenant, name="Prusament PLA Galaxy Black", color_name="Galaxy Black",
                             color_hex="#3D3E3D")
    orange = MaterialFactory(tenant=tenant, name="Prusament PETG Prusa Orange Translucent with a long name",
                             material="PETG", color_name="Prusa Orange", color_hex="#FF6A13")
    return [receive_spool(tenant=tenant, by=admin_user, material=material, location=room, lot_number=lot)
            for material, lot in [(galaxy, "L-1001"), (orange, "L-2002"), (galaxy, "L-1003")]]


def test_ticked_spools_get_a_sheet_of_labels_that_prints_alone(transactional_db, page_at, viewport, log_in,
                                                                screenshot, three_spools, viewer_user):
    first, second, third = three_spools
    page = page_at(viewport)
    log_in(page, viewer_user)

    page.goto("/inventory/spools/")
    page.get_by_label(f"Label spool #{first.pk}").check()
    page.get_by_label(f"Label spool #{second.pk}").check()
    expect(page.get_by_role("button", name="For the ticked spools")).to_be_in_viewport()
    screenshot(page, f"{viewport}-spool-list-labels")
    page.get_by_role("button", name="For the ticked spools").click()

    labels = page.locator(".spool-label")
    expect(labels).to_have_count(2)
    expect(labels.first).to_contain_text("Galaxy Black")
    expect(labels.nth(1)).to_contain_text("L-2002")
    expect(labels.first.locator("svg.label-qr")).to_be_visible()
    expect(page.get_by_role("button", name="Print")).to_be_in_viewport()
    for label in labels.all():                                    # the whole label on screen, nothing cut
        box = label.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= page.viewport_size["width"]
    screenshot(page, f"{viewport}-spool-labels")

    page.emulate_media(media="print")
    expect(page.get_by_role("button", name="Print")).to_be_hidden()
    expect(page.locator("#sidebar")).to_be_hidden()
    expect(labels.first).to_be_visible()
    screenshot(page, f"{viewport}-spool-labels-print")


def test_one_spools_label_from_its_page_and_an_empty_sheet(transactional_db, page_at, viewport, log_in,
                                                          screenshot, three_spools, viewer_user):
    page = page_at(viewport)
    log_in(page, viewer_user)

    page.goto(f"/inventory/spools/{three_spools[1].pk}/")
    expect(page.get_by_role("link", name="Label")).to_be_in_viewport()
    screenshot(page, f"{viewport}-spool-detail-label-link")
    page.get_by_role("link", name="Label").click()
    expect(page.locator(".spool-label")).to_have_count(1)
    expect(page.locator(".spool-label")).to_contain_text("1,000 g filament")
    screenshot(page, f"{viewport}-spool-label-one")

    page.goto("/inventory/spools/labels/?status=archived")
    expect(page.get_by_text("No spools to label.")).to_be_visible()
    screenshot(page, f"{viewport}-spool-labels-empty")
