"""Every inventory list endpoint runs a fixed number of queries, whatever the page size."""
from __future__ import annotations

from decimal import Decimal

import pytest

from inventory import services
from tests.factories import LocationFactory, MaterialFactory, ProductFactory, WorkstationFactory, receive_spool

# Tenant resolution (1) + the paginator's count (1) + the page (1).
LIST_QUERIES = 3


def make_item_types(tenant, user, n):
    ProductFactory.create_batch(n, tenant=tenant)


def make_locations(tenant, user, n):
    LocationFactory.create_batch(n, tenant=tenant)


def make_workstations(tenant, user, n):
    WorkstationFactory.create_batch(n, tenant=tenant)


def make_spools(tenant, user, n):
    shelf = LocationFactory(tenant=tenant)
    for _ in range(n):
        receive_spool(tenant=tenant, by=user, location=shelf)


def make_transactions(tenant, user, n):
    spool = receive_spool(tenant=tenant, by=user, grams="3000")
    for index in range(n - 1):
        services.spool_adjust(spool=spool, by=user, net_weight_g=Decimal(2900 - index))
    if n > 2:
        services.inventory_transaction_reverse(transaction_row=spool.transactions.order_by("pk")[1], by=user)


def make_stock(tenant, user, n):
    shelf = LocationFactory(tenant=tenant)
    for _ in range(n):
        services.stock_adjust(tenant=tenant, by=user, item_type=ProductFactory(tenant=tenant), location=shelf,
                              quantity=Decimal("3"), note="Stock count")


ENDPOINTS = {
    "/api/v1/item-types": make_item_types,
    "/api/v1/locations": make_locations,
    "/api/v1/workstations": make_workstations,
    "/api/v1/spools": make_spools,
    "/api/v1/transactions": make_transactions,
    "/api/v1/stock": make_stock,
}


@pytest.mark.parametrize("rows", [1, 50])
@pytest.mark.parametrize("url", ENDPOINTS)
def test_list_endpoint_query_count_does_not_grow_with_rows(url, rows, api, tenant, admin_user,
                                                           django_assert_num_queries):
    ENDPOINTS[url](tenant, admin_user, rows)

    with django_assert_num_queries(LIST_QUERIES):
        response = api.get(url, {"page_size": 100})

    assert response.status_code == 200
    assert response.json()["count"] >= rows
    assert len(response.json()["results"]) == response.json()["count"]


def test_material_search_finds_every_word(tenant):
    from inventory.selectors import material_search

    MaterialFactory(tenant=tenant, name="Prusament PETG Jet Black", manufacturer="Prusament", material="PETG",
                    color_name="Jet Black")
    MaterialFactory(tenant=tenant, name="Prusament PLA Galaxy Black", manufacturer="Prusament", material="PLA",
                    color_name="Galaxy Black")

    assert [m.name for m in material_search(tenant=tenant, query="petg prusament")] == ["Prusament PETG Jet Black"]
    assert [m.name for m in material_search(tenant=tenant, query="galaxy black")] == ["Prusament PLA Galaxy Black"]
    assert material_search(tenant=tenant, query="  ") == []
