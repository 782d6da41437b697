"""What really happened, recorded from the run pages in a real browser (Chromium, 1280 and 820 px):
a failed print's grams taken off its spool (the spool page shows the drop), a completion that
finished four hours ago (the duration variance counts to then), and an edit page whose one Save
keeps a new quantity and the recipe's grams it rescales. Every action stays inside the viewport."""
from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from inventory.models import Spool
from runs.models import ProductionRun

pytestmark = pytest.mark.browser


def _inside_viewport(page, locator) -> None:
    """The element is on screen horizontally (nothing to scroll sideways to reach it)."""
    box = locator.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= page.viewport_size["width"], box


def _typed(moment, tenant) -> str:
    """A moment as a datetime-local input takes it, in the tenant's time zone."""
    return f"{moment.astimezone(ZoneInfo(tenant.time_zone)):%Y-%m-%dT%H:%M}"


def test_failing_a_run_with_the_grams_it_used_takes_them_off_the_spool(
        transactional_db, page_at, viewport, log_in, screenshot, farm, make_run, operator_user):
    run = make_run(quantity=8)
    page = page_at(viewport)
    log_in(page, operator_user)

    page.goto(f"/runs/{run.pk}/")
    fail = page.get_by_role("link", name="Fail…")
    _inside_viewport(page, fail)
    fail.click()
    expect(page).to_have_url(re.compile(rf"/runs/{run.pk}/fail/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Mark {run.run_number} failed")
    screenshot(page, f"{viewport}-run-fail")

    pla, petg = run.materials.order_by("pk")
    page.locator(f"#material-{pla.pk}").get_by_label("Grams used").fill("61.5")
    page.get_by_label("What went wrong?").fill("Spaghetti at layer 40")
    page.get_by_role("button", name="Mark failed").click()            # PETG left blank
    expect(page.locator(f"#material-{petg.pk}-result")).to_contain_text("Grams used is needed.")
    expect(page.get_by_label("What went wrong?")).to_have_value("Spaghetti at layer 40")
    screenshot(page, f"{viewport}-run-fail-error")

    petg_row = page.locator(f"#material-{petg.pk}")
    petg_row.get_by_text("Weigh spool").click()
    gross = farm.petg_spool.current_weight_g + farm.petg_spool.tare_weight_g   # filament + empty spool
    expect(petg_row.get_by_label("Gross before")).to_have_value(f"{gross:.2f}")
    petg_row.get_by_label("Gross after").fill(str(gross - 12))
    button = page.get_by_role("button", name="Mark failed")
    _inside_viewport(page, button)
    button.click()

    expect(page).to_have_url(re.compile(rf"/runs/{run.pk}/$"))
    expect(page.locator(".alert-success, .toast, [role=status]").first).to_contain_text("73.5 g of filament")
    assert ProductionRun.objects.get(pk=run.pk).status == ProductionRun.Status.FAILED
    page.goto(f"/inventory/spools/{farm.pla_spool.pk}/")
    expect(page.locator("body")).to_contain_text("938.5")              # 1000 g − 61.5 g
    expect(page.locator("body")).to_contain_text(run.run_number)
    assert Spool.objects.get(pk=farm.pla_spool.pk).current_weight_g == Decimal("938.5")
    screenshot(page, f"{viewport}-spool-after-fail")


def test_completing_with_a_finish_time_four_hours_ago_counts_the_print_time_to_then(
        transactional_db, page_at, viewport, log_in, screenshot, tenant, make_run, operator_user):
    started = (timezone.now() - timedelta(hours=9)).replace(second=0, microsecond=0)
    run = make_run(quantity=8, started_at=started)                    # 4 h estimated
    page = page_at(viewport)
    log_in(page, operator_user)

    page.goto(f"/runs/{run.pk}/complete/")
    page.wait_for_load_state()
    finished = page.get_by_label("Finished at")
    expect(finished).to_have_value(re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d$"))     # now
    finished.fill(_typed(started - timedelta(hours=1), tenant))      # before the start
    page.get_by_role("button", name="Complete run").click()
    expect(page.locator("#id_completed_at_error")).to_contain_text("Finished at is before the run started")
    screenshot(page, f"{viewport}-run-complete-finish-error")

    page.get_by_label("Finished at").fill(_typed(started + timedelta(hours=5), tenant))   # four hours ago
    button = page.get_by_role("button", name="Complete run")
    _inside_viewport(page, button)
    button.click()

    expect(page).to_have_url(re.compile(rf"/runs/{run.pk}/$"))
    duration = page.locator("tr", has=page.get_by_role("rowheader", name="Duration"))
    expect(duration).to_contain_text("5 h")
    expect(duration).to_contain_text("+25.0 %")
    screenshot(page, f"{viewport}-run-completed-four-hours-ago")


def test_editing_a_quantity_and_saving_once_keeps_it_and_the_grams(
        transactional_db, page_at, viewport, log_in, screenshot, make_run, operator_user):
    run = make_run(quantity=8)                                        # 240 g PLA + 40 g PETG
    item = run.items.get()
    page = page_at(viewport)
    log_in(page, operator_user)

    page.goto(f"/runs/{run.pk}/edit/")
    screenshot(page, f"{viewport}-run-edit")
    box = page.get_by_role("button", name="Save run").bounding_box()    # the one Save stays in view at the top
    assert box["y"] + box["height"] <= page.viewport_size["height"], box
    quantity = page.get_by_label("Quantity of Phone stand")
    quantity.fill("0")
    page.get_by_role("button", name="Save run").click()
    expect(page.locator(f"#item-row-{item.pk}")).to_contain_text("greater than or equal to 1")
    expect(page.locator("#run-fields")).to_contain_text("Nothing was saved")
    screenshot(page, f"{viewport}-run-edit-error")

    page.get_by_label("Quantity of Phone stand").fill("12")
    page.get_by_label("Notes").fill("Rush order")
    save = page.get_by_role("button", name="Save run")
    _inside_viewport(page, save)
    save.click()

    expect(page).to_have_url(re.compile(rf"/runs/{run.pk}/$"))
    saved = ProductionRun.objects.get(pk=run.pk)
    assert saved.notes == "Rush order" and saved.items.get().quantity == 12
    assert [m.estimated_weight_g for m in saved.materials.order_by("pk")] == [Decimal("360.00"), Decimal("60.00")]
    expect(page.locator("body")).to_contain_text("360")
    page.goto(f"/runs/{run.pk}/edit/")
    expect(page.get_by_label("Quantity of Phone stand")).to_have_value("12")
