"""/admin/ for a tenant admin in a real browser (1280 and 820 px): their farm's spools, nobody else's."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.factories import MaterialFactory, receive_spool

pytestmark = pytest.mark.browser


def test_a_tenant_admin_browses_their_farms_spools_in_the_admin(
        transactional_db, page_at, viewport, log_in, screenshot, admin_user, tenant, other_tenant, other_admin):
    receive_spool(tenant=tenant, by=admin_user, material=MaterialFactory(tenant=tenant, name="Acme Galaxy PLA"))
    receive_spool(tenant=other_tenant, by=other_admin, material=MaterialFactory(tenant=other_tenant, name="Rival PETG"))
    page = page_at(viewport)
    log_in(page, admin_user)

    page.goto("/admin/")
    expect(page.get_by_role("link", name="Spools")).to_be_visible()
    screenshot(page, f"{viewport}-admin-index-tenant-admin")
    page.get_by_role("link", name="Spools").click()

    expect(page.locator("#result_list")).to_contain_text("Acme Galaxy PLA")
    expect(page.locator("body")).not_to_contain_text("Rival")
    expect(page.locator("body")).not_to_contain_text("Other Farm")
    screenshot(page, f"{viewport}-admin-spools-tenant-admin")
