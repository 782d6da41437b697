"""Stock moves from the pages (issue 14, point 2): correct a count, transfer between locations, ship to
a customer — from the stock page's rows and the item page, through the inventory services."""
from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from inventory import selectors, services
from inventory.models import InventoryTransaction, StockBalance
from tests.factories import LocationFactory, ProductFactory, receive_spool
from tests.support.pages import page_html


@pytest.fixture
def shelves(tenant, admin_user):
    """12 organiser drawers in the print room; an empty shop front."""
    room, shop = LocationFactory(tenant=tenant, name="Print room"), LocationFactory(tenant=tenant, name="Shop front")
    drawer = ProductFactory(tenant=tenant, name="Organiser drawer")
    services.stock_adjust(tenant=tenant, by=admin_user, item_type=drawer, location=room, quantity=Decimal("12"),
                          note="Stock count")
    return room, shop, drawer


def on_hand(tenant, item_type, location) -> Decimal:
    return selectors.stock_on_hand(tenant=tenant, pairs=[(item_type.pk, location.pk)])[(item_type.pk, location.pk)]


def rows() -> int:
    return InventoryTransaction.objects.count()


# --- transfer -------------------------------------------------------------------------------------

def test_the_transfer_page_shows_what_the_source_holds_beside_the_quantity(operator_client, shelves):
    room, _, drawer = shelves

    html = page_html(operator_client.get(f"/inventory/items/{drawer.pk}/transfer/?location={room.pk}"))

    assert 'id="on-hand"' in html and "On hand at Print room: <span" in html and "12 pcs" in html
    assert f'<option value="{room.pk}" selected>Print room · 12 pcs on hand</option>' in html


def test_changing_the_source_re_renders_only_its_on_hand(operator_client, shelves):
    room, shop, drawer = shelves

    response = operator_client.get(f"/inventory/items/{drawer.pk}/transfer/?origin={shop.pk}", headers={"HX-Request": "true"})

    html = page_html(response)
    assert html.strip().startswith('<div id="on-hand"') and "On hand at Shop front" in html and "0 pcs" in html
    assert "<form" not in html


def test_an_operator_transfers_and_returns_to_the_stock_page_with_the_new_balances(operator_client, tenant, shelves):
    room, shop, drawer = shelves

    response = operator_client.post(f"/inventory/items/{drawer.pk}/transfer/", {
        "origin": room.pk, "destination": shop.pk, "quantity": "5", "note": "For the weekend market",
        "next": "/inventory/stock/?q=drawer"}, follow=True)

    assert response.redirect_chain[-1][0] == "/inventory/stock/?q=drawer"
    html = page_html(response)
    assert "Moved 5 pcs of Organiser drawer from Print room to Shop front." in html
    assert (on_hand(tenant, drawer, room), on_hand(tenant, drawer, shop)) == (Decimal("7"), Decimal("5"))
    out, into = InventoryTransaction.objects.filter(transaction_type="transfer").order_by("pk")
    assert (out.quantity, into.quantity, out.note) == (Decimal("-5"), Decimal("5"), "For the weekend market")


def test_transferring_more_than_the_shelf_holds_says_so_next_to_the_quantity(operator_client, tenant, shelves):
    room, shop, drawer = shelves
    before = rows()

    response = operator_client.post(f"/inventory/items/{drawer.pk}/transfer/", {
        "origin": room.pk, "destination": shop.pk, "quantity": "20"})

    assert response.status_code == 409
    assert response.context["form"].errors["quantity"] == [
        "Print room has 12 pcs of Organiser drawer; this needs 20 pcs."]
    html = page_html(response)
    assert 'id="id_quantity_error"' in html and 'value="20"' in html
    assert rows() == before and on_hand(tenant, drawer, room) == Decimal("12")


def test_a_transfer_to_the_same_location_is_refused_on_the_destination(operator_client, shelves):
    room, _, drawer = shelves

    response = operator_client.post(f"/inventory/items/{drawer.pk}/transfer/", {
        "origin": room.pk, "destination": room.pk, "quantity": "1"})

    assert response.status_code == 400
    assert response.context["form"].errors["destination"] == ["must differ from the origin."]


@pytest.mark.parametrize("quantity, error", [("", "This field is required."), ("0", "Ensure this value is greater"),
                                             ("1.5", "must be whole pieces.")])
