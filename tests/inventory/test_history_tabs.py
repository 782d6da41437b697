"""The item page (overview, a product's "Production history" tab) and the spool page's "Production
usage" tab, which runs adds through ``inventory.tabs``; the ledger's Source column linking a run.

Tabs are in the URL (``?tab=``): a full load and the HTMX tab switch render the same tab; each tab
runs a fixed number of queries; another tenant's item or spool is a 404; a viewer reads them all.
"""
from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from inventory.models import ItemType
from tests.factories import LocationFactory, MaterialFactory, ProductFactory, receive_spool
from tests.support.pages import HTMX, page_html
from tests.support.runs import complete_stand_run

# --- item page: overview ---------------------------------------------------------------------------

def test_a_material_page_shows_its_swatch_cost_and_stock_per_location(viewer_client, tenant, admin_user):
    material = MaterialFactory(tenant=tenant, name="Galaxy Black PLA", color_hex="#3D3E3D", unit_cost=D("0.0250"))
    for name, grams in (("Shelf A", "1000"), ("Shelf B", "750")):
        receive_spool(tenant=tenant, by=admin_user, material=material,
                      location=LocationFactory(tenant=tenant, name=name), grams=grams)

    response = viewer_client.get(f"/inventory/items/{material.pk}/")
    html = page_html(response)

    assert response.status_code == 200
    assert "<h1" in html and "Galaxy Black PLA" in html and 'data-swatch="#3D3E3D"' in html
    assert "0.025" in html and "/ g" in html
    assert 'id="item-stock"' in html and "Shelf A" in html and "1,000 g" in html and "750 g" in html
    assert "1,750 g" in html                                             # all locations
    assert "Production history" not in html                              # products only
    assert f"/inventory/items/{material.pk}/edit/" not in html           # a viewer: no Edit button


def test_a_manager_gets_the_edit_button(client_as, admin_user, tenant):
    product = ProductFactory(tenant=tenant)
    html = page_html(client_as(admin_user).get(f"/inventory/items/{product.pk}/"))
    assert f'href="/inventory/items/{product.pk}/edit/"' in html


def test_an_item_without_stock_says_how_stock_comes(viewer_client, tenant):
    product = ProductFactory(tenant=tenant)
    html = page_html(viewer_client.get(f"/inventory/items/{product.pk}/"))
    assert "None in stock yet." in html and "Completing a production run" in html


def test_the_item_list_links_each_name_to_its_page(viewer_client, tenant):
    product = ProductFactory(tenant=tenant, name="Cable clip")
    html = page_html(viewer_client.get("/inventory/items/"))
    assert f'href="/inventory/items/{product.pk}/">Cable clip</a>' in html


def test_another_tenants_item_is_a_404_on_every_tab(client_as, other_admin, tenant):
    product = ProductFactory(tenant=tenant, name="Secret widget")
    client = client_as(other_admin)
    for url in (f"/inventory/items/{product.pk}/", f"/inventory/items/{product.pk}/?tab=history"):
        response = client.get(url)
        assert response.status_code == 404 and "Secret widget" not in page_html(response)
    assert client.get(f"/inventory/items/{product.pk}/", headers=HTMX).status_code == 404


def test_a_viewer_cannot_edit_the_item(viewer_client, tenant):
    product = ProductFactory(tenant=tenant, name="Cable clip")
    response = viewer_client.post(f"/inventory/items/{product.pk}/edit/", {"name": "Renamed"})
    assert response.status_code == 403
    product.refresh_from_db()
    assert product.name == "Cable clip"


# Queries of the item page, pinned: session, user, memberships (3) + the item, its balances (2).
ITEM_QUERIES = 3 + 2


def test_the_overview_runs_the_same_queries_for_1_and_for_30_locations(viewer_client, tenant, admin_user):
    material = MaterialFactory(tenant=tenant)
    receive_spool(tenant=tenant, by=admin_user, material=material)
    with CaptureQueriesContext(connection) as one:
        assert viewer_client.get(f"/inventory/items/{material.pk}/").status_code == 200

    for _ in range(29):
        receive_spool(tenant=tenant, by=admin_user, material=material)
    with CaptureQueriesContext(connection) as many:
        response = viewer_client.get(f"/inventory/items/{material.pk}/")
    assert len(response.context["balances"]) == 30

    assert len(one) == len(many) == ITEM_QUERIES, [q["sql"] for q in many.captured_queries]


# --- item page: a product's production history --------------------------------------------------

