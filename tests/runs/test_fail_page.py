"""The fail page of an in-progress run (/runs/<id>/fail/): what the failed print really used —
grams typed, the spool weighed (gross) or what the printer reported — and the parts used, when it
stopped and why; the spools and stock show the drop, errors stay beside their fields with nothing
written, roles, tenants, runs no longer in progress, and query counts that do not grow with the
number of spools."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from inventory.models import InventoryTransaction, Spool, StockBalance
from runs import services
from runs.models import ProductionRun
from runs.services import MaterialActual
from tests.support.pages import page_html
from tests.support.runs import stand_run_on_spools


def url(run) -> str:
    return f"/runs/{run.pk}/fail/"


def _form(run, materials: dict | None = None, parts: dict | None = None, **fields) -> dict:
    """The fail form as posted: every spool in grams with ``materials`` by row index (``{0: {"actual_weight_g":
    "42"}}``; a row not given: 0 g), ``parts`` by item type (``{drawer: "1"}``; others 0)."""
    data = {}
    for index, material in enumerate(run.materials.order_by("pk")):
        row = {"mode": "grams", "actual_weight_g": "0", "actual_purge_g": str(material.estimated_purge_g),
               **(materials or {}).get(index, {})}
        data.update({f"material-{material.pk}-{name}": value for name, value in row.items()})
    for item_type, quantity in (parts or {}).items():
        data[f"part-{item_type.pk}-quantity"] = quantity
    return {**data, **fields}


def _nothing_written(run) -> None:
    run.refresh_from_db()
    assert run.status == ProductionRun.Status.IN_PROGRESS
    assert not InventoryTransaction.objects.filter(reference_type="production_run").exists()


def _ledger_sum(spool) -> D:
    return InventoryTransaction.objects.filter(spool=spool).aggregate(total=Sum("quantity"))["total"]


# --- the page -------------------------------------------------------------------------------------------

def test_the_page_asks_for_the_grams_of_every_spool_and_when_and_why(operator_client, make_run):
    run = make_run(quantity=8, purge="5")

    response = operator_client.get(url(run))
    html = page_html(response)

    assert response.status_code == 200
    form = response.context["form"]
    assert [row["mode"].value() for row in form.material_forms] == ["grams", "grams"]
    assert [row["actual_weight_g"].value() for row in form.material_forms] == [None, None]
    assert "Galaxy Black PLA" in html and "Jet Black PETG" in html and "holds 1,000 g" in html
    assert "Stopped at" in html and "What went wrong?" in html and "Mark failed" in html
    assert "8 failed" in html and "nothing goes into stock" in html


def test_the_detail_page_links_fail_to_the_page_for_an_in_progress_run(operator_client, make_run):
    run = make_run()

    html = page_html(operator_client.get(f"/runs/{run.pk}/"))

    assert f'href="/runs/{run.pk}/fail/"' in html and f'action="/runs/{run.pk}/fail/"' not in html


def test_failing_with_grams_and_a_weighing_takes_them_off_the_spools(operator_client, make_run, farm):
    run = make_run(quantity=8, purge="5")

    response = operator_client.post(url(run), _form(run, materials={
        0: {"actual_weight_g": "61.5"},                                                           # + 5 g purge
        1: {"mode": "weigh", "weight_before_g": "1000", "weight_after_g": "988", "actual_purge_g": "0"},
    }, notes="Spaghetti at layer 40"), follow=True)

    assert response.redirect_chain == [(f"/runs/{run.pk}/", 302)]
    assert f"Run {run.run_number} marked failed: 78.5 g of filament recorded as used." in page_html(response)
    run.refresh_from_db()
    assert run.status == ProductionRun.Status.FAILED and "Spaghetti at layer 40" in run.completion_notes
    assert run.items.get().failed_quantity == 8 and run.items.get().successful_quantity == 0
    for spool, used in ((farm.pla_spool, D("66.5")), (farm.petg_spool, D("12"))):
        spool.refresh_from_db()
        assert spool.current_weight_g == D("1000") - used and _ledger_sum(spool) == spool.current_weight_g
    assert not StockBalance.objects.filter(item_type=farm.stand, quantity__gt=0).exists()
    spool_page = page_html(operator_client.get(f"/inventory/spools/{farm.pla_spool.pk}/"))
    assert "933.5" in spool_page and run.run_number in spool_page


def test_a_stop_time_sets_when_the_run_ended(operator_client, make_run):
    started = (timezone.now() - timedelta(hours=6)).replace(second=0, microsecond=0)
    run = make_run(started_at=started)
    stopped = started + timedelta(hours=1)

    response = operator_client.post(url(run), _form(run, failed_at=f"{timezone.localtime(stopped):%Y-%m-%dT%H:%M}"))

    assert response.status_code == 302
    run.refresh_from_db()
    assert run.completed_at == stopped
    assert not InventoryTransaction.objects.filter(reference_type="production_run").exists()   # 0 g from each spool


def test_the_parts_a_failed_assembly_used_leave_stock(operator_client, assembly_shop, print_parts, start_assembly,
                                                      tenant):
    shop = assembly_shop
    print_parts(shop.drawer, 4)
    print_parts(shop.frame, 2)
    run = start_assembly(shop.organiser_set, 1)
    html = page_html(operator_client.get(url(run)))
    assert f'name="part-{shop.drawer.pk}-quantity"' in html and "Parts used" in html

    response = operator_client.post(url(run), _form(run, parts={shop.drawer: "1", shop.frame: "0"}))

    assert response.status_code == 302
    assert StockBalance.objects.get(item_type=shop.drawer, location=shop.room).quantity == 3
    assert StockBalance.objects.get(item_type=shop.frame, location=shop.room).quantity == 2


# --- errors keep the input --------------------------------------------------------------------------

def test_blank_grams_are_asked_for_beside_the_spool_and_nothing_is_written(operator_client, make_run):
    run = make_run()
    pla = run.materials.order_by("pk").first()

    response = operator_client.post(url(run), _form(run, materials={0: {"actual_weight_g": ""}}, notes="Clogged"))
    html = page_html(response)

    assert response.status_code == 400
    result = html.split(f'id="material-{pla.pk}-result"')[1].split("</div>")[0]
    assert "Grams used is needed." in result
    assert "Clogged" in html and "The run is not marked failed yet" in html
    _nothing_written(run)


def test_a_weight_after_above_the_weight_before_stays_on_its_row(operator_client, make_run):
    run = make_run()
    petg = run.materials.order_by("pk")[1]

    response = operator_client.post(url(run), _form(run, materials={
        1: {"mode": "weigh", "weight_before_g": "900", "weight_after_g": "1000"}}))
    html = page_html(response)

    assert response.status_code == 400
    assert "Weight after is more than the weight before." in html.split(f'id="material-{petg.pk}-result"')[1]
    assert 'value="900"' in html and 'value="1000"' in html
    _nothing_written(run)


@pytest.mark.parametrize(("stopped", "message"), [
    (timedelta(hours=-3), "Stopped at is before the run started"),
    (timedelta(hours=2), "Stopped at is in the future."),
])
def test_a_stop_time_before_the_start_or_ahead_of_now_is_refused_beside_the_field(
        operator_client, make_run, stopped, message):
    run = make_run(started_at=timezone.now() - timedelta(hours=1))
    at = timezone.localtime(timezone.now() + stopped)

    response = operator_client.post(url(run), _form(run, materials={0: {"actual_weight_g": "10"}},
                                                    failed_at=f"{at:%Y-%m-%dT%H:%M}"))
    html = page_html(response)

    assert response.status_code == 400
    assert message in html.split('id="id_failed_at_error"')[1].split("</div>")[0]
    _nothing_written(run)


def test_a_spool_that_holds_too_little_is_refused_on_its_row(operator_client, make_run):
    run = make_run()

    response = operator_client.post(url(run), _form(run, materials={0: {"actual_weight_g": "1500"}}))

    assert response.status_code == 409
    _nothing_written(run)


# --- other states, roles, tenants ------------------------------------------------------------------------

def test_a_completed_run_is_failed_by_its_button_and_keeps_its_usage(operator_client, make_run, admin_user, farm):
    run = make_run(quantity=8)
    services.production_run_complete(run=run, by=admin_user, materials=[
        MaterialActual(material_id=m.pk, use_estimate=True) for m in run.materials.all()])

    get = operator_client.get(url(run))
    response = operator_client.post(url(run), {"notes": "Cracked in QA"})

    assert get.status_code == 302 and get["Location"] == f"/runs/{run.pk}/"      # the Fail… button is there
    assert not list(get.wsgi_request._messages)
    assert response.status_code == 302
    run.refresh_from_db()
    assert run.status == ProductionRun.Status.FAILED
    assert Spool.objects.get(pk=farm.pla_spool.pk).current_weight_g == D("760")


def test_a_cancelled_run_is_not_failed(operator_client, make_run, admin_user):
    run = make_run()
    services.production_run_cancel(run=run, by=admin_user)

    response = operator_client.post(url(run), _form(run), follow=True)

    assert response.redirect_chain == [(f"/runs/{run.pk}/", 302)]
    assert "only runs in progress or completed can be marked failed" in page_html(response)
    run.refresh_from_db()
    assert run.status == ProductionRun.Status.CANCELLED


def test_a_viewer_sees_no_fail_button_and_is_refused(viewer_client, make_run):
    run = make_run()

    detail = page_html(viewer_client.get(f"/runs/{run.pk}/"))

    assert f"/runs/{run.pk}/fail/" not in detail
    assert viewer_client.get(url(run)).status_code == 403
    assert viewer_client.post(url(run), _form(run, materials={0: {"actual_weight_g": "10"}})).status_code == 403
    _nothing_written(run)


def test_another_tenants_run_is_a_404(client_as, other_admin, make_run):
    run = make_run()
    other = client_as(other_admin)

    assert other.get(url(run)).status_code == 404
    assert other.post(url(run), _form(run, materials={0: {"actual_weight_g": "10"}})).status_code == 404
    _nothing_written(run)


# Pinned queries: the session's 3 + run with workstation and location, materials with spools, items with
# products (3) + the products' recipes and their inputs (2).
GET_QUERIES = 3 + 3 + 2


@pytest.mark.parametrize("method", ["get", "post"])
def test_the_query_counts_are_the_same_for_1_and_for_5_spools(operator_client, farm, tenant, admin_user, method):
    counts = []
    for n in (1, 5):
        run = stand_run_on_spools(farm, tenant, admin_user, n)
        data = _form(run, materials={index: {"actual_weight_g": "7"} for index in range(n)})
        with CaptureQueriesContext(connection) as queries:
            response = operator_client.get(url(run)) if method == "get" else operator_client.post(url(run), data)
        assert response.status_code == (200 if method == "get" else 302)
        counts.append(len(queries))
    assert counts[0] == counts[1], [q["sql"][:120] for q in queries.captured_queries]
    if method == "get":
        assert counts[0] == GET_QUERIES