def test_a_bad_quantity_is_shown_next_to_the_field_and_nothing_moves(operator_client, shelves, quantity, error):
    room, shop, drawer = shelves
    before = rows()

    response = operator_client.post(f"/inventory/items/{drawer.pk}/transfer/", {
        "origin": room.pk, "destination": shop.pk, "quantity": quantity})

    assert response.status_code == 400
    assert response.context["form"].errors["quantity"][0].startswith(error)
    assert rows() == before


def test_a_next_address_off_the_site_is_ignored(operator_client, shelves):
    room, shop, drawer = shelves

    response = operator_client.post(f"/inventory/items/{drawer.pk}/transfer/", {
        "origin": room.pk, "destination": shop.pk, "quantity": "1", "next": "https://evil.example/"})

    assert response["Location"] == f"/inventory/items/{drawer.pk}/"


# --- ship -------------------------------------------------------------------------------------------

def test_shipping_to_a_customer_writes_a_shipment_and_returns_to_the_item(operator_client, tenant, shelves):
    room, _, drawer = shelves

    response = operator_client.post(f"/inventory/items/{drawer.pk}/ship/", {
        "location": room.pk, "quantity": "3", "customer": "Ada's Workshop", "note": "Order 1042"}, follow=True)

    assert response.redirect_chain[-1][0] == f"/inventory/items/{drawer.pk}/"
    assert "Shipped 3 pcs of Organiser drawer from Print room to Ada&#x27;s Workshop." in page_html(response)
    assert on_hand(tenant, drawer, room) == Decimal("9")
    shipment = InventoryTransaction.objects.get(transaction_type="shipment")
    assert (shipment.quantity, shipment.reference_label, shipment.note) == (
        Decimal("-3"), "Shipment to Ada's Workshop", "Order 1042")


def test_shipping_more_than_the_shelf_holds_is_refused_next_to_the_quantity(operator_client, shelves):
    room, _, drawer = shelves
    before = rows()

    response = operator_client.post(f"/inventory/items/{drawer.pk}/ship/", {"location": room.pk, "quantity": "13"})

    assert response.status_code == 409
    assert "Print room has 12 pcs" in response.context["form"].errors["quantity"][0]
    assert rows() == before


# --- correct a count ----------------------------------------------------------------------------------

def test_a_manager_corrects_a_count_with_a_reason(manager_client, tenant, shelves):
    room, _, drawer = shelves

    response = manager_client.post(f"/inventory/items/{drawer.pk}/adjust/", {
        "location": room.pk, "quantity": "-2", "note": "Two broken in the drop test"})

    assert response.status_code == 302 and response["Location"] == f"/inventory/items/{drawer.pk}/"
    assert on_hand(tenant, drawer, room) == Decimal("10")
    row = InventoryTransaction.objects.filter(transaction_type="adjustment").latest("pk")
    assert (row.quantity, row.note) == (Decimal("-2"), "Two broken in the drop test")


@pytest.mark.parametrize("data, field", [({"quantity": "-1", "note": ""}, "note"),
                                         ({"quantity": "0", "note": "Count"}, "quantity"),
                                         ({"quantity": "-13", "note": "Count"}, "quantity")])
def test_a_count_correction_without_reason_of_zero_or_below_zero_is_refused(manager_client, shelves, data, field):
    room, _, drawer = shelves
    before = rows()

    response = manager_client.post(f"/inventory/items/{drawer.pk}/adjust/", {"location": room.pk, **data})

    assert response.status_code in (400, 409)
    assert response.context["form"].errors[field]
    assert rows() == before


def test_an_operator_cannot_correct_a_count(operator_client, shelves):
    room, _, drawer = shelves

    assert operator_client.get(f"/inventory/items/{drawer.pk}/adjust/").status_code == 403
    response = operator_client.post(f"/inventory/items/{drawer.pk}/adjust/", {
        "location": room.pk, "quantity": "5", "note": "Found"})
    assert response.status_code == 403
    assert InventoryTransaction.objects.filter(transaction_type="adjustment").count() == 1


# --- roles, tenants, materials -------------------------------------------------------------------------

@pytest.mark.parametrize("move", ["adjust", "transfer", "ship"])
def test_a_viewer_gets_403_and_nothing_moves(viewer_client, shelves, move):
    room, shop, drawer = shelves
    before = rows()

    assert viewer_client.get(f"/inventory/items/{drawer.pk}/{move}/").status_code == 403
    response = viewer_client.post(f"/inventory/items/{drawer.pk}/{move}/", {
        "location": room.pk, "origin": room.pk, "destination": shop.pk, "quantity": "1", "note": "x"})
    assert response.status_code == 403
    assert rows() == before


