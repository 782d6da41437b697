"""Recording a print in a real browser (Chromium, HTMX on): the four-step wizard with recipe
estimates, then completing the run with one material on its estimate and one weighed, watching
the live variance, and the spool dropping by exactly the grams used."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from inventory.models import Spool
from runs.models import ProductionRun

pytestmark = pytest.mark.browser


class Touches:
    """Counts what a user touches (a field filled or chosen, a button clicked)."""

    def __init__(self, page) -> None:
        self.page, self.count = page, 0

    def click(self, locator) -> None:
        self.count += 1
        locator.click()

    def fill(self, locator, value: str) -> None:
        self.count += 1
        locator.fill(value)

    def select(self, locator, **option) -> None:
        self.count += 1
        locator.select_option(**option)


def test_an_operator_records_a_print_through_the_wizard(transactional_db, page_at, viewport, log_in, screenshot,
                                                        farm, operator_user, capsys):
    page = page_at(viewport)
    log_in(page, operator_user)
    page.goto("/runs/new/review/")                                            # jumping ahead: every error
    expect(page.locator("#review-errors")).to_contain_text("Fill in the basics.")
    expect(page.get_by_role("button", name="Create run")).to_be_disabled()
    screenshot(page, f"{viewport}-run-wizard-review-errors")
    page.goto("/runs/new/")
    touch = Touches(page)

    # 1. Basics: start defaults to now, the number is a preview; choose the printer.
    expect(page.locator("#run-number-preview")).to_have_text(re.compile(r"^ACME-\d{8}-001$"))
    touch.select(page.get_by_label("Printer", exact=True), label="MK4 #1")
    screenshot(page, f"{viewport}-run-wizard-basics")
    touch.click(page.get_by_role("button", name="Next"))

    # 2. Items: the recipe prices the row and lists the filament as the quantity changes.
    expect(page.locator('[aria-current="step"]')).to_contain_text("Items")
    touch.select(page.get_by_label("Product, row 1"), label="Phone stand")
    touch.fill(page.get_by_label("Pieces, row 1"), "8")
    page.get_by_label("Bed position, row 1").focus()                          # leaving the field: change
    expect(page.locator("#items-estimate")).to_contain_text("240.0 g")      # 8 / 4 plates × 120 g
    expect(page.locator("#items-cost")).to_have_text("€7.20")
    screenshot(page, f"{viewport}-run-wizard-items")
    touch.click(page.get_by_role("button", name="Next"))

    # 3. Materials: one row per material, the printer's spools chosen, grams from the recipe.
    expect(page.locator('[aria-current="step"]')).to_contain_text("Materials")
    expect(page.locator("#wizard-materials tbody tr")).to_have_count(2)
    expect(page.get_by_label("Spool for Galaxy Black PLA")).to_have_value(str(farm.pla_spool.pk))
    expect(page.locator("#materials-total")).to_have_text("280.0 g")
    page.get_by_label("Purge grams").first.fill("5")                        # optional: not counted
    page.get_by_label("Estimated grams").first.focus()
    expect(page.locator("#materials-total")).to_have_text("285.0 g")
    screenshot(page, f"{viewport}-run-wizard-materials")
    touch.click(page.get_by_role("button", name="Next"))

    # 4. Review, then create: one cost for the run, the one it keeps.
    expect(page.locator("#review-items")).to_contain_text("Phone stand")
    expect(page.locator("#review-materials")).to_contain_text("240.0 g")
    review_cost = page.locator("#review-cost span").last.inner_text()
    screenshot(page, f"{viewport}-run-wizard-review")
    touch.click(page.get_by_role("button", name="Create run"))

    run = ProductionRun.objects.get()
    expect(page).to_have_url(re.compile(rf"/runs/{run.pk}/$"))
    expect(page.get_by_role("alert")).to_contain_text(f"Production run {run.run_number} started")
    assert run.estimated_total_g == Decimal("285.00") and run.items.get().quantity == 8
    assert review_cost == f"€{run.estimated_cost:.2f}"
    with capsys.disabled():
        print(f"\n[{viewport}] inputs touched to record a one-product run through the wizard: {touch.count}")
    assert touch.count == 7
    assert Spool.objects.get(pk=farm.pla_spool.pk).current_weight_g == Decimal("1000")   # nothing used yet

    # Complete it: PLA on its estimate (the default), PETG weighed before and after; the live
    # preview follows the typing; the spools drop by exactly the grams used.
    page.get_by_role("link", name="Complete…").click()
    page.wait_for_load_state()
    pla, petg = run.materials.order_by("pk")
    preview = page.locator(f"#preview-material-{petg.pk}")
    expect(preview).to_contain_text("40.0 g")
    row = page.locator(f"#material-{petg.pk}")
    row.get_by_text("Weigh spool").click()
    row.get_by_label("Before").fill("1180")
    row.get_by_label("After").fill("1134")                                    # 46 g: +15 %
    expect(preview).to_contain_text("46.0 g")
    expect(preview).to_contain_text("+15.0 %")
    expect(page.locator("#variance-warning")).to_contain_text("1 material is more than 10 % off")
    row.get_by_label("After").fill("1139")                                    # 41 g: +2.5 %
    expect(preview).to_contain_text("+2.5 %")
    expect(page.locator("#variance-warning")).to_have_count(0)
    page.evaluate("window.scrollTo({top: 0, behavior: 'instant'})")
    screenshot(page, f"{viewport}-run-wizard-complete")
    page.get_by_role("button", name="Complete run").click()

    expect(page).to_have_url(re.compile(rf"/runs/{run.pk}/$"))
    expect(page.get_by_role("alert").first).to_contain_text(f"Run {run.run_number} completed")
    used = {pla.spool_id: Decimal("245"), petg.spool_id: Decimal("41")}      # 240 g + 5 g purge; 41 g weighed
    for spool_id, grams in used.items():
        assert Spool.objects.get(pk=spool_id).current_weight_g == Decimal("1000") - grams
    page.goto(f"/inventory/spools/{farm.pla_spool.pk}/")
    expect(page.locator(".remaining")).to_contain_text("755 g")
