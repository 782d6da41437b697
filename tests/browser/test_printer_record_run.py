"""Recording usage no run took as a run in a real browser (Chromium, HTMX on), at desktop and tablet
width: every action of the board on screen, the dialog over the refreshing board, a refused post
keeps the input and says why, a recorded one links the new run and the usage leaves the board."""
from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from printers import services
from printers.models import UsageSession
from runs.models import ProductionRun

pytestmark = pytest.mark.browser


def _inside_viewport(page, locator) -> None:
    """The element is on screen horizontally (nothing to scroll sideways to reach it)."""
    box = locator.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= page.viewport_size["width"], box


def test_a_manager_records_usage_no_run_took_as_a_run(transactional_db, page_at, viewport, log_in, screenshot,
                                                      farm, admin_user, manager_user, make_run):
    token_row, _ = services.printer_token_create(workstation=farm.printer, by=admin_user)
    page = page_at(viewport)
    log_in(page, manager_user)

    # Nothing to record yet: the board shows the printer and no "usage no run took".
    page.goto("/printers/")
    expect(page.locator("#printer-board")).to_contain_text("MK4 #1")
    expect(page.locator("#unattributed")).to_have_count(0)
    screenshot(page, f"{viewport}-printer-board-empty")

    # The printer reported 30 g with no run; posted once idle, it shows with its actions (a run
    # started since on the spool could take the grams; this one was printed without a run).
    services.spool_use(printer_token=token_row, spool_id=farm.pla_spool.pk, use_weight=Decimal("30"),
                       at=timezone.now() - timedelta(hours=1))
    services.usage_session_close(session=UsageSession.objects.get())
    started = make_run(quantity=4)
    page.goto("/printers/")
    action = page.locator("#unattributed").get_by_role("link", name=re.compile("Record as a run"))
    expect(action).to_be_visible()
    for every in (action, page.get_by_role("button", name="Give to run"), page.get_by_role("button", name=re.compile("Revoke")),
                  page.get_by_role("button", name=re.compile("New address"))):
        _inside_viewport(page, every)
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    screenshot(page, f"{viewport}-printer-board-usage")

    # The dialog: printer, spool and grams; the first line's product to choose.
    action.click()
    dialog = page.locator("#record-modal")
    expect(dialog).to_have_css("opacity", "1")                 # faded in
    expect(dialog.locator("#record-usage")).to_contain_text("30.0 g")
    expect(dialog.locator("#record-usage")).to_contain_text(f"#{farm.pla_spool.pk} Galaxy Black PLA")
    dialog.locator("[name=line-0-product]").select_option(label="Phone stand")
    dialog.locator("[name=line-0-successful]").fill("3")
    dialog.locator("[name=line-0-failed]").fill("1")
    dialog.get_by_role("button", name="Add a product").click()         # a second line; the first kept
    expect(dialog.locator("[name=line-1-product]")).to_be_visible()
    expect(dialog.locator("[name=line-0-failed]")).to_have_value("1")
    screenshot(page, f"{viewport}-record-run-dialog")

    # Failed pieces without a reason: refused, the input kept, the reason asked beside the field.
    dialog.get_by_role("button", name="Record run").click()
    expect(dialog.locator("#id_line-0-waste_reason_error")).to_contain_text("say why the pieces failed.")
    expect(dialog.locator("[name=line-0-failed]")).to_have_value("1")
    assert ProductionRun.objects.count() == 1
    _inside_viewport(page, dialog.get_by_role("button", name="Record run"))
    screenshot(page, f"{viewport}-record-run-error")

    # With the reason: recorded; the dialog links the run and the board drops the usage.
    dialog.locator("[name=line-0-waste_reason]").fill("warped corner")
    dialog.get_by_role("button", name="Record run").click()
    expect(dialog.locator("#record-done")).to_contain_text("recorded as")
    run = ProductionRun.objects.exclude(pk=started.pk).get()
    expect(page.locator("#unattributed")).to_have_count(0)
    link = dialog.get_by_role("link", name=f"Open {run.run_number}")
    _inside_viewport(page, link)
    screenshot(page, f"{viewport}-record-run-done")

    # The run's page: completed, 30 g of PLA reported by the printer.
    link.click()
    expect(page).to_have_url(re.compile(rf"/runs/{run.pk}/$"))
    expect(page.locator("#run-materials")).to_contain_text("reported by MK4 #1")
    expect(page.locator("#run-materials")).to_contain_text("30.0 g")
    screenshot(page, f"{viewport}-recorded-run")
    assert run.status == ProductionRun.Status.COMPLETED and run.items.get().quantity == 4
