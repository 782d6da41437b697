"""An empty farm's dashboard in a real browser: the onboarding checklist, the catalog import's
progress bar polled while it runs, the step ticked when it finishes (1280 and 820 px)."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from inventory.models import CatalogImport
from tests.factories import MaterialFactory

pytestmark = pytest.mark.browser


def test_a_manager_starts_the_catalog_import_and_watches_it_finish(
        transactional_db, page_at, viewport, log_in, screenshot, manager_user, tenant, monkeypatch):
    monkeypatch.setattr("prodtrack.celery.app.send_task", lambda *args, **kwargs: None)   # no worker: we play it
    page = page_at(viewport)
    log_in(page, manager_user)

    checklist = page.locator("#onboarding")
    expect(checklist).to_contain_text("0 of 4 done")
    for name in ["Import the filament catalog", "Add a location", "Add a printer", "Add a recipe", "Receive a spool"]:
        action = checklist.get_by_role("link", name=name).or_(checklist.get_by_role("button", name=name))
        expect(action).to_be_in_viewport()
    screenshot(page, f"{viewport}-onboarding-empty")

    page.get_by_role("button", name="Import the filament catalog").click()
    expect(page.locator("#catalog-import")).to_contain_text("Waiting for the background worker")
    started = CatalogImport.objects.get()
    CatalogImport.objects.filter(pk=started.pk).update(status="running", total=2978, done=1500)
    expect(page.locator("#catalog-import")).to_contain_text("1,500 of 2,978 filaments", timeout=5000)
    screenshot(page, f"{viewport}-onboarding-importing")

    CatalogImport.objects.filter(pk=started.pk).update(status="failed", message="The catalog folder is missing.")
    expect(page.locator("#catalog-import")).to_contain_text("The last import failed", timeout=5000)
    screenshot(page, f"{viewport}-onboarding-failed")

    page.get_by_role("button", name="Import the filament catalog").click()
    expect(page.locator("#catalog-import")).to_contain_text("Waiting for the background worker")
    again = CatalogImport.objects.filter(status="queued").get()
    MaterialFactory(tenant=tenant)
    CatalogImport.objects.filter(pk=again.pk).update(status="done", total=2978, done=2978, created=2978)
    expect(checklist).to_contain_text("1 of 4 done", timeout=5000)     # the page reloaded: the step is ticked
    expect(page.locator("#step-materials")).to_contain_text("Catalog imported: 2,978 new filaments")
    screenshot(page, f"{viewport}-onboarding-imported")
