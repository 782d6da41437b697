"""Recipes in a real browser (Chromium, 1280 and 820 px): a two-level recipe made by hand from the
product page's "Give it a recipe", and one made from a dropped G-code file; every action in view."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from plans.models import Recipe
from tests.factories import (
    ComponentFactory,
    LocationFactory,
    MaterialFactory,
    ProductFactory,
    make_recipe,
    receive_spool,
)

pytestmark = pytest.mark.browser

TORUS = Path(__file__).resolve().parents[1] / "fixtures" / "gcode" / "03_torus_x4_petg_0.20mm.gcode"


def _in_view(page, locator) -> None:
    """The element's box lies inside the viewport's width (nothing to scroll sideways for)."""
    box = locator.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= page.viewport_size["width"], box


def _inputs(recipe: Recipe) -> set[tuple[str, Decimal]]:
    return {(line.item_type.name, line.quantity) for line in recipe.inputs.select_related("item_type")}


def test_a_manager_gives_a_product_a_two_level_recipe_by_hand(transactional_db, page_at, viewport, log_in,
                                                              screenshot, tenant, admin_user):
    room = LocationFactory(tenant=tenant, name="Print room")
    pla = MaterialFactory(tenant=tenant, name="PLA Galaxy Black", color_hex="#3D3E3D")
    MaterialFactory(tenant=tenant, name="PETG Never Bought", material="PETG")
    receive_spool(tenant=tenant, by=admin_user, material=pla, location=room, grams="1000")
    drawer = ProductFactory(tenant=tenant, name="Drawer")
    make_recipe(tenant=tenant, product=drawer, inputs=[(pla, "40")], output_quantity=2, duration_s=7200)
    ComponentFactory(tenant=tenant, name="Felt pad")
    organiser = ProductFactory(tenant=tenant, name="Desk organiser")
    page = page_at(viewport)
    log_in(page, admin_user)

    # The product page says it has no recipe and offers one.
    page.goto(f"/inventory/items/{organiser.pk}/?tab=recipe")
    expect(page.get_by_text("Desk organiser has no recipe yet.")).to_be_visible()
    screenshot(page, f"{viewport}-recipe-tab-empty")
    page.get_by_role("link", name="Give it a recipe").click()

    # The editor starts with the product chosen and one empty filament row.
    expect(page.locator("#id_product")).to_have_value(str(organiser.pk))
    screenshot(page, f"{viewport}-recipe-new")
    page.locator("#id_output_quantity").fill("1")
    page.get_by_label("Print time per plate").fill("10h 30m")
    page.locator("#recipe-materials select").select_option(label="PLA Galaxy Black")
    page.locator("#recipe-materials input[name$=quantity]").fill("150")

    # Two parts: a printed drawer (the second level) and a bought felt pad.
    parts = page.locator("#recipe-parts select")
    page.get_by_role("button", name="Add a part").click()
    expect(parts).to_have_count(1)
    page.get_by_role("button", name="Add a part").click()
    expect(parts).to_have_count(2)
    expect(page.locator("#recipe-materials input[name$=quantity]")).to_have_value("150")   # kept across the add
    parts.nth(0).select_option(label="Drawer")
    parts.nth(1).select_option(label="Felt pad")
    quantities = page.locator("#recipe-parts input[name$=quantity]")
    quantities.nth(0).fill("2")
    quantities.nth(1).fill("")      # forgotten: the row says what is missing and nothing is saved
    save = page.get_by_role("button", name="Save recipe")
    _in_view(page, save)
    for remove in page.get_by_role("button", name="Remove").all():
        _in_view(page, remove)
    save.click()
    expect(page.get_by_text("Enter how much one plate takes.")).to_be_visible()
    assert not Recipe.objects.filter(product=organiser).exists()
    screenshot(page, f"{viewport}-recipe-row-error")

    page.locator("#recipe-parts input[name$=quantity]").nth(1).fill("4")
    page.get_by_role("button", name="Save recipe").click()
    expect(page.get_by_text("Recipe Desk organiser saved.")).to_be_visible()
    screenshot(page, f"{viewport}-recipe-saved")

    recipe = Recipe.objects.get(product=organiser)
    assert recipe.duration_s == 37800
    assert _inputs(recipe) == {("PLA Galaxy Black", Decimal("150")), ("Drawer", Decimal("2")),
                               ("Felt pad", Decimal("4"))}

    # The product page shows it with a link; the list has it.
    page.goto(f"/inventory/items/{organiser.pk}/?tab=recipe")
    expect(page.get_by_role("link", name="Desk organiser")).to_have_attribute("href", f"/recipes/{recipe.pk}/")
    screenshot(page, f"{viewport}-recipe-tab")
    page.goto("/recipes/")
    expect(page.locator("#results")).to_contain_text("Felt pad")
    _in_view(page, page.get_by_role("link", name="New recipe"))
    screenshot(page, f"{viewport}-recipe-list")


def test_a_manager_makes_a_recipe_from_a_dropped_gcode_file(transactional_db, page_at, viewport, log_in, screenshot,
                                                            tenant, admin_user):
    ProductFactory(tenant=tenant, name="Torus")
    MaterialFactory(tenant=tenant, name="PETG Teal", material="PETG", color_hex="#29B2B2")
    page = page_at(viewport)
    log_in(page, admin_user)

    page.goto("/recipes/")
    expect(page.get_by_text("No recipes yet.")).to_be_visible()
    screenshot(page, f"{viewport}-recipe-list-empty")
    page.get_by_role("link", name="New recipe").first.click()

    # A file dropped before the product is chosen says so and saves nothing.
    page.locator("#gcode-file").set_input_files(str(TORUS))
    expect(page.locator("#gcode-error")).to_contain_text("Choose the product first")
    assert not Recipe.objects.exists()
    screenshot(page, f"{viewport}-recipe-gcode-error")

    page.locator("#id_product").select_option(label="Torus")
    page.locator("#gcode-file").set_input_files(str(TORUS))      # read at once, no second click
    expect(page.get_by_text("4 per plate, 42 min, 7.46 g of filament")).to_be_visible()
    expect(page.locator("#id_output_quantity")).to_have_value("4")
    expect(page.locator("#recipe-materials input[name$=quantity]")).to_have_value("7.46")
    screenshot(page, f"{viewport}-recipe-from-gcode")

    recipe = Recipe.objects.get()
    assert (recipe.name, recipe.output_quantity, recipe.duration_s) == ("Torus (G-code)", 4, 2492)
    assert _inputs(recipe) == {("PETG Teal", Decimal("7.46"))}


def test_a_viewer_reads_a_recipe_without_any_button(transactional_db, page_at, viewport, log_in, screenshot, tenant,
                                                    viewer_user):
    pla = MaterialFactory(tenant=tenant, name="PLA Galaxy Black", color_hex="#3D3E3D")
    drawer = ProductFactory(tenant=tenant, name="Drawer")
    make_recipe(tenant=tenant, product=drawer, inputs=[(pla, "40")], output_quantity=2, duration_s=7200)
    organiser = ProductFactory(tenant=tenant, name="Desk organiser")
    recipe = make_recipe(tenant=tenant, product=organiser, inputs=[(pla, "150"), (drawer, "2")], duration_s=37800)
    page = page_at(viewport)
    log_in(page, viewer_user)

    page.goto(f"/recipes/{recipe.pk}/")
    expect(page.locator("main")).to_contain_text("10 h 30 min")
    expect(page.locator("main")).to_contain_text("printed part")
    expect(page.locator("main form")).to_have_count(0)
    screenshot(page, f"{viewport}-recipe-viewer")

    page.goto("/recipes/?q=nothing-like-this")
    expect(page.get_by_text("Nothing matches these filters.")).to_be_visible()
    expect(page.get_by_role("link", name="New recipe")).to_have_count(0)
    screenshot(page, f"{viewport}-recipe-list-filtered-empty")
