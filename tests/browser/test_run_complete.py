"""Completing a production run in a real browser (Chromium, HTMX on): one material at its
estimate, the other weighed before and after printing while the live variance preview follows
the typing, two failed pieces with their reason, four stars; the spools drop by exactly the
grams used."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from runs import services
from runs.models import ProductionRun
from tests.factories import (
    LocationFactory,
    MaterialFactory,
    ProductFactory,
    WorkstationFactory,
    make_recipe,
    receive_spool,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def run(tenant, admin_user):
    """8 phone stands on a printer in the print room: 240 g of PLA and 40 g of PETG estimated."""
    room = LocationFactory(tenant=tenant, name="Print room")
    printer = WorkstationFactory(tenant=tenant, name="MK4 #1", location=room)
    pla = MaterialFactory(tenant=tenant, name="Galaxy Black PLA", color_hex="#3D3E3D")
    petg = MaterialFactory(tenant=tenant, name="Signal Orange PETG", material="PETG", color_name="Signal Orange",
                           color_hex="#F26722")
    stand = ProductFactory(tenant=tenant, name="Phone stand")
    make_recipe(tenant=tenant, product=stand, inputs=[(pla, "120"), (petg, "20")], output_quantity=4, duration_s=7200)
    spools = [receive_spool(tenant=tenant, by=admin_user, material=material, location=room, grams="1000")
              for material in (pla, petg)]
    return services.production_run_create(
        tenant=tenant, by=admin_user, workstation=printer, items=[services.ItemSpec(product=stand, quantity=8)],
        materials=[services.MaterialSpec(spool=spool) for spool in spools])


def test_an_operator_completes_a_run_with_an_estimate_and_a_weighed_spool(
        transactional_db, page_at, viewport, log_in, screenshot, run, operator_user):
    pla, petg = run.materials.select_related("spool").order_by("pk")
    page = page_at(viewport)
    log_in(page, operator_user)

    page.goto(f"/runs/{run.pk}/complete/")
    page.wait_for_load_state()                      # htmx binds the form once the page has loaded
    preview_row = page.locator(f"#preview-material-{petg.pk}")
    expect(preview_row).to_contain_text("40.0 g")   # every material starts at its estimate
    expect(page.locator("#preview-total")).to_contain_text("280.0 g")
    screenshot(page, f"{viewport}-run-complete")

    # PETG on the scale: before, then after; the preview follows without a page load.
    page.evaluate("window.notReloaded = true")
    row = page.locator(f"#material-{petg.pk}")
    row.get_by_text("Weigh spool").click()
    expect(preview_row).to_contain_text("—")         # waiting for both weights
    expect(row.locator(f"#material-{petg.pk}-result")).to_contain_text("Type the weight before and after")
    row.get_by_label("Before").fill("1180")
    row.get_by_label("After").press_sequentially("1140", delay=20)
    expect(preview_row).to_contain_text("40.0 g")
    expect(preview_row).to_contain_text("0.0 %")
    expect(page.locator("#variance-warning")).to_have_count(0)
    row.get_by_label("After").press("Enter")          # a tablet's "Go": the next field, not a submit
    expect(row.get_by_label("Purge")).to_be_focused()
    expect(page).to_have_url(re.compile(rf"/runs/{run.pk}/complete/$"))

    row.get_by_label("After").fill("1200")           # a typo: heavier after printing
    expect(row.locator(f"#material-{petg.pk}-result")).to_contain_text("Weight after is more than the weight before.")
    expect(preview_row).to_contain_text("check input")
    page.evaluate("window.scrollTo({top: 0, behavior: 'instant'})")
    screenshot(page, f"{viewport}-run-complete-error")

    row.get_by_label("After").fill("1130")           # 50 g: 25 % over
    expect(preview_row).to_contain_text("50.0 g")
    expect(preview_row).to_contain_text("+25.0 %")
    expect(preview_row).to_have_class(re.compile(r"\btable-danger\b"))
    expect(row.locator(f"#material-{petg.pk}-result")).to_contain_text("The spool gave 50.0 g")
    expect(page.locator("#preview-total")).to_contain_text("290.0 g")
    expect(page.locator("#variance-warning")).to_contain_text(
        "1 material is more than 10 % off its estimate — check the weights before completing.")
    assert page.evaluate("window.notReloaded") is True
    assert run.materials.filter(actual_weight_g__isnull=False).count() == 0    # the preview wrote nothing

    # Two pieces failed: they leave "successful" and a reason is asked for.
    pieces = page.locator("#complete-items tbody tr").first
    expect(pieces.get_by_label("Why pieces of Phone stand failed")).to_be_hidden()
    pieces.get_by_label("Failed pieces of Phone stand").fill("2")
    expect(pieces.get_by_label("Successful pieces of Phone stand")).to_have_value("6")
    pieces.get_by_label("Why pieces of Phone stand failed").fill("Warped corner")
    page.locator(".star-rating label[title='4 stars']").click()
    page.get_by_label("Quality notes").fill("Slight stringing on the PETG")
    page.evaluate("window.scrollTo({top: 0, behavior: 'instant'})")     # the sticky top bar at the top of the shot
    screenshot(page, f"{viewport}-run-complete-warning")

    page.get_by_role("button", name="Complete run").click()
    expect(page).to_have_url(re.compile(rf"/runs/{run.pk}/$"))
    expect(page.get_by_role("alert").first).to_contain_text(
        f"Run {run.run_number} completed: 290.0 g used, +3.6 % vs estimate; 1 material more than 10 % off.")
    screenshot(page, f"{viewport}-run-complete-done")

    run.refresh_from_db()
    assert run.status == ProductionRun.Status.COMPLETED and run.quality_rating == 4
    item = run.items.get()
    assert (item.successful_quantity, item.failed_quantity, item.waste_reason) == (6, 2, "Warped corner")
    for material, used in ((pla, Decimal("240")), (petg, Decimal("50"))):
        material.spool.refresh_from_db()
        assert material.spool.current_weight_g == Decimal("1000") - used
    page.goto(f"/inventory/spools/{petg.spool_id}/")
    expect(page.locator(".remaining")).to_contain_text("950 g")
