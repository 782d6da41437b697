"""The production run pages: list (filters, sort, HTMX partial, query counts) and detail (items,
materials, variance; query counts; tenant isolation; login)."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from runs import services
from runs.services import MaterialActual
from tests.support.pages import HTMX, page_html
from tests.support.runs import DETAIL_PAGE_QUERIES, LIST_PAGE_QUERIES, stand_run_on_spools


def _complete(run, user, pla_g="264", petg_g="40", purge="5"):
    pla, petg = run.materials.order_by("pk")
    return services.production_run_complete(
        run=run, by=user, completed_at=run.started_at + timedelta(hours=5), quality_rating=4,
        materials=[MaterialActual(material_id=pla.pk, actual_weight_g=D(pla_g), actual_purge_g=D(purge)),
                   MaterialActual(material_id=petg.pk, actual_weight_g=D(petg_g), actual_purge_g=D("0"))])


# --- list ---------------------------------------------------------------------------------------

def test_the_list_renders_for_a_viewer(viewer_client, make_run, admin_user):
    done = _complete(make_run(quantity=8, purge="5"), admin_user)
    running = make_run(quantity=4)

    response = viewer_client.get("/runs/")
    html = page_html(response)

    assert response.status_code == 200
    assert done.run_number in html and running.run_number in html
    assert "Phone stand" in html and "× 8" in html and "MK4 #1" in html
    assert "text-bg-success" in html and "text-bg-primary" in html     # completed green, in progress blue
    assert 'id="filter-form"' in html and 'id="results"' in html
    assert f'href="/runs/{done.pk}/"' in html
    assert 'href="/runs/"' in html                                      # the sidebar link is live


def test_a_viewer_gets_no_row_menu_and_an_operator_gets_one_per_run(viewer_client, operator_client, make_run):
    running = make_run(quantity=4)

    as_viewer = page_html(viewer_client.get("/runs/"))
    as_operator = page_html(operator_client.get("/runs/"))

    assert f"More for {running.run_number}" not in as_viewer and "row-menu" not in as_viewer
    assert f"View {running.run_number}" in as_viewer
    assert as_operator.count('class="dropdown row-menu"') == 1
    assert f'href="/runs/{running.pk}/complete/" title="Complete {running.run_number}"' in as_operator


def test_an_empty_list_says_what_to_do(viewer_client, farm):
    html = page_html(viewer_client.get("/runs/"))
    assert "No production runs yet." in html and "/jobs/" in html


def test_an_htmx_request_gets_the_results_partial_only(viewer_client, make_run):
    run = make_run()

    response = viewer_client.get("/runs/?q=" + run.run_number[-3:], headers=HTMX)
    html = page_html(response)

    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="results">')
    assert run.run_number in html and "<html" not in html and 'id="filter-form"' not in html
    assert "HX-Request" in response["Vary"]


def test_the_list_runs_the_same_queries_for_1_and_for_25_runs(viewer_client, make_run):
    make_run()
    with CaptureQueriesContext(connection) as one:
        first = viewer_client.get("/runs/")
    assert len(first.context["page"].object_list) == 1

    for _ in range(24):
        make_run(quantity=4)
    with CaptureQueriesContext(connection) as many:
        response = viewer_client.get("/runs/")
    assert len(response.context["page"].object_list) == 25

    assert len(one) == len(many) == LIST_PAGE_QUERIES, [q["sql"] for q in many.captured_queries]


def test_the_status_filter_and_the_variance_bands(viewer_client, make_run, admin_user):
    over = _complete(make_run(quantity=8, purge="5"), admin_user, pla_g="400")     # ≫ +10 %
    under = _complete(make_run(quantity=8, purge="5"), admin_user, pla_g="150")    # ≪ −10 %
    within = _complete(make_run(quantity=8, purge="5"), admin_user, pla_g="240")   # ±10 %
    running = make_run()
    assert over.variance_pct > 10 and under.variance_pct < -10 and -10 <= within.variance_pct <= 10

    html = page_html(viewer_client.get("/runs/?status=completed"))
    assert running.run_number not in html
    assert all(run.run_number in html for run in (over, under, within))
    assert "text-bg-danger" in html and "text-bg-warning" in html and html.count('title="Under estimate"') == 1

    html = page_html(viewer_client.get("/runs/?status=in_progress"))
    assert running.run_number in html and over.run_number not in html
    assert 'title="No variance yet"' in html

    html = page_html(viewer_client.get(
        f"/runs/?product={running.items.get().product_id}&workstation={running.workstation_id}"))
    assert running.run_number in html and over.run_number in html


def test_invalid_filters_show_on_the_form(viewer_client, make_run):
    make_run()
    html = page_html(viewer_client.get("/runs/?status=bogus&spool=999999"))
    assert "These filters are not valid" in html


def test_sort_by_variance(viewer_client, make_run, admin_user):
    over = _complete(make_run(quantity=8, purge="5"), admin_user, pla_g="400")
    under = _complete(make_run(quantity=8, purge="5"), admin_user, pla_g="150")
    within = _complete(make_run(quantity=8, purge="5"), admin_user, pla_g="240")
    running = make_run()

    rows = viewer_client.get("/runs/?ordering=variance").context["page"].object_list
    assert [run.pk for run in rows] == [under.pk, within.pk, over.pk, running.pk]   # no variance last
    rows = viewer_client.get("/runs/?ordering=-variance").context["page"].object_list
    assert [run.pk for run in rows] == [over.pk, within.pk, under.pk, running.pk]
    html = page_html(viewer_client.get("/runs/?ordering=-variance"))
    assert 'aria-sort="descending"' in html


# --- detail -------------------------------------------------------------------------------------

def test_the_detail_of_a_completed_run(viewer_client, make_run, admin_user, farm):
    run = _complete(make_run(quantity=8, purge="5"), admin_user)

    response = viewer_client.get(f"/runs/{run.pk}/")
    html = page_html(response)

    assert response.status_code == 200
    assert run.run_number in html and "Completed" in html and "MK4 #1" in html
    assert 'id="run-items"' in html and "Phone stand" in html and "100.0 %" in html
    assert 'id="run-materials"' in html and "Galaxy Black PLA" in html and "Jet Black PETG" in html
    assert f'href="/inventory/spools/{farm.pla_spool.pk}/"' in html
    assert 'id="variance-summary"' in html and "+8.6 %" in html     # weight: 304 g vs 280 g
    assert "5 h" in html and 'aria-label="4 of 5 stars"' in html
    assert 'id="run-materials-data"' in html and "chart.umd.min.js" in html


def test_the_detail_runs_the_same_queries_for_1_and_for_6_materials(viewer_client, farm, tenant, admin_user):
    one_material = stand_run_on_spools(farm, tenant, admin_user, 1)
    six_materials = stand_run_on_spools(farm, tenant, admin_user, 6)

    with CaptureQueriesContext(connection) as one:
        assert viewer_client.get(f"/runs/{one_material.pk}/").status_code == 200
    with CaptureQueriesContext(connection) as six:
        response = viewer_client.get(f"/runs/{six_materials.pk}/")
    assert response.status_code == 200 and len(response.context["materials"]) == 6

    assert len(one) == len(six) == DETAIL_PAGE_QUERIES, [q["sql"] for q in six.captured_queries]


def test_another_tenants_run_is_a_404(client_as, other_admin, make_run):
    run = make_run()
    response = client_as(other_admin).get(f"/runs/{run.pk}/")
    assert response.status_code == 404 and run.run_number not in page_html(response)
    assert run.run_number not in page_html(client_as(other_admin).get("/runs/"))


@pytest.mark.parametrize("url", ["/runs/", "/runs/1/"])
def test_anonymous_is_sent_to_log_in(client, url):
    response = client.get(url)
    assert response.status_code == 302 and "/login/" in response["Location"]
