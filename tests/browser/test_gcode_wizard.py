"""A slicer file dropped on the run wizard (issue 7) in a real browser: choosing the file reads it
at once, the print time, the pieces (torus.stl × 4 → "Torus" × 4) and the grams are prefilled,
the card names the file, and the run keeps its name and estimate."""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from inventory.models import ItemType, Spool
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
TORUS = Path(__file__).resolve().parents[1] / "fixtures" / "gcode" / "03_torus_x4_petg_0.20mm.gcode"


@dataclass(frozen=True)
class TorusFarm:
    torus: ItemType         # "Torus": its recipe guesses 10 g PETG and 45 min per plate of 4
    spool: Spool            # 1000 g of "PETG Teal" in the print room, where printer "MK4-01" stands


@pytest.fixture
def torus_farm(tenant, admin_user) -> TorusFarm:
    """A printer; a torus whose recipe guesses 10 g PETG and 45 min per plate of 4."""
    room = LocationFactory(tenant=tenant, name="Print room")
    WorkstationFactory(tenant=tenant, name="MK4-01", location=room)
    petg = MaterialFactory(tenant=tenant, name="PETG Teal", material="PETG", color_hex="#29B2B2",
                           unit_cost=Decimal("0.03"))
    torus = ProductFactory(tenant=tenant, name="Torus")
    make_recipe(tenant=tenant, product=torus, inputs=[(petg, "10")], output_quantity=4, duration_s=2700)
    spool = receive_spool(tenant=tenant, by=admin_user, material=petg, location=room, grams="1000",
                          cost=Decimal("30.00"))
    return TorusFarm(torus=torus, spool=spool)


def test_a_dropped_gcode_file_prefills_time_pieces_and_grams(transactional_db, page_at, viewport, log_in, screenshot,
                                                             torus_farm, operator_user):
    page = page_at(viewport)
    log_in(page, operator_user)
    page.goto("/runs/new/")
    # The printer's change saves the step in the background; a file read while that request is still
    # out would be overwritten by it (both save the session's draft), so wait for it as a person would.
    with page.expect_response(lambda response: response.request.method == "POST"):
        page.get_by_label("Printer", exact=True).select_option(label="MK4-01")

    page.locator("#gcode-file").set_input_files(str(TORUS))                  # read at once, no second click

    expect(page.locator("#gcode-card")).to_contain_text("03_torus_x4_petg_0.20mm.gcode")
    expect(page.locator("#gcode-figures")).to_have_text("42 min, 1 filament, 7.5 g")
    expect(page.get_by_label("Estimated print time")).to_have_value("41m 32s")
    expect(page.get_by_label("Slicer")).to_have_value("PrusaSlicer 2.5.0")
    expect(page.get_by_label("Printer", exact=True)).to_have_value(re.compile(r"\d+"))   # kept through the upload
    screenshot(page, f"{viewport}-gcode-wizard-basics")
    page.get_by_role("button", name="Next").click()

    expect(page.locator('[aria-current="step"]')).to_contain_text("Items")
    expect(page.get_by_label("Product, row 1")).to_have_value(str(torus_farm.torus.pk))
    expect(page.get_by_label("Pieces, row 1")).to_have_value("4")
    screenshot(page, f"{viewport}-gcode-wizard-items")
    page.get_by_role("button", name="Next").click()

    expect(page.locator('[aria-current="step"]')).to_contain_text("Materials")
    expect(page.get_by_label("Spool for PETG Teal")).to_have_value(str(torus_farm.spool.pk))
    expect(page.get_by_label("Estimated grams")).to_have_value("7.46")       # the file's, not the recipe's 10
    expect(page.locator("#wizard-materials")).to_contain_text("G-code: 7.46 g")
    expect(page.locator("#materials-total")).to_have_text("7.5 g")
    screenshot(page, f"{viewport}-gcode-wizard-materials")
    page.get_by_role("button", name="Next").click()
    page.get_by_role("button", name="Create run").click()

    run = ProductionRun.objects.get()
    expect(page).to_have_url(re.compile(rf"/runs/{run.pk}/$"))
    expect(page.locator("#run-gcode")).to_contain_text("03_torus_x4_petg_0.20mm.gcode")
    expect(page.locator("#run-gcode")).to_contain_text("torus.stl × 4")
    screenshot(page, f"{viewport}-gcode-run-detail")
    assert (run.gcode_filename, run.estimated_duration_s, run.estimated_weight_g) == (
        "03_torus_x4_petg_0.20mm.gcode", 2492, Decimal("7.46"))


def test_a_file_that_is_not_gcode_is_refused_on_step_1(transactional_db, page_at, log_in, screenshot, torus_farm,
                                                       operator_user, tmp_path):
    page = page_at("desktop")
    log_in(page, operator_user)
    page.goto("/runs/new/")
    picture = tmp_path / "photo.gcode"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 16)

    page.locator("#gcode-file").set_input_files(str(picture))

    expect(page.locator("#gcode-error")).to_be_visible()
    expect(page.locator("#gcode-card")).to_have_count(0)
    screenshot(page, "desktop-gcode-wizard-bad-file")
