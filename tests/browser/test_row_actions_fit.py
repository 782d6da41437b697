"""Every row action of the run list and the item list is reachable on a tablet (820 px) and on a
desktop (1280 px): on a tablet the run's actions sit in a "⋯" menu, and after opening it every button
is inside the viewport; long names are cut to one line with the full name in their title; no table
scrolls sideways to hide a button."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from runs import services
from runs.services import ItemOutcome, MaterialActual
from tests.factories import MaterialFactory, ProductFactory, make_recipe

pytestmark = pytest.mark.browser

LONG = "Articulated phone stand with cable channel and anti-slip feet, large"


@pytest.fixture
def rows(farm, make_run, tenant, admin_user):
    """An in-progress run, a completed run with 2 failed pieces (Reprint) of a product with a long
    name, and a catalog filament with a long name and manufacturer."""
    long = ProductFactory(tenant=tenant, name=LONG)
    make_recipe(tenant=tenant, product=long, inputs=[(farm.pla, "30")])
    running = make_run(quantity=4)
    done = services.production_run_create(
        tenant=tenant, by=admin_user, workstation=farm.printer,
        items=[services.ItemSpec(product=long, quantity=4)], materials=[services.MaterialSpec(spool=farm.pla_spool)])
    services.production_run_complete(
        run=done, by=admin_user, materials=[MaterialActual(material_id=done.materials.get().pk, use_estimate=True)],
        items=[ItemOutcome(item_id=done.items.get().pk, successful_quantity=2, failed_quantity=2,
                           waste_reason="warped")])
    MaterialFactory(tenant=tenant, name="Extra long Silk Rainbow Gradient Multicolour PLA Plus 1.75 mm 1 kg refill",
                    manufacturer="Polymaker Premium Filaments International")
    return running, done


def _inside(page, locator) -> None:
    """``locator`` is visible and wholly inside the viewport's width and height."""
    expect(locator).to_be_visible()
    box = locator.bounding_box()
    size = page.viewport_size
    assert box["x"] >= 0 and box["x"] + box["width"] <= size["width"], (box, size)
    assert box["y"] >= 0 and box["y"] + box["height"] <= size["height"], (box, size)
    # and nothing covers or clips it: the point at its centre is the button itself (or inside it)
    assert locator.evaluate("""(el) => { const r = el.getBoundingClientRect();
        const hit = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
        return hit !== null && el.contains(hit); }"""), "covered or clipped"


def _no_sideways_scroll(page) -> None:
    assert page.evaluate("""() => [...document.querySelectorAll('.table-responsive')]
        .every((el) => el.scrollWidth <= el.clientWidth + 1)""")
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def test_every_run_row_action_is_inside_the_viewport(transactional_db, page_at, viewport, log_in, screenshot,
                                                    rows, manager_user):
    running, done = rows
    page = page_at(viewport)
    log_in(page, manager_user)
    page.goto("/runs/")
    page.wait_for_load_state()
    screenshot(page, f"{viewport}-run-list-rows")
    _no_sideways_scroll(page)
    cut = page.locator("#results .cell-name", has_text=LONG)
    expect(cut).to_have_attribute("title", f"{LONG} × 4")

    expected = {running.run_number: ["Edit", "Complete", "Delete"], done.run_number: ["Reprint", "Delete"]}
    for number, actions in expected.items():
        row = page.locator("#results tbody tr").filter(has_text=number)
        _inside(page, row.get_by_role("link", name=f"View {number}"))
        toggle = row.get_by_role("button", name=f"More for {number}")
        if viewport == "tablet":
            expect(row.get_by_role("button", name=f"Delete {number}")).to_be_hidden()
            toggle.click()
            screenshot(page, f"{viewport}-run-list-menu-{'running' if number == running.run_number else 'done'}")
        else:
            expect(toggle).to_be_hidden()
        for action in actions:
            _inside(page, row.get_by_role("link" if action in {"Edit", "Complete"} else "button",
                                          name=f"{action} {number}"))
        if viewport == "tablet":
            page.keyboard.press("Escape")
            expect(row.get_by_role("button", name=f"Delete {number}")).to_be_hidden()

    # The menu's actions work: Complete opens the run's complete page.
    row = page.locator("#results tbody tr").filter(has_text=running.run_number)
    if viewport == "tablet":
        row.get_by_role("button", name=f"More for {running.run_number}").click()
    row.get_by_role("link", name=f"Complete {running.run_number}").click()
    expect(page).to_have_url(f"{page.url.split('/runs/')[0]}/runs/{running.pk}/complete/")


def test_every_item_rows_edit_is_inside_the_viewport(transactional_db, page_at, viewport, log_in, screenshot,
                                                     rows, manager_user):
    page = page_at(viewport)
    log_in(page, manager_user)
    page.goto("/inventory/items/")
    page.wait_for_load_state()
    screenshot(page, f"{viewport}-item-list-rows")
    _no_sideways_scroll(page)
    edits = page.locator("#results tbody tr").get_by_role("link", name="Edit ")
    assert edits.count() >= 4
    for index in range(edits.count()):
        edit = edits.nth(index)
        edit.scroll_into_view_if_needed()
        _inside(page, edit)
    name = page.locator("#results a.cell-name", has_text="Extra long Silk")
    expect(name).to_have_attribute("title", "Extra long Silk Rainbow Gradient Multicolour PLA Plus 1.75 mm 1 kg refill")