def test_a_viewer_sees_no_move_buttons_on_the_stock_and_item_pages(viewer_client, shelves):
    _, _, drawer = shelves

    stock = page_html(viewer_client.get("/inventory/stock/"))
    item = page_html(viewer_client.get(f"/inventory/items/{drawer.pk}/"))

    assert "Organiser drawer" in stock
    for html in (stock, item):
        assert "/transfer/" not in html and "/ship/" not in html and "/adjust/" not in html


def test_an_operator_sees_transfer_and_ship_but_not_correct_count(operator_client, shelves):
    room, _, drawer = shelves

    stock = page_html(operator_client.get("/inventory/stock/"))

    assert f"/inventory/items/{drawer.pk}/transfer/?location={room.pk}&amp;next=/inventory/stock/" in stock
    assert f"/inventory/items/{drawer.pk}/ship/?location={room.pk}" in stock
    assert "/adjust/" not in stock


def test_a_manager_finds_all_three_moves_on_the_item_page(manager_client, shelves):
    _, _, drawer = shelves

    html = page_html(manager_client.get(f"/inventory/items/{drawer.pk}/"))

    assert all(f"/inventory/items/{drawer.pk}/{move}/" in html for move in ("adjust", "transfer", "ship"))


@pytest.mark.parametrize("move", ["adjust", "transfer", "ship"])
def test_another_tenants_item_is_a_404_page(admin_client, other_tenant, move):
    theirs = ProductFactory(tenant=other_tenant)

    assert admin_client.get(f"/inventory/items/{theirs.pk}/{move}/").status_code == 404
    assert admin_client.post(f"/inventory/items/{theirs.pk}/{move}/", {"quantity": "1"}).status_code == 404


def test_another_tenants_location_is_refused_on_its_field(operator_client, other_tenant, shelves):
    room, _, drawer = shelves
    theirs = LocationFactory(tenant=other_tenant)

    response = operator_client.post(f"/inventory/items/{drawer.pk}/transfer/", {
        "origin": room.pk, "destination": theirs.pk, "quantity": "1"})

    assert response.status_code == 400 and response.context["form"].errors["destination"]
    assert not StockBalance.objects.filter(location=theirs).exists()


def test_a_materials_move_page_points_to_its_spools(admin_client, tenant, admin_user):
    spool = receive_spool(tenant=tenant, by=admin_user)

    html = page_html(admin_client.get(f"/inventory/items/{spool.item_type_id}/transfer/"))

    assert "is a material: its stock is counted and moved as spools" in html and "stock-move-form" not in html


# --- query counts -------------------------------------------------------------------------------------------

def _stock_rows(tenant, user, n):
    for _ in range(n):  # each its own product and location: no help from a shared object
        services.stock_adjust(tenant=tenant, by=user, item_type=ProductFactory(tenant=tenant),
                              location=LocationFactory(tenant=tenant), quantity=Decimal("3"), note="Count")


def _queries(client, url) -> int:
    client.get(url)  # warm up: the first request saves the active tenant in the session
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_stock_page_with_move_buttons_runs_the_same_queries_for_1_and_for_30_rows(admin_client, tenant,
                                                                                       admin_user):
    _stock_rows(tenant, admin_user, 1)
    one = _queries(admin_client, "/inventory/stock/")
    _stock_rows(tenant, admin_user, 29)

    assert _queries(admin_client, "/inventory/stock/") == one == 3 + 4


def test_the_transfer_page_runs_the_same_queries_for_1_and_for_30_locations(operator_client, tenant, shelves):
    _, _, drawer = shelves
    url = f"/inventory/items/{drawer.pk}/transfer/"
    one = _queries(operator_client, url)
    LocationFactory.create_batch(28, tenant=tenant)

    assert _queries(operator_client, url) == one


def test_moving_an_item_nobody_holds_says_how_stock_gets_there(manager_client, tenant, shelves):
    stand = ProductFactory(tenant=tenant, name="Phone stand")

    html = page_html(manager_client.get(f"/inventory/items/{stand.pk}/ship/"))

    assert "No location holds any Phone stand yet" in html and f"/inventory/items/{stand.pk}/adjust/" in html
