"""Stock on hand over the API."""
from decimal import Decimal

from inventory import services
from tests.factories import LocationFactory, ProductFactory


def test_pages_of_stock_never_repeat_or_skip_rows_with_equal_names(api, tenant, admin_user):
    shelf = LocationFactory(tenant=tenant)
    twins = [ProductFactory(tenant=tenant, name="Cable clip") for _ in range(5)]
    for product in twins:
        services.stock_adjust(tenant=tenant, by=admin_user, item_type=product, location=shelf, quantity=Decimal("2"), note="Stock count")

    seen = [api.get("/api/v1/stock", {"page_size": 1, "page": page}).json()["results"][0]["item_type"]["id"]
            for page in range(1, 6)]

    assert sorted(seen) == sorted(p.pk for p in twins)


def test_stock_filters_by_location_and_hides_zero_rows(api, tenant, admin_user):
    shop, store = LocationFactory(tenant=tenant, name="Shop"), LocationFactory(tenant=tenant, name="Store")
    stand = ProductFactory(tenant=tenant, name="Phone stand")
    services.stock_adjust(tenant=tenant, by=admin_user, item_type=stand, location=shop, quantity=Decimal("4"), note="Stock count")
    services.stock_adjust(tenant=tenant, by=admin_user, item_type=stand, location=store, quantity=Decimal("3"), note="Stock count")
    services.stock_adjust(tenant=tenant, by=admin_user, item_type=stand, location=store, quantity=Decimal("-3"), note="Stock count")

    at_shop = api.get("/api/v1/stock", {"location": shop.pk}).json()["results"]
    nonzero = api.get("/api/v1/stock", {"nonzero": "true"}).json()["results"]

    assert [(r["location"]["name"], Decimal(r["quantity"])) for r in at_shop] == [("Shop", 4)]
    assert [r["location"]["name"] for r in nonzero] == ["Shop"]
