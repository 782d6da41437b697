"""/admin/ for tenant admins: a member with the admin role opens it for their tenant's rows only;
another tenant's rows, names and ids never show; lesser roles are kept out; superusers see all."""
from __future__ import annotations

import pytest
from django.test import Client

from inventory.models import Location
from plans.models import Recipe
from tests.factories import LocationFactory, MaterialFactory, ProductFactory, make_recipe, receive_spool
from tests.support.pages import page_html


@pytest.fixture
def two_farms(tenant, other_tenant, admin_user, other_admin):
    """Each tenant with a location, a material, a spool and a recipe of its own names."""
    rows = {}
    for farm, user, word in [(tenant, admin_user, "Acme"), (other_tenant, other_admin, "Rival")]:
        room = LocationFactory(tenant=farm, name=f"{word} shelf")
        material = MaterialFactory(tenant=farm, name=f"{word} secret PLA")
        spool = receive_spool(tenant=farm, by=user, material=material, location=room, lot_number=f"{word}-LOT")
        recipe = make_recipe(tenant=farm, product=ProductFactory(tenant=farm, name=f"{word} widget"),
                             inputs=[(material, "50")], name=f"{word} widget plate")
        rows[word] = {"room": room, "material": material, "spool": spool, "recipe": recipe}
    return rows


def _logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_tenant_admin_who_is_not_staff_opens_the_admin(admin_user, two_farms):
    assert not admin_user.is_staff and not admin_user.is_superuser

    response = _logged_in(admin_user).get("/admin/")

    html = page_html(response)
    assert response.status_code == 200
    assert "/admin/inventory/spool/" in html and "/admin/plans/recipe/" in html
    assert "/admin/prodtrack/user/" not in html and "/admin/prodtrack/tenant/" not in html   # people and tenants: superusers


@pytest.mark.parametrize("role_user", ["manager_user", "operator_user", "viewer_user"])
def test_lesser_roles_are_kept_out_of_the_admin(request, role_user):
    response = _logged_in(request.getfixturevalue(role_user)).get("/admin/")

    assert response.status_code == 302 and "/admin/login/" in response["Location"]


@pytest.mark.parametrize("url", ["/admin/inventory/spool/", "/admin/inventory/location/", "/admin/inventory/itemtype/",
                                 "/admin/plans/recipe/", "/admin/inventory/inventorytransaction/",
                                 "/admin/inventory/stockbalance/"])
def test_a_list_shows_only_the_own_tenants_rows_and_names(admin_user, two_farms, url):
    html = page_html(_logged_in(admin_user).get(url))

    assert "Acme" in html
    assert "Rival" not in html and "Other Farm" not in html          # neither rows nor filter choices


def test_another_tenants_row_cannot_be_opened_or_changed(admin_user, two_farms):
    client = _logged_in(admin_user)
    theirs = two_farms["Rival"]

    opened = client.get(f"/admin/inventory/location/{theirs['room'].pk}/change/")
    changed = client.post(f"/admin/inventory/location/{theirs['room'].pk}/change/", {"name": "Hacked", "kind": "storage"})
    deleted = client.post(f"/admin/inventory/location/{theirs['room'].pk}/delete/", {"post": "yes"})
    recipe = client.get(f"/admin/plans/recipe/{theirs['recipe'].pk}/change/")

    for response in (opened, changed, deleted, recipe):
        assert response.status_code == 302 and "Rival" not in page_html(response)   # "doesn't exist", back to the index
    theirs["room"].refresh_from_db()
    assert theirs["room"].name == "Rival shelf"


def test_the_own_rows_forms_offer_only_the_own_tenants_choices(admin_user, two_farms):
    client = _logged_in(admin_user)

    recipe = page_html(client.get(f"/admin/plans/recipe/{two_farms['Acme']['recipe'].pk}/change/"))
    add_location = page_html(client.get("/admin/inventory/location/add/"))

    assert "Acme secret PLA" in recipe and "Rival" not in recipe         # the inputs' material choices too
    assert "Acme Prints" in add_location and "Other Farm" not in add_location


def test_a_row_cannot_be_added_to_another_tenant(admin_user, other_tenant, two_farms):
    response = _logged_in(admin_user).post("/admin/inventory/location/add/",
                                           {"tenant": other_tenant.pk, "name": "Planted", "kind": "storage"})

    assert response.status_code == 200 and "Select a valid choice" in page_html(response)
    assert not Location.objects.filter(name="Planted").exists()


def test_a_tenant_admin_cannot_open_users_or_tenants(admin_user, other_admin):
    client = _logged_in(admin_user)

    assert client.get("/admin/prodtrack/user/").status_code == 403
    assert client.get(f"/admin/prodtrack/user/{admin_user.pk}/change/").status_code == 403
    assert client.get("/admin/prodtrack/tenant/").status_code == 403


def test_an_admin_of_two_tenants_sees_both(admin_user, other_tenant, two_farms):
    from prodtrack.models import Membership, Role
    Membership.objects.create(user=admin_user, tenant=other_tenant, role=Role.ADMIN)

    html = page_html(_logged_in(admin_user).get("/admin/plans/recipe/"))

    assert "Acme widget plate" in html and "Rival widget plate" in html


def test_a_superuser_still_sees_every_tenant(admin_user, two_farms):
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()

    html = page_html(_logged_in(admin_user).get("/admin/plans/recipe/"))

    assert Recipe.objects.count() == 2 and "Acme widget plate" in html and "Rival widget plate" in html
