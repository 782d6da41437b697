"""Core pages: login, the tenant switcher."""
from prodtrack.models import Role
from tests.factories import PASSWORD, LocationFactory, MembershipFactory


def test_switching_tenant_changes_what_the_pages_show(client, admin_user, tenant, other_tenant):
    MembershipFactory(user=admin_user, tenant=other_tenant, role=Role.VIEWER)
    LocationFactory(tenant=tenant, name="Acme shelf")
    LocationFactory(tenant=other_tenant, name="Other shelf")
    client.force_login(admin_user)

    before = client.get("/inventory/locations/").content.decode()
    client.post("/tenant/switch/", {"tenant": other_tenant.pk, "next": "/inventory/locations/"})
    after = client.get("/inventory/locations/").content.decode()

    assert "Acme shelf" in before and "Other shelf" not in before
    assert "Other shelf" in after and "Acme shelf" not in after


def test_switching_to_a_tenant_you_do_not_belong_to_changes_nothing(client, admin_user, tenant, other_tenant):
    LocationFactory(tenant=tenant, name="Acme shelf")
    client.force_login(admin_user)

    client.post("/tenant/switch/", {"tenant": other_tenant.pk})

    assert "Acme shelf" in client.get("/inventory/locations/").content.decode()


def test_switcher_never_redirects_off_site(client, admin_user, tenant):
    client.force_login(admin_user)

    response = client.post("/tenant/switch/", {"tenant": tenant.pk, "next": "https://evil.example/"})

    assert response.status_code == 302 and response["Location"] == "/"


def test_login_page_logs_in_and_lands_on_the_dashboard(client, admin_user):
    page = client.get("/login/")
    response = client.post("/login/", {"username": admin_user.username, "password": PASSWORD})

    assert page.status_code == 200
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200
