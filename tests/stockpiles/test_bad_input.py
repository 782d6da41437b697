"""Bad marker input is refused with the field named, and nothing is written (API and service)."""
from __future__ import annotations

from decimal import Decimal

import pytest

from plans import services as plan_services
from prodtrack.exceptions import ValidationError
from stockpiles.models import StockpileMarker
from stockpiles.services import stockpile_marker_update, stockpile_marker_upsert
from tests.factories import LocationFactory, ProductFactory, make_recipe

URL = "/api/v1/stockpiles"


@pytest.fixture
def other_plan(other_tenant, stock_shop):
    """Another tenant's plan for its own phone stand."""
    stand = ProductFactory(tenant=other_tenant, name="Their stand")
    make_recipe(tenant=other_tenant, product=stand, inputs=[])
    return plan_services.production_plan_create(tenant=other_tenant, name="Their stands", product=stand)


def body(stock_shop, **changes):
    return {"item_type": stock_shop.stand.pk, "location": stock_shop.shop.pk, "desired_quantity": "10",
            "plan_id": stock_shop.stand_plan.pk, "auto_production_parallelism": 1, "auto_production_enabled": True,
            **changes}


BAD_POSTS = {
    "negative desired quantity": ({"desired_quantity": "-1"}, "desired_quantity"),
    "parallelism below 0": ({"auto_production_parallelism": -1}, "auto_production_parallelism"),
    "parallelism as a string": ({"auto_production_parallelism": "2"}, "auto_production_parallelism"),
    "a plan for another product": ({"plan_id": "organiser_plan"}, "plan_id"),
    "another tenant's plan": ({"plan_id": "other_plan"}, "plan_id"),
    "a plan that does not exist": ({"plan_id": 999999}, "plan_id"),
    "half a phone stand": ({"desired_quantity": "2.5"}, "desired_quantity"),
    "auto-production without a plan": ({"plan_id": None}, "auto_production_enabled"),
}


@pytest.mark.parametrize("changes,field", BAD_POSTS.values(), ids=BAD_POSTS.keys())
def test_bad_post_is_400_naming_the_field_and_writes_nothing(api, stock_shop, other_plan, changes, field):
    plans = {"organiser_plan": stock_shop.organiser_plan.pk, "other_plan": other_plan.pk}
    changes = {k: plans.get(v, v) if isinstance(v, str) else v for k, v in changes.items()}

    response = api.post(URL, body(stock_shop, **changes), format="json")

    assert response.status_code == 400, response.json()
    assert field in response.json()["extra"]["fields"]
    assert not StockpileMarker.objects.exists()


@pytest.mark.parametrize("changes,field", BAD_POSTS.values(), ids=BAD_POSTS.keys())
def test_bad_put_is_400_and_leaves_the_marker_as_it_was(api, stock_shop, keep, other_plan, changes, field):
    marker = keep(stock_shop.stand, stock_shop.shop, "10", plan=stock_shop.stand_plan, parallelism=1)
    plans = {"organiser_plan": stock_shop.organiser_plan.pk, "other_plan": other_plan.pk}
    changes = {k: plans.get(v, v) if isinstance(v, str) else v for k, v in changes.items()}

    response = api.put(f"{URL}/{marker.pk}", changes, format="json")

    assert response.status_code == 400, response.json()
    assert field in response.json()["extra"]["fields"]
    fresh = StockpileMarker.objects.get()
    assert (fresh.desired_quantity, fresh.plan_id, fresh.auto_production_parallelism,
            fresh.auto_production_enabled) == (Decimal("10"), stock_shop.stand_plan.pk, 1, True)


def test_another_tenants_marker_is_404_for_put_and_delete(api, other_tenant, other_admin, other_plan):
    theirs = stockpile_marker_upsert(tenant=other_tenant, owner=other_admin, item_type=other_plan.product,
                                     location=LocationFactory(tenant=other_tenant), desired_quantity=Decimal("3"))[0]

    assert api.put(f"{URL}/{theirs.pk}", {"desired_quantity": "0"}, format="json").status_code == 404
    assert api.delete(f"{URL}/{theirs.pk}").status_code == 404
    theirs.refresh_from_db()
    assert theirs.desired_quantity == Decimal("3")


def test_another_tenants_item_or_location_is_400(api, stock_shop, other_tenant, other_plan):
    for changes in ({"item_type": other_plan.product.pk, "plan_id": None, "auto_production_enabled": False},
                    {"location": LocationFactory(tenant=other_tenant).pk}):
        response = api.post(URL, body(stock_shop, **changes), format="json")
        assert response.status_code == 400
    assert not StockpileMarker.objects.exists()


# --- the service refuses the same without the API's serializers ---------------------------------

SERVICE_CASES = {
    "negative desired quantity": ({"desired_quantity": Decimal("-0.001")}, "desired_quantity"),
    "parallelism below 0": ({"auto_production_parallelism": -1}, "auto_production_parallelism"),
    "a plan for another product": ({"plan": "organiser_plan"}, "plan_id"),
    "another tenant's plan": ({"plan": "other_plan"}, "plan_id"),
    "another tenant's location": ({"location": "other_location"}, "location"),
}


@pytest.mark.parametrize("changes,field", SERVICE_CASES.values(), ids=SERVICE_CASES.keys())
def test_the_upsert_service_refuses_and_writes_nothing(tenant, admin_user, stock_shop, other_plan, other_tenant,
                                                       changes, field):
    objects = {"organiser_plan": stock_shop.organiser_plan, "other_plan": other_plan,
               "other_location": LocationFactory(tenant=other_tenant)}
    arguments = {"item_type": stock_shop.stand, "location": stock_shop.shop, "desired_quantity": Decimal("10"),
                 "plan": stock_shop.stand_plan, "auto_production_parallelism": 0, "auto_production_enabled": True}
    arguments.update({k: objects.get(v, v) if isinstance(v, str) else v for k, v in changes.items()})

    with pytest.raises(ValidationError) as error:
        stockpile_marker_upsert(tenant=tenant, owner=admin_user, **arguments)

    assert field in error.value.fields
    assert not StockpileMarker.objects.exists()


def test_the_update_service_refuses_a_field_that_is_fixed(stock_shop, keep):
    marker = keep(stock_shop.stand, stock_shop.shop, "10")

    with pytest.raises(ValidationError) as error:
        stockpile_marker_update(marker=marker, data={"location": stock_shop.window})

    assert "location" in error.value.fields


def test_a_non_member_cannot_own_a_marker(tenant, stock_shop, other_admin):
    with pytest.raises(ValidationError) as error:
        stockpile_marker_upsert(tenant=tenant, owner=other_admin, item_type=stock_shop.stand, location=stock_shop.shop,
                                desired_quantity=Decimal("1"))

    assert "owner" in error.value.fields
    assert not StockpileMarker.objects.exists()


def test_the_database_refuses_a_negative_target_or_parallelism(stock_shop, keep):
    from django.db import IntegrityError, transaction

    marker = keep(stock_shop.stand, stock_shop.shop, "10")
    for field, value in (("desired_quantity", Decimal("-1")), ("auto_production_parallelism", -1)):
        with pytest.raises(IntegrityError), transaction.atomic():
            StockpileMarker.objects.filter(pk=marker.pk).update(**{field: value})
