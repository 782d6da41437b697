"""Run actions and the edit page in a real browser (Chromium, HTMX on): reprint the failed pieces of
a completed run through the confirmation dialog; edit an in-progress run (a quantity, a spool)
without a page load; fail it with a note."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from runs import services
from runs.models import ProductionRun
from runs.services import ItemOutcome, MaterialActual
from tests.factories import receive_spool
from tests.support.browser import SCREENSHOTS

pytestmark = pytest.mark.browser


def _settled(page) -> None:
    """Wait until no finite CSS transition runs (the dialog has faded in) before a screenshot."""
    page.wait_for_function("() => document.getAnimations().every("
                           "(a) => a.playState !== 'running' || a.effect.getComputedTiming().endTime === Infinity)")


def test_an_operator_reprints_the_failed_pieces_of_a_run(transactional_db, page_at, viewport, log_in, screenshot,
                                                         make_run, operator_user, admin_user):
    run = make_run(quantity=8, purge="5")
    item = run.items.get()
    services.production_run_complete(
        run=run, by=admin_user, completed_at=run.started_at + timedelta(hours=4), quality_rating=3,
        materials=[MaterialActual(material_id=m.pk, use_estimate=True) for m in run.materials.all()],
        items=[ItemOutcome(item_id=item.pk, successful_quantity=5, failed_quantity=3, waste_reason="Warped corners")])
    page = page_at(viewport)
    log_in(page, operator_user)

    page.goto(f"/runs/{run.pk}/")
    actions = page.locator("#run-actions")
    expect(actions.get_by_role("button", name="Reprint 3 failed")).to_be_visible()
    expect(actions.get_by_role("link", name="Edit")).to_have_count(0)          # a completed run is not edited
    screenshot(page, f"{viewport}-run-detail-actions")

    actions.get_by_role("button", name="Reprint 3 failed").click()
    dialog = page.locator("#confirm-modal")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text(f"Reprint the 3 failed pieces of {run.run_number}?")
    _settled(page)
    page.screenshot(path=str(SCREENSHOTS / f"{viewport}-run-reprint-confirm.png"))   # the dialog: the viewport
    dialog.get_by_role("button", name="Create reprint").click()

    reprint = ProductionRun.objects.get(original_run=run)
    expect(page).to_have_url(re.compile(rf"/runs/{reprint.pk}/$"))
    expect(page.get_by_role("alert")).to_contain_text(f"Reprint {reprint.run_number} created for the 3 pieces")
    expect(page.locator("h1")).to_contain_text(reprint.run_number)
    expect(page.locator("h1")).to_contain_text("In progress")
    overview = page.locator("dl").filter(has_text="Reprint of")
    expect(overview.get_by_role("link", name=run.run_number)).to_be_visible()
    expect(page.locator("#run-items tbody tr")).to_have_count(1)
    expect(page.locator("#run-items tbody tr td").nth(1)).to_have_text("3")      # planned: the failed pieces
    screenshot(page, f"{viewport}-run-reprint-created")

    # The original now lists its reprint.
    page.get_by_role("link", name=run.run_number).click()
    expect(page.locator("dl").filter(has_text="Reprints")).to_contain_text(reprint.run_number)


def test_an_operator_edits_a_run_in_place_and_fails_it(transactional_db, page_at, viewport, log_in, screenshot,
                                                      make_run, farm, tenant, operator_user, admin_user):
    run = make_run(quantity=8)
    item = run.items.get()
    run.materials.filter(spool=farm.petg_spool).delete()
    services.run_totals_refresh(run)
    spare = receive_spool(tenant=tenant, by=admin_user, material=farm.petg, location=farm.room, grams="640")
    page = page_at(viewport)
    log_in(page, operator_user)

    page.goto("/runs/")
    row = page.locator("#results tbody tr").filter(has_text=run.run_number)
    if viewport == "tablet":                       # the row's actions sit in its "⋯" menu below 992 px
        row.get_by_role("button", name=f"More for {run.run_number}").click()
    expect(row.get_by_role("button", name=f"Delete {run.run_number}")).to_be_visible()
    screenshot(page, f"{viewport}-run-list-actions")
    row.get_by_role("link", name=f"Edit {run.run_number}").click()
    expect(page).to_have_url(re.compile(rf"/runs/{run.pk}/edit/$"))
    page.wait_for_load_state()
    page.evaluate("window.notReloaded = true")

    # A quantity of 0 is refused beside the field by the page's one Save, keeping what was typed.
    items = page.locator("#items")
    items.get_by_label("Quantity of Phone stand").fill("0")
    page.get_by_role("button", name="Save run").click()
    expect(page.locator("#items .invalid-feedback")).to_contain_text("greater than or equal to 1")
    expect(page.locator("#items").get_by_label("Quantity of Phone stand")).to_have_value("0")

    # A quantity: 8 → 4, saved once; the cost and the recipe's grams follow.
    page.locator("#items").get_by_label("Quantity of Phone stand").fill("4")
    page.get_by_role("button", name="Save run").click()
    expect(page).to_have_url(re.compile(rf"/runs/{run.pk}/$"))
    item.refresh_from_db()
    assert (item.quantity, str(item.estimated_cost)) == (4, "3.60")
    assert str(run.materials.get(spool=farm.pla_spool).estimated_weight_g) == "120.00"     # 1 plate × 120 g

    # A spool: picked by its colour and grams; its grams come from the recipe (1 plate × 20 g PETG).
    page.goto(f"/runs/{run.pk}/edit/")
    page.wait_for_load_state()
    page.evaluate("window.notReloaded = true")
    materials = page.locator("#materials")
    picker = materials.locator(".spool-picker label").filter(has_text=f"#{spare.pk} Jet Black PETG")
    expect(picker).to_contain_text("640 g")
    expect(picker.locator(".swatch")).to_be_visible()
    picker.click()
    materials.get_by_role("button", name="Add spool").click()
    expect(page.locator("#materials")).to_contain_text("Spool added.")
    expect(page.locator("#edit-materials tbody tr")).to_have_count(2)
    added = run.materials.get(spool=spare)
    estimate = page.locator(f"#material-row-{added.pk}").get_by_label(f"Estimated grams of spool #{spare.pk}")
    expect(estimate).to_have_value("20.00")
    assert page.evaluate("window.notReloaded") is True
    page.evaluate("window.scrollTo(0, 0)")           # the sticky top bar stays on top of the full page
    screenshot(page, f"{viewport}-run-edit")

    # Fail it from its page with what it used (nothing yet: 0 g from each spool) and a note.
    page.goto(f"/runs/{run.pk}/")
    page.get_by_role("link", name="Fail…").click()
    for material in run.materials.all():
        page.locator(f"#material-{material.pk}").get_by_label("Grams used").fill("0")
    page.get_by_label("What went wrong?").fill("Nozzle clog at layer 12")
    page.get_by_role("button", name="Mark failed").click()
    expect(page.get_by_role("alert")).to_contain_text(f"Run {run.run_number} marked failed")
    expect(page.locator("h1")).to_contain_text("Failed")
    expect(page.get_by_text("Nozzle clog at layer 12")).to_be_visible()
