"""API authentication, active-tenant resolution and role limits."""
import re
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from inventory.models import Location
from prodtrack.models import Role
from tests.factories import PASSWORD, LocationFactory, MaterialFactory, MembershipFactory


def test_token_endpoint_answers_a_token_that_authenticates(admin_user, tenant):
    LocationFactory(tenant=tenant, name="Print room")
    client = APIClient()

    token = client.post("/api/v1/auth/token/", {"username": admin_user.username, "password": PASSWORD},
                        format="json").json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    response = client.get("/api/v1/locations")
    assert response.status_code == 200
    assert [row["name"] for row in response.json()["results"]] == ["Print room"]


def test_wrong_password_gets_no_token(admin_user):
    response = APIClient().post("/api/v1/auth/token/", {"username": admin_user.username, "password": "nope"},
                                format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_anonymous_api_request_is_refused_with_the_error_shape(db):
    response = APIClient().get("/api/v1/spools")

    assert response.status_code in (401, 403)
    assert set(response.json()) == {"code", "message", "extra"}


def test_member_of_two_tenants_chooses_with_x_tenant(admin_user, tenant, other_tenant, api):
    MembershipFactory(user=admin_user, tenant=other_tenant, role=Role.VIEWER)
    LocationFactory(tenant=tenant, name="Acme shelf")
    LocationFactory(tenant=other_tenant, name="Other shelf")

    without = api.get("/api/v1/locations")
    acme = api.get("/api/v1/locations", HTTP_X_TENANT="ACME")
    other = api.get("/api/v1/locations", HTTP_X_TENANT="other")

    assert without.status_code == 400 and without.json()["extra"]["fields"] == {
        "X-Tenant": ["is required when you belong to several tenants."]}
    assert [r["name"] for r in acme.json()["results"]] == ["Acme shelf"]
    assert [r["name"] for r in other.json()["results"]] == ["Other shelf"]


def test_x_tenant_of_a_tenant_you_do_not_belong_to_is_404(api, other_tenant):
    response = api.get("/api/v1/locations", HTTP_X_TENANT=other_tenant.short_code)

    assert response.status_code == 404


def test_user_without_membership_gets_404(api_as, db):
    from tests.factories import UserFactory

    response = api_as(UserFactory()).get("/api/v1/locations")

    assert response.status_code == 404


@pytest.mark.parametrize("role,status", [(Role.VIEWER, 403), (Role.OPERATOR, 403), (Role.MANAGER, 201)])
def test_creating_a_location_needs_the_manager_role(api_as, tenant, role, status):
    from tests.factories import UserFactory

    user = UserFactory()
    MembershipFactory(user=user, tenant=tenant, role=role)

    response = api_as(user).post("/api/v1/locations", {"name": "New shelf"}, format="json")

    assert response.status_code == status
    assert Location.objects.filter(tenant=tenant, name="New shelf").exists() == (status == 201)


def test_viewer_can_read_but_not_receive_spools(api_as, viewer_user, tenant):
    material, shelf = MaterialFactory(tenant=tenant), LocationFactory(tenant=tenant)
    client = api_as(viewer_user)

    assert client.get("/api/v1/spools").status_code == 200
    response = client.post("/api/v1/spools", {"item_type": material.pk, "location": shelf.pk,
                                              "initial_weight_g": "1000"}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_operator_receives_spools(api_as, operator_user, tenant):
    material, shelf = MaterialFactory(tenant=tenant), LocationFactory(tenant=tenant)

    response = api_as(operator_user).post("/api/v1/spools", {"item_type": material.pk, "location": shelf.pk},
                                          format="json")

    assert response.status_code == 201
    assert Decimal(response.json()["current_weight_g"]) == material.net_weight_g


def test_schema_and_offline_swagger_ui(api, client, admin_user):
    schema = api.get("/api/schema/")
    client.force_login(admin_user)
    docs = client.get("/api/docs/")

    assert schema.status_code == 200 and b"/api/v1/spools/{id}/adjust" in schema.content
    assert docs.status_code == 200
    html = docs.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert "swagger-ui" in html and assets
    assert all(url.startswith("/static/") for url in assets), assets   # served here, no CDN
