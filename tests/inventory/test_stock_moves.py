"""Stock moves (issue 12, point 2): transfers between locations and shipments to customers, through
the services and the API; nothing ever goes below zero."""
from __future__ import annotations

from decimal import Decimal

import pytest

from inventory import selectors, services
from inventory.errors import SpoolStateError, StockShortError
from inventory.models import InventoryTransaction
from inventory.services import StockLine
from prodtrack.exceptions import ValidationError
from tests.factories import ComponentFactory, LocationFactory, MaterialFactory, ProductFactory
from tests.support.threads import run_concurrently


def on_hand(tenant, item_type, location) -> Decimal:
    return selectors.stock_on_hand(tenant=tenant, pairs=[(item_type.pk, location.pk)])[(item_type.pk, location.pk)]


@pytest.fixture
def shelves(tenant, admin_user):
    """12 drawers and 40 bags of steel shot in the print room; an empty shop front."""
    room, shop = LocationFactory(tenant=tenant, name="Print room"), LocationFactory(tenant=tenant, name="Shop front")
    drawer = ProductFactory(tenant=tenant, name="Organiser drawer")
    shot = ComponentFactory(tenant=tenant, name="Steel shot, 250 g bag")
    services.stock_adjust(tenant=tenant, by=admin_user, item_type=drawer, location=room, quantity=Decimal("12"), note="Stock count")
    services.stock_adjust(tenant=tenant, by=admin_user, item_type=shot, location=room, quantity=Decimal("40"), note="Stock count")
    return room, shop, drawer, shot


def test_a_transfer_posts_a_linked_out_and_in_pair_and_moves_the_balances(tenant, admin_user, shelves):
    room, shop, drawer, shot = shelves

    rows = services.stock_transfer(tenant=tenant, by=admin_user, origin=room, destination=shop,
                                   items=[StockLine(drawer, Decimal("5")), StockLine(shot, Decimal("4"))])

    assert [(r.item_type_id, r.location_id, r.quantity, r.transaction_type) for r in rows] == [
        (drawer.pk, room.pk, Decimal("-5"), "transfer"), (drawer.pk, shop.pk, Decimal("5"), "transfer"),
        (shot.pk, room.pk, Decimal("-4"), "transfer"), (shot.pk, shop.pk, Decimal("4"), "transfer")]
    assert len({(r.reference_type, r.reference_id) for r in rows}) == 1 and rows[0].reference_id
    assert rows[0].reference_label == "Transfer Print room → Shop front"
    assert (on_hand(tenant, drawer, room), on_hand(tenant, drawer, shop)) == (Decimal("7"), Decimal("5"))
    assert selectors.stock_drift(tenant=tenant) == []


def test_a_transfer_of_more_than_the_origin_holds_is_409_naming_what_is_short(tenant, admin_user, shelves):
    room, shop, drawer, shot = shelves

    with pytest.raises(StockShortError) as refused:
        services.stock_transfer(tenant=tenant, by=admin_user, origin=room, destination=shop,
                                items=[StockLine(shot, Decimal("4")), StockLine(drawer, Decimal("13"))])

    assert refused.value.http_status == 409
    assert refused.value.message == "Print room has 12 pcs of Organiser drawer; this needs 13 pcs."
    assert refused.value.extra == {"item_type_id": drawer.pk, "location_id": room.pk, "on_hand": "12", "needed": "13"}
    assert not InventoryTransaction.objects.filter(transaction_type="transfer").exists()   # the shot did not move either
    assert on_hand(tenant, shot, room) == Decimal("40")


@pytest.mark.parametrize("change, field", [
    ({"destination": "room"}, "destination"),
    ({"item": "material"}, "items[0].item_type"),
    ({"quantity": Decimal("0")}, "items[0].quantity"),
    ({"quantity": Decimal("1.5")}, "items[0].quantity"),
    ({"item": "none"}, "items"),
])
def test_a_bad_transfer_is_400_naming_the_field_and_writes_nothing(tenant, admin_user, shelves, change, field):
    room, shop, drawer, _ = shelves
    item = {"material": MaterialFactory(tenant=tenant), "none": None}.get(change.get("item"), drawer)
    items = [] if item is None else [StockLine(item, change.get("quantity", Decimal("2")))]

    with pytest.raises(ValidationError) as refused:
        services.stock_transfer(tenant=tenant, by=admin_user, origin=room,
                                destination=room if change.get("destination") else shop, items=items)

    assert field in refused.value.fields
    assert not InventoryTransaction.objects.filter(transaction_type="transfer").exists()


def test_a_shipment_takes_the_items_out_of_stock_for_the_customer(tenant, admin_user, shelves):
    room, _, drawer, _ = shelves

    (row,) = services.stock_ship(tenant=tenant, by=admin_user, location=room, customer="Etsy order 1042",
                                 items=[StockLine(drawer, Decimal("3"))])

    assert (row.transaction_type, row.quantity, row.reference_label) == ("shipment", Decimal("-3"),
                                                                         "Shipment to Etsy order 1042")
    assert on_hand(tenant, drawer, room) == Decimal("9")
    with pytest.raises(StockShortError):
        services.stock_ship(tenant=tenant, by=admin_user, location=room, items=[StockLine(drawer, Decimal("10"))])
    assert on_hand(tenant, drawer, room) == Decimal("9")


