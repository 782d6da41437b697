"""The inventory pages: lists (query counts, HTMX partials, filters in the URL), forms and actions."""
from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from inventory import services
from inventory.models import InventoryTransaction, ItemType, Location, Spool, Workstation
from tests.factories import (
    PASSWORD,
    LocationFactory,
    MaterialFactory,
    ProductFactory,
    WorkstationFactory,
    receive_spool,
)
from tests.support.pages import page_html

LIST_PAGES = ["/", "/inventory/items/", "/inventory/spools/", "/inventory/ledger/", "/inventory/stock/",
              "/inventory/locations/", "/inventory/workstations/"]


# --- login, tenancy, roles -----------------------------------------------------------------------

@pytest.mark.parametrize("url", LIST_PAGES + ["/inventory/spools/receive/"])
def test_pages_send_anonymous_visitors_to_the_login_page(client, db, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


def test_login_page_logs_a_member_in(client, admin_user):
    response = client.post("/login/", {"username": admin_user.username, "password": PASSWORD})

    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_another_tenants_spool_is_a_404_page(client_as, admin_user, other_tenant, other_admin):
    theirs = receive_spool(tenant=other_tenant, by=other_admin)

    response = client_as(admin_user).get(f"/inventory/spools/{theirs.pk}/")

    assert response.status_code == 404
    assert "Not found" in page_html(response) and theirs.item_type.name not in page_html(response)


def test_another_tenants_item_location_and_ledger_row_are_404_pages(client_as, admin_user, other_tenant,
                                                                     other_admin):
    theirs = receive_spool(tenant=other_tenant, by=other_admin)
    row = InventoryTransaction.objects.get(spool=theirs)
    client = client_as(admin_user)

    assert client.get(f"/inventory/items/{theirs.item_type_id}/edit/").status_code == 404
    assert client.get(f"/inventory/locations/{theirs.location_id}/edit/").status_code == 404
    assert client.post(f"/inventory/ledger/{row.pk}/reverse/").status_code == 404
    assert not InventoryTransaction.objects.filter(reverses=row).exists()


def test_a_viewer_cannot_receive_a_spool(client_as, tenant, viewer_user):
    material, shelf = MaterialFactory(tenant=tenant), LocationFactory(tenant=tenant)

    response = client_as(viewer_user).post("/inventory/spools/receive/",
                                           {"item_type": material.pk, "location": shelf.pk})

    assert response.status_code == 403
    assert "operator" in page_html(response)
    assert not Spool.objects.exists()


def test_a_viewer_sees_no_write_buttons(client_as, tenant, viewer_user, admin_user):
    receive_spool(tenant=tenant, by=admin_user)

    spools = page_html(client_as(viewer_user).get("/inventory/spools/"))
    ledger = page_html(client_as(viewer_user).get("/inventory/ledger/"))

    assert "Receive spool" not in spools
    assert "/reverse/" not in ledger


def test_an_operator_cannot_reverse_a_ledger_row(client_as, tenant, operator_user, admin_user):
    spool = receive_spool(tenant=tenant, by=admin_user)
    row = InventoryTransaction.objects.get(spool=spool)

    response = client_as(operator_user).post(f"/inventory/ledger/{row.pk}/reverse/")

    assert response.status_code == 403
    assert not InventoryTransaction.objects.filter(reverses=row).exists()


# --- lists: one query count whatever the number of rows, HTMX partials ------------------------------

def _items(tenant, user, n):
    MaterialFactory.create_batch(n, tenant=tenant)


def _spools(tenant, user, n):
    for _ in range(n):  # each with its own material and location: no help from a shared object
        receive_spool(tenant=tenant, by=user)


def _ledger_rows(tenant, user, n):
    """Receipts, every other one reversed (so rows show "reversed by" and "of #")."""
    for i in range(n):
        spool = receive_spool(tenant=tenant, by=user)
        if i % 2:
            services.inventory_transaction_reverse(transaction_row=spool.transactions.get(), by=user)


def _locations(tenant, user, n):
    LocationFactory.create_batch(n, tenant=tenant)


def _workstations(tenant, user, n):
    WorkstationFactory.create_batch(n, tenant=tenant)


# Queries per page, pinned. Every page: session, user and the user's memberships (the middleware
# picks the active one from them and the tenant switcher lists them) = 3. Then per page: filter choices, the paginator's count and one
# page of rows. (The first request of a session also saves the active tenant in it: warmed up.)
LIST_QUERIES = [
    ("/", _spools, 3 + 7 + 2),  # spool counts + grams, low spools, recent rows; runs in progress, their count,
                                # completed (no runs: no items query), variance trend (tests/test_dashboard.py);
                                # the onboarding steps and the newest catalog import (no recipe yet)
    ("/inventory/items/", _items, 3 + 2),              # count, rows
    ("/inventory/spools/", _spools, 3 + 4),            # materials, locations, count, rows
    ("/inventory/ledger/", _ledger_rows, 3 + 4),       # items, locations, count, rows
    ("/inventory/stock/", _spools, 3 + 4),             # locations, count, rows, filament chart
    ("/inventory/locations/", _locations, 3 + 2),      # count, rows
    ("/inventory/workstations/", _workstations, 3 + 3),  # locations, count, rows
]


@pytest.mark.parametrize("url, make_rows, expected", LIST_QUERIES, ids=[u for u, _, _ in LIST_QUERIES])
def test_list_pages_run_the_same_queries_for_1_and_for_50_rows(admin_client, tenant, admin_user, url, make_rows,
                                                               expected):
    make_rows(tenant, admin_user, 1)
    with CaptureQueriesContext(connection) as one_row:
        assert admin_client.get(url).status_code == 200

    make_rows(tenant, admin_user, 49)
    with CaptureQueriesContext(connection) as fifty_rows:
        response = admin_client.get(url)
    assert response.status_code == 200

    assert len(one_row) == len(fifty_rows) == expected, [q["sql"] for q in fifty_rows.captured_queries]


def test_spool_detail_runs_the_same_queries_for_1_and_for_30_ledger_rows(admin_client, tenant, admin_user):
    spool = receive_spool(tenant=tenant, by=admin_user, grams="1000")
    with CaptureQueriesContext(connection) as one_row:
        admin_client.get(f"/inventory/spools/{spool.pk}/")

    for grams in range(900, 0, -30):
        services.spool_adjust(spool=spool, by=admin_user, net_weight_g=Decimal(grams))
    with CaptureQueriesContext(connection) as many_rows:
        response = admin_client.get(f"/inventory/spools/{spool.pk}/")

    assert response.status_code == 200
    assert len(one_row) == len(many_rows) == 3 + 4      # spool, the spool filter's check, count, rows


@pytest.mark.parametrize("url", LIST_PAGES[1:])
def test_an_htmx_request_gets_only_the_results_partial(admin_client, tenant, admin_user, url):
    receive_spool(tenant=tenant, by=admin_user)
    WorkstationFactory(tenant=tenant)

    response = admin_client.get(url, headers={"HX-Request": "true"})

    html = page_html(response)
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="results"')
    assert "<html" not in html and 'id="sidebar"' not in html and 'id="filter-form"' not in html
    assert "HX-Request" in response["Vary"]


def test_an_htmx_history_restore_gets_the_whole_page(admin_client, tenant):
    response = admin_client.get("/inventory/spools/", headers={"HX-Request": "true",
                                                               "HX-History-Restore-Request": "true"})

    assert "<html" in page_html(response)


def test_the_spool_list_url_carries_filters_sort_and_page(admin_client, tenant, admin_user):
    shelf = LocationFactory(tenant=tenant, name="Back shelf")
    petg = MaterialFactory(tenant=tenant, name="Prusament PETG Jet Black", material="PETG")
    wanted = [receive_spool(tenant=tenant, by=admin_user, material=petg, location=shelf, grams=str(g))
              for g in (300, 900)]
    receive_spool(tenant=tenant, by=admin_user, location=shelf)               # PLA: filtered out
    receive_spool(tenant=tenant, by=admin_user, material=petg)                # elsewhere: filtered out

    response = admin_client.get(f"/inventory/spools/?material=PETG&location={shelf.pk}&ordering=-current_weight_g")

    html = page_html(response)
    assert [s.pk for s in response.context["page"].object_list] == [wanted[1].pk, wanted[0].pk]
    assert f'<option value="{shelf.pk}" selected>Back shelf</option>' in html
    assert '<option value="PETG" selected>PETG</option>' in html
    assert 'name="ordering" value="-current_weight_g"' in html
    assert 'aria-sort="descending"' in html


def test_the_spool_list_paginates_and_keeps_the_filters_in_page_links(admin_client, tenant, admin_user):
    material, shelf = MaterialFactory(tenant=tenant), LocationFactory(tenant=tenant)
    for _ in range(30):
        receive_spool(tenant=tenant, by=admin_user, material=material, location=shelf)

    response = admin_client.get("/inventory/spools/?status=active&page=2")

    assert len(response.context["page"].object_list) == 5
    assert "/inventory/spools/?status=active&amp;page=1" in page_html(response)


def test_an_invalid_filter_shows_an_error_and_no_rows(admin_client, tenant, admin_user, other_tenant):
    receive_spool(tenant=tenant, by=admin_user)
    theirs = LocationFactory(tenant=other_tenant)

    response = admin_client.get(f"/inventory/spools/?location={theirs.pk}")

    assert response.status_code == 200
    assert "not valid" in page_html(response)
    assert list(response.context["page"].object_list) == []


@pytest.mark.parametrize("url, text", [
    ("/inventory/items/", "No items yet."), ("/inventory/spools/", "No spools yet."),
    ("/inventory/ledger/", "The ledger is empty."), ("/inventory/stock/", "Nothing in stock yet."),
    ("/inventory/locations/", "No locations yet."), ("/inventory/workstations/", "No workstations yet."),
])
def test_every_list_has_an_empty_state_that_says_what_to_do(admin_client, tenant, url, text):
    html = page_html(admin_client.get(url))

    assert text in html


def test_a_filtered_empty_list_offers_to_clear_the_filters(admin_client, tenant, admin_user):
    receive_spool(tenant=tenant, by=admin_user)

    html = page_html(admin_client.get("/inventory/spools/?q=nothing-like-this"))

    assert "Nothing matches these filters." in html and "Clear filters" in html


# --- receive, weigh, empty, archive ---------------------------------------------------------------

def test_the_catalog_search_finds_materials_by_any_words(admin_client, tenant):
    MaterialFactory(tenant=tenant, name="Prusament PLA Galaxy Black", color_name="Galaxy Black")
    MaterialFactory(tenant=tenant, name="Prusament PETG Jet Black", material="PETG", color_name="Jet Black")
    ProductFactory(tenant=tenant, name="Galaxy Black stand")

    galaxy = page_html(admin_client.get("/inventory/spools/receive/materials/?q=galaxy+black"))
    petg = page_html(admin_client.get("/inventory/spools/receive/materials/?q=petg+prusament"))
    none = page_html(admin_client.get("/inventory/spools/receive/materials/?q=unobtainium"))

    assert "Prusament PLA Galaxy Black" in galaxy and "Jet Black" not in galaxy and "stand" not in galaxy
    assert "Prusament PETG Jet Black" in petg and "Galaxy" not in petg
    assert 'data-net-weight="1000"' in galaxy and 'data-spool-weight="201"' in galaxy
    assert "No material matches" in none


def test_receiving_a_spool_redirects_to_it_with_a_message(admin_client, tenant):
    material, shelf = MaterialFactory(tenant=tenant), LocationFactory(tenant=tenant)

    response = admin_client.post("/inventory/spools/receive/", {
        "item_type": material.pk, "location": shelf.pk, "initial_weight_g": "1000", "tare_weight_g": "201",
        "lot_number": "L42"}, follow=True)

    spool = Spool.objects.get()
    assert response.redirect_chain == [(f"/inventory/spools/{spool.pk}/", 302)]
    assert f"Spool #{spool.pk} received" in page_html(response)
    assert spool.lot_number == "L42" and spool.current_weight_g == Decimal("1000")
    assert InventoryTransaction.objects.get(spool=spool).transaction_type == "receipt"


def test_the_item_list_shows_products_first_and_the_catalog_filaments_only_on_request(admin_client, tenant,
                                                                                     admin_user):
    MaterialFactory(tenant=tenant, name="Aardvark catalog PLA", catalog_id="cat-1")          # never received
    received = MaterialFactory(tenant=tenant, name="Bought catalog PETG", catalog_id="cat-2")
    receive_spool(tenant=tenant, by=admin_user, material=received)
    ProductFactory(tenant=tenant, name="Zebra stand")

    listed = page_html(admin_client.get("/inventory/items/"))
    with_catalog = page_html(admin_client.get("/inventory/items/", {"catalog": "all"}))
    catalog_only = page_html(admin_client.get("/inventory/items/", {"catalog": "only"}))

    assert listed.index("Zebra stand") < listed.index("Bought catalog PETG")      # products before materials
    assert "Aardvark catalog PLA" not in listed
    assert "Aardvark catalog PLA" in with_catalog and "Zebra stand" in with_catalog
    assert "Aardvark catalog PLA" in catalog_only and "Zebra stand" not in catalog_only


def test_receiving_a_spool_without_any_cost_warns_that_its_filament_counts_as_free(admin_client, tenant):
    material, shelf = MaterialFactory(tenant=tenant, unit_cost=Decimal("0")), LocationFactory(tenant=tenant)

    response = admin_client.post("/inventory/spools/receive/", {
        "item_type": material.pk, "location": shelf.pk, "initial_weight_g": "1000"}, follow=True)

    spool = Spool.objects.get()
    assert spool.cost == Decimal("0")
    assert f"Spool #{spool.pk} has no cost" in page_html(response)


def test_receiving_a_spool_with_a_cost_gives_no_warning(admin_client, tenant):
    material, shelf = MaterialFactory(tenant=tenant, unit_cost=Decimal("0")), LocationFactory(tenant=tenant)

    response = admin_client.post("/inventory/spools/receive/", {
        "item_type": material.pk, "location": shelf.pk, "initial_weight_g": "1000", "cost": "24.90"}, follow=True)

    assert "has no cost" not in page_html(response)


def test_the_catalog_search_puts_the_materials_the_farm_stocks_first(admin_client, tenant, admin_user):
    MaterialFactory(tenant=tenant, name="Aardvark PLA Black", manufacturer="Aardvark")      # never bought
    stocked = MaterialFactory(tenant=tenant, name="Prusament PLA Black", manufacturer="Prusament")
    receive_spool(tenant=tenant, by=admin_user, material=stocked)

    html = page_html(admin_client.get("/inventory/spools/receive/materials/?q=pla+black"))

    assert html.index("Prusament PLA Black") < html.index("Aardvark PLA Black")
    assert "In stock" in html


def test_receiving_without_a_material_keeps_the_input_and_writes_nothing(admin_client, tenant):
    shelf = LocationFactory(tenant=tenant)

    response = admin_client.post("/inventory/spools/receive/", {
        "location": shelf.pk, "initial_weight_g": "750", "lot_number": "L7"})

    html = page_html(response)
    assert response.status_code == 400
    assert "Choose a material" in html
    assert 'value="750"' in html and 'value="L7"' in html
    assert not Spool.objects.exists() and not InventoryTransaction.objects.exists()


def test_receiving_a_negative_weight_shows_the_error_next_to_the_field(admin_client, tenant):
    material, shelf = MaterialFactory(tenant=tenant), LocationFactory(tenant=tenant)

    response = admin_client.post("/inventory/spools/receive/", {
        "item_type": material.pk, "location": shelf.pk, "initial_weight_g": "-5"})

    assert response.status_code == 400
    assert response.context["form"].errors["initial_weight_g"]
    assert 'id="id_initial_weight_g_error"' in page_html(response)
    assert material.name in page_html(response)          # the chosen material stays chosen
    assert not Spool.objects.exists()


def test_receiving_a_product_shows_the_service_error_on_the_material(admin_client, tenant):
    product, shelf = ProductFactory(tenant=tenant), LocationFactory(tenant=tenant)

    response = admin_client.post("/inventory/spools/receive/", {"item_type": product.pk, "location": shelf.pk})

    assert response.status_code == 400
    assert response.context["form"].errors["item_type"]
    assert not Spool.objects.exists()


def test_weighing_below_the_tare_shows_the_error_next_to_the_field_and_writes_nothing(admin_client, tenant,
                                                                                      admin_user):
    spool = receive_spool(tenant=tenant, by=admin_user, tare_weight_g=Decimal("201"))

    response = admin_client.post(f"/inventory/spools/{spool.pk}/weigh/", {"gross_weight_g": "150"})

    assert response.status_code == 400
    assert "below the spool" in response.context["weigh_form"].errors["gross_weight_g"][0]
    assert 'id="id_gross_weight_g_error"' in page_html(response) and 'value="150"' in page_html(response)
    assert InventoryTransaction.objects.filter(spool=spool).count() == 1


def test_weighing_a_spool_adjusts_it_to_the_scale(client_as, tenant, operator_user, admin_user):
    spool = receive_spool(tenant=tenant, by=admin_user, tare_weight_g=Decimal("201"))

    response = client_as(operator_user).post(f"/inventory/spools/{spool.pk}/weigh/", {"gross_weight_g": "1001"},
                                             follow=True)

    spool.refresh_from_db()
    assert spool.current_weight_g == Decimal("800.00")
    assert "800 g net (-200 g)" in page_html(response)


def test_marking_a_spool_empty_and_archiving_it(admin_client, tenant, admin_user):
    spool = receive_spool(tenant=tenant, by=admin_user)

    admin_client.post(f"/inventory/spools/{spool.pk}/empty/")
    spool.refresh_from_db()
    assert spool.status == "empty" and spool.current_weight_g == 0

    admin_client.post(f"/inventory/spools/{spool.pk}/archive/")
    spool.refresh_from_db()
    assert spool.status == "archived"


def test_emptying_an_archived_spool_is_refused_with_its_message(admin_client, tenant, admin_user):
    spool = receive_spool(tenant=tenant, by=admin_user)
    services.spool_archive(spool=spool, by=admin_user)

    response = admin_client.post(f"/inventory/spools/{spool.pk}/empty/")

    assert response.status_code == 409
    assert "is archived" in page_html(response)


# --- ledger ---------------------------------------------------------------------------------------

def test_the_ledger_links_a_spool_row_to_its_spool(admin_client, tenant, admin_user):
    spool = receive_spool(tenant=tenant, by=admin_user)

    html = page_html(admin_client.get("/inventory/ledger/"))

    assert f'<a href="/inventory/spools/{spool.pk}/">Spool #{spool.pk}' in html


def test_reversing_a_ledger_row_then_again_is_a_409_with_the_message(admin_client, tenant, admin_user):
    spool = receive_spool(tenant=tenant, by=admin_user)
    services.spool_adjust(spool=spool, by=admin_user, net_weight_g=Decimal("900"))
    row = InventoryTransaction.objects.get(spool=spool, transaction_type="adjustment")

    first = admin_client.post(f"/inventory/ledger/{row.pk}/reverse/", {"next": "/inventory/ledger/?spool=1"})
    second = admin_client.post(f"/inventory/ledger/{row.pk}/reverse/")

    assert first.status_code == 302 and first["Location"] == "/inventory/ledger/?spool=1"
    spool.refresh_from_db()
    assert spool.current_weight_g == Decimal("1000")
    assert second.status_code == 409
    assert f"Transaction {row.pk} is already reversed." in page_html(second)
    html = page_html(admin_client.get("/inventory/ledger/"))
    assert "is-reversed" in html and "reversed by #" in html


def test_reversing_ignores_a_next_url_off_the_site(admin_client, tenant, admin_user):
    row = InventoryTransaction.objects.get(spool=receive_spool(tenant=tenant, by=admin_user))

    response = admin_client.post(f"/inventory/ledger/{row.pk}/reverse/", {"next": "https://evil.example/"})

    assert response["Location"] == "/inventory/ledger/"


def test_the_ledger_filters_by_type_and_date(admin_client, tenant, admin_user):
    spool = receive_spool(tenant=tenant, by=admin_user)
    services.spool_adjust(spool=spool, by=admin_user, net_weight_g=Decimal("900"))

    response = admin_client.get("/inventory/ledger/?transaction_type=adjustment&date_from=2000-01-01")

    rows = list(response.context["page"].object_list)
    assert [r.transaction_type for r in rows] == ["adjustment"]


def test_the_stock_page_charts_filament_per_material(admin_client, tenant, admin_user):
    black = MaterialFactory(tenant=tenant, name="Galaxy Black PLA", color_hex="#3D3E3D")
    receive_spool(tenant=tenant, by=admin_user, material=black, grams="800")
    receive_spool(tenant=tenant, by=admin_user, material=black, grams="200")

    response = admin_client.get("/inventory/stock/")

    assert response.context["filament"] == [{"name": "Galaxy Black PLA", "color_hex": "#3D3E3D",
                                              "grams": Decimal("1000")}]
    assert 'id="filament-data"' in page_html(response)


# --- item types, locations, workstations --------------------------------------------------------------

def test_creating_a_material_item_type(admin_client, tenant):
    response = admin_client.post("/inventory/items/new/", {
        "name": "Prusament PLA Galaxy Black", "sku": "PLA-GB", "kind": "material", "unit": "", "unit_cost": "0.025",
        "is_active": "on", "material": "PLA", "color_hex": "#3D3E3D", "net_weight_g": "1000"})

    assert response.status_code == 302
    item = ItemType.objects.get(sku="PLA-GB")
    assert item.tenant == tenant and item.unit == "g" and item.net_weight_g == Decimal("1000")


def test_the_item_form_asks_the_unit_cost_in_the_tenants_currency(admin_client, tenant):
    tenant.currency = "CHF"
    tenant.save(update_fields=["currency"])

    html = page_html(admin_client.get("/inventory/items/new/"))

    assert "Unit cost (CHF)" in html


def test_a_duplicate_sku_shows_its_error_next_to_the_field(admin_client, tenant):
    MaterialFactory(tenant=tenant, sku="PLA-GB")

    response = admin_client.post("/inventory/items/new/", {
        "name": "Another", "sku": "PLA-GB", "kind": "material", "unit_cost": "0"})

    assert response.status_code == 400
    assert "already used" in response.context["form"].errors["sku"][0]
    assert ItemType.objects.count() == 1


def test_editing_an_item_type_saves_only_what_changed(admin_client, tenant):
    item = MaterialFactory(tenant=tenant, name="Old name")

    form = admin_client.get(f"/inventory/items/{item.pk}/edit/").context["form"]
    data = {name: ("" if value is None else value) for name, value in form.initial.items()}
    data.update(name="New name", is_active="on")
    response = admin_client.post(f"/inventory/items/{item.pk}/edit/", data)

    assert response.status_code == 302, response.context["form"].errors
    item.refresh_from_db()
    assert item.name == "New name" and item.sku.startswith("MAT-")


def test_changing_the_kind_of_a_moved_item_is_refused_on_the_field(admin_client, tenant, admin_user):
    spool = receive_spool(tenant=tenant, by=admin_user)
    item = spool.item_type

    response = admin_client.post(f"/inventory/items/{item.pk}/edit/", {
        "name": item.name, "sku": item.sku, "kind": "product", "unit": "pcs", "unit_cost": "1"})

    assert response.status_code == 400
    assert "ledger rows" in response.context["form"].errors["kind"][0]


def test_creating_and_renaming_a_location(admin_client, tenant):
    admin_client.post("/inventory/locations/new/", {"name": "Print room", "kind": "production"})
    location = Location.objects.get(tenant=tenant)

    response = admin_client.post(f"/inventory/locations/{location.pk}/edit/", {"name": "Print room 2",
                                                                               "kind": "production"})

    location.refresh_from_db()
    assert response.status_code == 302 and location.name == "Print room 2"


def test_creating_and_editing_a_workstation(admin_client, tenant):
    room = LocationFactory(tenant=tenant)

    admin_client.post("/inventory/workstations/new/", {
        "name": "MK4-01", "location": room.pk, "kind": "printer", "model_name": "Prusa MK4",
        "activities": "printing, engraving", "is_active": "on"})
    workstation = Workstation.objects.get(tenant=tenant)
    assert workstation.activities == ["printing", "engraving"]

    admin_client.post(f"/inventory/workstations/{workstation.pk}/edit/", {
        "name": "MK4-01", "location": room.pk, "kind": "printer", "model_name": "Prusa MK4S",
        "activities": "printing"})
    workstation.refresh_from_db()
    assert workstation.model_name == "Prusa MK4S" and workstation.activities == ["printing"]
    assert workstation.is_active is False


def test_a_workstation_cannot_be_put_in_another_tenants_location(admin_client, tenant, other_tenant):
    theirs = LocationFactory(tenant=other_tenant)

    response = admin_client.post("/inventory/workstations/new/", {"name": "X", "location": theirs.pk,
                                                                  "kind": "printer"})

    assert response.status_code == 400 and response.context["form"].errors["location"]
    assert not Workstation.objects.exists()
