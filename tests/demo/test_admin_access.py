"""The demo's ``admin`` member opens /admin/ on the demo farm's rows (DESIGN §2: admin role ↔ staff
for their tenant's data), and the demo farm's dashboard has no onboarding checklist left."""
from __future__ import annotations

from django.test import Client

from inventory.models import Spool
from prodtrack.models import User
from tests.support.pages import page_html


def test_the_demo_admin_opens_the_admin_on_the_demo_farm(demo):
    admin = User.objects.get(username="admin")
    client = Client()
    client.force_login(admin)

    index = client.get("/admin/")
    spools = client.get("/admin/inventory/spool/")

    assert not admin.is_staff and index.status_code == 200
    assert spools.status_code == 200
    assert f"{Spool.objects.for_tenant(demo).count()} spools" in page_html(spools)


def test_the_demo_farm_needs_no_onboarding(demo):
    client = Client()
    client.force_login(User.objects.get(username="operator"))

    response = client.get("/")

    assert response.status_code == 200 and response.context["onboarding"] is None
