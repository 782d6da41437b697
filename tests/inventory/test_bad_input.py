"""Bad input → 400 with the field named, and nothing written."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest

from inventory.models import InventoryTransaction, ItemType, Location, Spool, StockBalance, Workstation
from tests.factories import LocationFactory, MaterialFactory, ProductFactory, receive_spool


def row_counts():
    return [m.objects.count() for m in (ItemType, Location, Workstation, Spool, InventoryTransaction, StockBalance)]


@dataclass(frozen=True)
class InventoryItems:
    material: ItemType          # SKU "PLA-BLACK"
    product: ItemType
    location: Location
    other_location: Location    # another tenant's
    spool: Spool                # 1000 g net on a 200 g tare


@pytest.fixture
def inventory_items(tenant, other_tenant, admin_user) -> InventoryItems:
    spool = receive_spool(tenant=tenant, by=admin_user, grams="1000", tare_weight_g=Decimal("200"))
    return InventoryItems(
        material=MaterialFactory(tenant=tenant, sku="PLA-BLACK"), product=ProductFactory(tenant=tenant),
        location=LocationFactory(tenant=tenant), other_location=LocationFactory(tenant=other_tenant), spool=spool)


RECEIVE_CASES = {
    "negative weight": ({"initial_weight_g": "-5"}, "initial_weight_g"),
    "zero weight": ({"initial_weight_g": "0"}, "initial_weight_g"),
    "non-numeric weight": ({"initial_weight_g": "heavy"}, "initial_weight_g"),
    "negative tare": ({"tare_weight_g": "-1"}, "tare_weight_g"),
    "three decimals": ({"initial_weight_g": "10.123"}, "initial_weight_g"),
    "unknown item": ({"item_type": 999999}, "item_type"),
    "unknown location": ({"location": 999999}, "location"),
    "another tenant's location": ({"location": "other_location"}, "location"),
    "a product is not a material": ({"item_type": "product"}, "item_type"),
    "missing item": ({"item_type": None}, "item_type"),
}


@pytest.mark.parametrize("change,field", RECEIVE_CASES.values(), ids=RECEIVE_CASES.keys())
def test_receive_spool_rejects_bad_input_and_writes_nothing(api, inventory_items, change, field):
    body = {"item_type": inventory_items.material.pk, "location": inventory_items.location.pk,
            "initial_weight_g": "1000"}
    for key, value in change.items():
        named = isinstance(value, str) and hasattr(inventory_items, value)    # e.g. "product": its id
        body[key] = getattr(inventory_items, value).pk if named else value
    body = {k: v for k, v in body.items() if v is not None}
    before = row_counts()

    response = api.post("/api/v1/spools", body, format="json")

    assert response.status_code == 400, response.json()
    assert field in response.json()["extra"]["fields"]
    assert row_counts() == before


ADJUST_CASES = {
    "gross below tare": ({"gross_weight_g": "150"}, "gross_weight_g"),
    "negative gross": ({"gross_weight_g": "-1"}, "gross_weight_g"),
    "non-numeric gross": ({"gross_weight_g": "abc"}, "gross_weight_g"),
    "neither weight": ({}, "gross_weight_g"),
    "both weights": ({"gross_weight_g": "900", "net_weight_g": "700"}, "gross_weight_g"),
    "gross above a full spool": ({"gross_weight_g": "99999"}, "gross_weight_g"),
    "net above what the spool held": ({"net_weight_g": "99999"}, "net_weight_g"),
}


@pytest.mark.parametrize("body,field", ADJUST_CASES.values(), ids=ADJUST_CASES.keys())
def test_adjust_spool_rejects_bad_input_and_writes_nothing(api, inventory_items, body, field):
    before = row_counts()

    response = api.post(f"/api/v1/spools/{inventory_items.spool.pk}/adjust", body, format="json")

    assert response.status_code == 400, response.json()
    assert field in response.json()["extra"]["fields"]
    assert row_counts() == before
    inventory_items.spool.refresh_from_db()
    assert inventory_items.spool.current_weight_g == 1000


ITEM_CASES = {
    "duplicate SKU": ({"sku": "PLA-BLACK"}, "sku"),
    "unknown kind": ({"kind": "gadget"}, "kind"),
    "grams for a product": ({"unit": "g"}, "unit"),
    "negative unit cost": ({"unit_cost": "-0.5"}, "unit_cost"),
    "bad colour": ({"color_hex": "black"}, "color_hex"),
    "missing name": ({"name": ""}, "name"),
}


@pytest.mark.parametrize("change,field", ITEM_CASES.values(), ids=ITEM_CASES.keys())
def test_create_item_type_rejects_bad_input_and_writes_nothing(api, inventory_items, change, field):
    body = {"name": "Desk organiser", "sku": "ORG-1", "kind": "product", **change}
    before = row_counts()

    response = api.post("/api/v1/item-types", body, format="json")

    assert response.status_code == 400, response.json()
    assert field in response.json()["extra"]["fields"]
    assert row_counts() == before


def test_duplicate_sku_on_update_names_the_field(api, inventory_items):
    response = api.patch(f"/api/v1/item-types/{inventory_items.product.pk}", {"sku": "PLA-BLACK"}, format="json")

    assert response.status_code == 400
    assert response.json()["extra"]["fields"] == {"sku": ["'PLA-BLACK' is already used."]}


def test_stock_adjustment_of_a_material_is_refused(api, inventory_items):
    before = row_counts()

    response = api.post("/api/v1/stock/adjust", {"item_type": inventory_items.material.pk,
                                                 "location": inventory_items.location.pk, "quantity": "5",
                                                 "note": "Found a box"}, format="json")

    assert response.status_code == 400 and "item_type" in response.json()["extra"]["fields"]
    assert row_counts() == before


def test_a_stock_adjustment_without_a_reason_is_refused(api, admin_user, tenant, inventory_items):
    from inventory import services
    from prodtrack.exceptions import ValidationError

    product = ProductFactory(tenant=tenant)
    before = row_counts()

    response = api.post("/api/v1/stock/adjust", {"item_type": product.pk, "location": inventory_items.location.pk,
                                                 "quantity": "5"}, format="json")
    with pytest.raises(ValidationError) as refused:
        services.stock_adjust(tenant=tenant, by=admin_user, item_type=product, location=inventory_items.location,
                              quantity=Decimal("5"), note="  ")

    assert response.status_code == 400 and "note" in response.json()["extra"]["fields"]
    assert refused.value.fields == {"note": ["say why the count changed."]}
    assert row_counts() == before


def test_workstation_at_another_tenants_location_is_refused(api, inventory_items):
    response = api.post("/api/v1/workstations", {"name": "MK4 #9", "location": inventory_items.other_location.pk},
                        format="json")

    assert response.status_code == 400 and "location" in response.json()["extra"]["fields"]
    assert not Workstation.objects.filter(name="MK4 #9").exists()


def test_invalid_filter_value_is_a_field_error(api, inventory_items):
    response = api.get("/api/v1/transactions", {"spool": "abc", "date_from": "yesterday"})

    assert response.status_code == 400
    assert set(response.json()["extra"]["fields"]) == {"spool", "date_from"}