def test_the_api_transfers_and_ships_for_operators(api_as, operator_user, viewer_user, tenant, shelves):
    room, shop, drawer, _ = shelves
    api = api_as(operator_user)

    moved = api.post("/api/v1/stock/transfer", {"origin": room.pk, "destination": shop.pk, "note": "restock",
                                                 "items": [{"item_type": drawer.pk, "quantity": "4"}]}, format="json")
    shipped = api.post("/api/v1/stock/ship", {"location": shop.pk, "customer": "Market stall",
                                              "items": [{"item_type": drawer.pk, "quantity": "1"}]}, format="json")
    short = api.post("/api/v1/stock/ship", {"location": shop.pk,
                                            "items": [{"item_type": drawer.pk, "quantity": "5"}]}, format="json")
    viewer = api_as(viewer_user).post("/api/v1/stock/ship", {"location": shop.pk, "items": [
        {"item_type": drawer.pk, "quantity": "1"}]}, format="json")

    assert moved.status_code == 201, moved.json()
    assert [(row["location"], row["quantity"]) for row in moved.json()] == [(room.pk, "-4.000"),
                                                                                  (shop.pk, "4.000")]
    assert shipped.status_code == 201 and shipped.json()[0]["transaction_type"] == "shipment"
    assert short.status_code == 409 and short.json()["code"] == "stock_short"
    assert short.json()["extra"] == {"item_type_id": drawer.pk, "location_id": shop.pk, "on_hand": "3", "needed": "5"}
    assert viewer.status_code == 403
    assert (on_hand(tenant, drawer, room), on_hand(tenant, drawer, shop)) == (Decimal("8"), Decimal("3"))


def test_another_tenants_location_or_item_is_refused(api, other_tenant, other_admin, shelves):
    room, _, drawer, _ = shelves
    theirs = LocationFactory(tenant=other_tenant)

    response = api.post("/api/v1/stock/transfer", {"origin": room.pk, "destination": theirs.pk,
                                                    "items": [{"item_type": drawer.pk, "quantity": "1"}]}, format="json")

    assert response.status_code == 400 and "destination" in response.json()["extra"]["fields"]
    assert not InventoryTransaction.objects.filter(transaction_type="transfer").exists()


@pytest.mark.django_db(transaction=True)
def test_transfers_racing_for_the_last_pieces_never_take_more_than_there_is(tenant, admin_user):
    room, shop = LocationFactory(tenant=tenant), LocationFactory(tenant=tenant)
    drawer = ProductFactory(tenant=tenant)
    services.stock_adjust(tenant=tenant, by=admin_user, item_type=drawer, location=room, quantity=Decimal("3"), note="Stock count")

    results = run_concurrently(lambda i: services.stock_transfer(
        tenant=tenant, by=admin_user, origin=room, destination=shop, items=[StockLine(drawer, Decimal("2"))]), 2)

    assert sorted(type(result).__name__ for result in results) == ["StockShortError", "list"]
    assert (on_hand(tenant, drawer, room), on_hand(tenant, drawer, shop)) == (Decimal("1"), Decimal("2"))
    assert selectors.stock_drift(tenant=tenant) == []


# --- a spool moving between locations -------------------------------------------------------------

def test_a_spool_moves_with_its_grams_and_both_locations_stay_the_ledger_sums(farm, tenant, admin_user):
    shelf = LocationFactory(tenant=tenant, name="Shelf A")
    services.spool_adjust(spool=farm.pla_spool, by=admin_user, net_weight_g=Decimal("640"))

    moved = services.spool_move(spool=farm.pla_spool, location=shelf, by=admin_user)

    assert (moved.location, moved.current_weight_g) == (shelf, Decimal("640.00"))
    out, in_ = InventoryTransaction.objects.filter(spool=farm.pla_spool, transaction_type="transfer").order_by("pk")
    assert (out.location, out.quantity, in_.location, in_.quantity) == (farm.room, -640, shelf, 640)
    assert (on_hand(tenant, farm.pla, farm.room), on_hand(tenant, farm.pla, shelf)) == (0, 640)
    assert selectors.spool_drift(tenant=tenant) == []


def test_an_archived_spool_moves_only_when_it_holds_nothing(farm, tenant, admin_user):
    shelf = LocationFactory(tenant=tenant, name="Shelf A")
    services.spool_archive(spool=farm.pla_spool, by=admin_user)
    with pytest.raises(SpoolStateError, match="archived and still holds 1000 g at Print room"):
        services.spool_move(spool=farm.pla_spool, location=shelf, by=admin_user)

    services.spool_mark_empty(spool=farm.petg_spool, by=admin_user)
    services.spool_archive(spool=farm.petg_spool, by=admin_user)
    assert services.spool_move(spool=farm.petg_spool, location=shelf, by=admin_user).location == shelf
    assert not InventoryTransaction.objects.filter(transaction_type="transfer").exists()