def test_the_history_tab_lists_the_runs_that_made_the_product_with_costs(viewer_client, make_run, admin_user,
                                                                         farm):
    over = complete_stand_run(make_run(quantity=8), admin_user, pla_g="300", failed=2)   # 60 g more PLA, 2 warped
    on_estimate = complete_stand_run(make_run(quantity=8), admin_user)
    running = make_run(quantity=4)
    stand = farm.stand

    response = viewer_client.get(f"/inventory/items/{stand.pk}/?tab=history")
    html = page_html(response)

    assert response.status_code == 200
    assert f'aria-current="page" href="/inventory/items/{stand.pk}/?tab=history">Production history' in html
    assert 'id="product-history"' in html
    for run in (over, on_estimate, running):
        assert f'href="/runs/{run.pk}/">{run.run_number}</a>' in html
    assert "text-bg-success" in html and "text-bg-primary" in html     # completed green, in progress blue
    history = response.context["history"]
    assert history["runs"] == 2 and history["planned"] == 16 and history["successful"] == 14
    assert history["failed"] == 2
    # 8 stands cost 240 × 0.025 + 40 × 0.03 = 7.20 (0.90 each); the first run really used 8.70.
    assert history["estimated_cost_per_piece"] == D("0.90")
    assert history["actual_cost_per_piece"] == D("1.14")                # (8.70 + 7.20) / 14 good pieces
    assert history["cost_variance_pct"] == D("26.7")
    assert "0.90" in html and "1.14" in html and "+26.7 %" in html
    assert 'id="item-stock"' not in html                                 # only the chosen tab is rendered


def test_switching_tabs_with_htmx_swaps_the_tab_bar_and_panel_only(viewer_client, make_run, farm):
    make_run(quantity=4)
    stand = farm.stand

    response = viewer_client.get(f"/inventory/items/{stand.pk}/?tab=history", headers=HTMX)
    html = page_html(response)

    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="results">')
    assert "<html" not in html and 'id="product-history"' in html and "<h1" not in html
    assert 'hx-boost="true" hx-target="#results"' in html                # the tab bar swaps #results
    assert "HX-Request" in response["Vary"]
    overview = page_html(viewer_client.get(f"/inventory/items/{stand.pk}/?tab=overview", headers=HTMX))
    assert f'aria-current="page" href="/inventory/items/{stand.pk}/?tab=overview">Overview' in overview
    assert 'id="product-history"' not in overview


def test_an_unknown_tab_shows_the_first_one(viewer_client, tenant):
    material = MaterialFactory(tenant=tenant)
    response = viewer_client.get(f"/inventory/items/{material.pk}/?tab=history")   # no history for materials
    assert response.status_code == 200 and response.context["tab"].key == "overview"


def test_a_product_never_made_shows_the_empty_history(client_as, viewer_user, operator_user, tenant):
    product = ProductFactory(tenant=tenant)
    url = f"/inventory/items/{product.pk}/?tab=history"

    viewer = page_html(client_as(viewer_user).get(url))
    operator = page_html(client_as(operator_user).get(url))

    assert "No production run has made this product yet." in viewer
    assert 'href="/jobs/"' not in viewer.split('id="results"')[1]         # a viewer: no action button
    assert 'href="/jobs/"' in operator.split('id="results"')[1] and "Go to the job queue" in operator


def test_the_history_pages_and_its_links_keep_the_tab(viewer_client, make_run, farm):
    for _ in range(30):
        make_run(quantity=1)
    stand = farm.stand

    first = page_html(viewer_client.get(f"/inventory/items/{stand.pk}/?tab=history"))
    second = viewer_client.get(f"/inventory/items/{stand.pk}/?tab=history&page=2", headers=HTMX)

    assert "1–25 of 30 rows" in first and "?tab=history&amp;page=2" in first
    assert len(second.context["page"].object_list) == 5 and "26–30 of 30 rows" in page_html(second)


# --- spool page: production usage ------------------------------------------------------------------

