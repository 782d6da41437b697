"""Deleting an item type or a location: gone when nothing uses it, otherwise a 409 that says what
uses it and deletes nothing (DESIGN §3, issue 12 point 6)."""
from __future__ import annotations

import pytest

from inventory.models import ItemType, Location
from plans import services as plan_services
from tests.factories import LocationFactory, ProductFactory, make_member

pytestmark = pytest.mark.django_db


def test_an_item_type_and_a_location_nothing_uses_are_deleted(api, tenant):
    item, shelf = ProductFactory(tenant=tenant, name="Prototype"), LocationFactory(tenant=tenant, name="Spare shelf")

    assert api.delete(f"/api/v1/item-types/{item.pk}").status_code == 204
    assert api.delete(f"/api/v1/locations/{shelf.pk}").status_code == 204

    assert not ItemType.objects.filter(pk=item.pk).exists() and not Location.objects.filter(pk=shelf.pk).exists()


def test_deleting_an_item_type_that_stock_and_recipes_use_is_409_saying_what_uses_it(api, tenant, assembly_shop,
                                                                                    print_parts):
    shop = assembly_shop
    print_parts(shop.drawer, 2)

    response = api.delete(f"/api/v1/item-types/{shop.drawer.pk}")

    assert response.status_code == 409 and response.json()["code"] == "in_use"
    assert response.json()["extra"]["used_by"] == {
        "inventory transactions": 1, "production run items": 1, "recipe inputs": 1, "recipes": 1,
        "stock balances": 1}
    assert response.json()["message"].startswith("Item type 'Organiser drawer' is used by ")
    assert ItemType.objects.filter(pk=shop.drawer.pk).exists()


def test_deleting_a_location_that_a_plan_delivers_to_is_409_and_keeps_the_plan(api, tenant, assembly_shop):
    shop = assembly_shop
    market = LocationFactory(tenant=tenant, name="Market stall")
    plan_services.production_plan_create(tenant=tenant, name="Sets for the stall", product=shop.organiser_set,
                                         root={"location": market})

    response = api.delete(f"/api/v1/locations/{market.pk}")

    assert response.status_code == 409
    assert response.json()["message"] == (
        "Location 'Market stall' is used by 1 production plan step: it cannot be deleted.")
    assert Location.objects.filter(pk=market.pk).exists()


def test_only_managers_delete_and_another_tenants_ids_are_404(api, api_as, tenant, other_tenant):
    theirs = LocationFactory(tenant=other_tenant, name="Their shelf")
    ours = LocationFactory(tenant=tenant, name="Our shelf")
    operator = make_member(tenant=tenant, role="operator", username="op-delete")

    assert api.delete(f"/api/v1/locations/{theirs.pk}").status_code == 404
    assert api_as(operator).delete(f"/api/v1/locations/{ours.pk}").status_code == 403
    assert Location.objects.filter(pk__in=[theirs.pk, ours.pk]).count() == 2
