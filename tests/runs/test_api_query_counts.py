"""Run and recipe endpoints run a fixed number of queries, whatever the rows, items or materials."""
from __future__ import annotations

from decimal import Decimal

import pytest

from runs import services
from tests.factories import MaterialFactory, ProductFactory, WorkstationFactory, make_recipe, receive_spool

# Tenant resolution (1) + the paginator's count (1) + the runs with workstation (1) + their items
# with products (1).
RUN_LIST_QUERIES = 4
# Tenant resolution (1) + the run with workstation, location, original run, creator (1) + items
# with products (1) + materials with spool, material and location (1) + parts used (1) + reprints (1).
RUN_DETAIL_QUERIES = 6
# Tenant resolution (1) + count (1) + recipes with product (1) + inputs with their items (1).
RECIPE_LIST_QUERIES = 4


def start_runs(tenant, user, *, runs, items, materials=1):
    """``runs`` runs on one printer, each with ``items`` products and ``materials`` spools."""
    printer = WorkstationFactory(tenant=tenant)
    products = ProductFactory.create_batch(items, tenant=tenant)
    spools = [receive_spool(tenant=tenant, by=user, location=printer.location) for _ in range(materials)]
    return [services.production_run_create(
        tenant=tenant, by=user, workstation=printer,
        items=[services.ItemSpec(product=product, quantity=2) for product in products],
        materials=[services.MaterialSpec(spool=spool, estimated_weight_g=Decimal("10")) for spool in spools])
        for _ in range(runs)]


@pytest.mark.parametrize("runs,items", [(1, 1), (25, 1), (25, 5)])
def test_run_list_query_count_does_not_grow_with_runs_or_items(api, tenant, admin_user, runs, items,
                                                               django_assert_num_queries):
    start_runs(tenant, admin_user, runs=runs, items=items)

    with django_assert_num_queries(RUN_LIST_QUERIES):
        response = api.get("/api/v1/production-runs", {"page_size": 25})

    assert response.status_code == 200
    assert len(response.json()["results"]) == runs
    assert all(len(row["products"]) == items for row in response.json()["results"])


@pytest.mark.parametrize("size", [1, 6])
def test_run_detail_query_count_does_not_grow_with_items_or_materials(api, tenant, admin_user, size,
                                                                      django_assert_num_queries):
    (run,) = start_runs(tenant, admin_user, runs=1, items=size, materials=size)

    with django_assert_num_queries(RUN_DETAIL_QUERIES):
        response = api.get(f"/api/v1/production-runs/{run.pk}")

    assert response.status_code == 200
    assert len(response.json()["items"]) == len(response.json()["materials"]) == size


@pytest.mark.parametrize("recipes", [1, 25])
def test_recipe_list_query_count_does_not_grow_with_recipes(api, tenant, recipes, django_assert_num_queries):
    materials = [MaterialFactory(tenant=tenant), MaterialFactory(tenant=tenant)]
    for _ in range(recipes):
        make_recipe(tenant=tenant, product=ProductFactory(tenant=tenant),
                    inputs=[(material, "25") for material in materials])

    with django_assert_num_queries(RECIPE_LIST_QUERIES):
        response = api.get("/api/v1/recipes", {"page_size": 25})

    assert response.status_code == 200
    assert len(response.json()["results"]) == recipes
    assert all(len(row["inputs"]) == 2 for row in response.json()["results"])