def test_the_usage_tab_lists_the_runs_that_used_the_spool_and_the_grams(viewer_client, make_run, admin_user, farm):
    done = complete_stand_run(make_run(quantity=8), admin_user, pla_g="264")      # +10 % of 240 g
    running = make_run(quantity=4)
    spool = farm.pla_spool

    response = viewer_client.get(f"/inventory/spools/{spool.pk}/?tab=usage")
    html = page_html(response)

    assert response.status_code == 200
    assert f'aria-current="page" href="/inventory/spools/{spool.pk}/?tab=usage">Production usage' in html
    assert f'href="/runs/{done.pk}/">{done.run_number}</a>' in html
    assert f'href="/runs/{running.pk}/">{running.run_number}</a>' in html
    assert response.context["usage"]["runs"] == 2 and response.context["usage"]["used_g"] == D("264")
    assert "264 g" in html and "240 g" in html and "+24 g" in html and "+10.0 %" in html
    assert 'id="spool-usage"' in html and "Every row that moved" not in html


def test_the_spool_page_opens_on_its_ledger_tab(viewer_client, make_run, admin_user, farm):
    complete_stand_run(make_run(quantity=8), admin_user)
    spool = farm.pla_spool

    html = page_html(viewer_client.get(f"/inventory/spools/{spool.pk}/"))

    assert f'aria-current="page" href="/inventory/spools/{spool.pk}/?tab=ledger">Ledger' in html
    assert "?tab=usage" in html and 'id="spool-usage"' not in html
    assert "Save weight" not in html                                     # a viewer: no actions


def test_a_spool_never_used_shows_the_empty_usage(viewer_client, tenant, admin_user):
    spool = receive_spool(tenant=tenant, by=admin_user)
    html = page_html(viewer_client.get(f"/inventory/spools/{spool.pk}/?tab=usage", headers=HTMX))
    assert html.lstrip().startswith('<div id="results">')
    assert "No production run has used this spool yet." in html


def test_another_tenants_spool_usage_is_a_404(client_as, other_admin, farm):
    response = client_as(other_admin).get(f"/inventory/spools/{farm.pla_spool.pk}/?tab=usage", headers=HTMX)
    assert response.status_code == 404


# Queries of the two tabs, pinned: session, user, memberships (3) + the product or spool (1) +
# history: the summary aggregate, the paginator's count, one page of run items with their runs (3);
# usage: the spool's runs, its grams from the ledger, the count, one page of run materials (4).
TAB_QUERIES = [("history", lambda farm: f"/inventory/items/{farm.stand.pk}/?tab=history", 3 + 1 + 3),
               ("usage", lambda farm: f"/inventory/spools/{farm.pla_spool.pk}/?tab=usage", 3 + 1 + 4)]


@pytest.mark.parametrize("tab, url, expected", TAB_QUERIES, ids=[tab for tab, _, _ in TAB_QUERIES])
def test_the_tabs_run_the_same_queries_for_1_and_for_30_runs(viewer_client, make_run, admin_user, farm, tab, url,
                                                             expected):
    complete_stand_run(make_run(quantity=1), admin_user, pla_g="30", petg_g="5")
    with CaptureQueriesContext(connection) as one:
        assert viewer_client.get(url(farm)).status_code == 200

    for n in range(29):
        run = make_run(quantity=1)
        if n % 2:
            complete_stand_run(run, admin_user, pla_g="30", petg_g="5")
    with CaptureQueriesContext(connection) as many:
        response = viewer_client.get(url(farm), headers=HTMX)
    assert len(response.context["page"].object_list) == 25 and response.context["page"].paginator.count == 30

    assert len(one) == len(many) == expected, [q["sql"] for q in many.captured_queries]


# --- the ledger links a run's rows to the run --------------------------------------------------------

def test_the_ledger_source_column_links_a_completed_runs_rows_to_the_run(viewer_client, make_run, admin_user,
                                                                        farm):
    run = complete_stand_run(make_run(quantity=8), admin_user)
    link = f'<a href="/runs/{run.pk}/">{run.run_number}</a>'

    ledger = page_html(viewer_client.get("/inventory/ledger/?reference_type=production_run"))
    spool_ledger = page_html(viewer_client.get(f"/inventory/spools/{farm.pla_spool.pk}/"))

    assert ledger.count(link) == 3                      # PLA usage, PETG usage, 8 stands of output
    assert spool_ledger.count(link) == 1
    assert viewer_client.get(f"/runs/{run.pk}/").status_code == 200    # and the link leads to the run


def test_a_product_is_an_item_with_the_history_tab_registered_by_runs():
    from inventory.tabs import detail_tabs

    product, material = ItemType(kind=ItemType.Kind.PRODUCT), ItemType(kind=ItemType.Kind.MATERIAL)
    assert [tab.key for tab in detail_tabs("item", product, own=[])] == ["recipe", "history"]   # plans' and runs'
    assert detail_tabs("item", material, own=[]) == []
