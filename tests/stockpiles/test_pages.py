"""The stockpiles pages: markers (list, add/edit dialog, delete), deficits (and the buy list as
CSV), the automation page ("Run now", tick detail) — roles, tenant isolation, errors kept on the
form, HTMX partials and pinned query counts."""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from plans.models import ProductionPlanRun
from stockpiles.models import AutoProductionRun, StockpileMarker
from stockpiles.services import auto_production_run_now, auto_production_tick
from tests.factories import LocationFactory, ProductFactory
from tests.support.pages import HTMX, page_html

Trigger = AutoProductionRun.Trigger


def _csv(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


@dataclass(frozen=True)
class StockMarkers:
    stand: StockpileMarker      # 12 phone stands at the shop, with their plan (auto on, parallelism 2)
    organiser: StockpileMarker  # 3 organisers at the shop, with their plan but auto off
    pla: StockpileMarker        # 9,000 g of PLA at the shop, no plan: to buy


@pytest.fixture
def stock_markers(stock_shop, keep, put_stock) -> StockMarkers:
    """Phone stands kept at the shop with their plan (auto on), organisers with theirs but off,
    PLA to buy at the shop; 4 stands and 3,000 g of PLA on hand."""
    put_stock(stock_shop.stand, stock_shop.shop, "4")
    return StockMarkers(
        stand=keep(stock_shop.stand, stock_shop.shop, "12", plan=stock_shop.stand_plan, parallelism=2),
        organiser=keep(stock_shop.organiser, stock_shop.shop, "3", plan=stock_shop.organiser_plan, enabled=False),
        pla=keep(stock_shop.pla, stock_shop.shop, "9000"))


# --- every page for a viewer; writes only for managers ---------------------------------------------

def test_every_page_renders_for_a_viewer_without_write_buttons(client_as, viewer_user, stock_markers, tenant,
                                                               admin_user):
    tick = auto_production_run_now(tenant=tenant, by=admin_user)
    client = client_as(viewer_user)
    pages = {
        "/stockpiles/": "Phone stand",
        "/stockpiles/deficits/": "PLA Black",
        "/automation/": f"#{tick.pk}",
        f"/automation/{tick.pk}/": "Load markers",
    }

    for url, text in pages.items():
        response = client.get(url)
        html = page_html(response)
        assert response.status_code == 200, url
        assert text in html, url
        for write in ("Add marker", "Run now</button>", "/delete/", "/edit/", "/automation/run/"):
            assert write not in html, (url, write)


def test_a_manager_sees_the_write_buttons(manager_client, stock_markers):
    marker = stock_markers.stand

    markers, automation = page_html(manager_client.get("/stockpiles/")), page_html(manager_client.get("/automation/"))

    assert "Add marker" in markers and f"/stockpiles/{marker.pk}/edit/" in markers
    assert f"/stockpiles/{marker.pk}/delete/" in markers
    assert 'data-confirm="Delete the marker for Phone stand' in markers
    assert 'action="/automation/run/"' in automation and "data-confirm=" in automation


@pytest.mark.parametrize("role_fixture", ["viewer_user", "operator_user"])
@pytest.mark.parametrize("url, data", [
    ("/stockpiles/new/", {"item_type": "{stand}", "location": "{window}", "desired_quantity": "5"}),
    ("/stockpiles/{marker}/edit/", {"desired_quantity": "99"}),
    ("/stockpiles/{marker}/delete/", {}),
    ("/automation/run/", {}),
])
def test_writes_need_the_manager_role_and_change_nothing(request, client_as, stock_shop, stock_markers, role_fixture,
                                                         url, data):
    ids = {"stand": stock_shop.stand.pk, "window": stock_shop.window.pk, "marker": stock_markers.stand.pk}
    before = list(StockpileMarker.objects.order_by("pk").values_list("pk", "desired_quantity"))

    response = client_as(request.getfixturevalue(role_fixture)).post(
        url.format(**ids), {key: value.format(**ids) for key, value in data.items()})

    assert response.status_code == 403
    assert "This needs the" in page_html(response)
    assert list(StockpileMarker.objects.order_by("pk").values_list("pk", "desired_quantity")) == before
    assert not AutoProductionRun.objects.exists() and not ProductionPlanRun.objects.exists()


def test_the_dialog_is_for_managers_only(viewer_client, stock_shop, stock_markers):
    for url in ("/stockpiles/new/", f"/stockpiles/{stock_markers.stand.pk}/edit/",
                f"/stockpiles/plan-choices/?item_type={stock_shop.stand.pk}"):
        assert viewer_client.get(url, headers=HTMX).status_code == 403, url


# --- another tenant's ids are 404 --------------------------------------------------------------------

def test_another_tenants_marker_and_tick_are_404(client_as, other_admin, stock_markers, tenant, admin_user):
    tick = auto_production_run_now(tenant=tenant, by=admin_user)
    marker = stock_markers.stand
    client = client_as(other_admin)

    for url in (f"/stockpiles/{marker.pk}/edit/", f"/automation/{tick.pk}/"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Phone stand" not in page_html(response)
    assert client.post(f"/stockpiles/{marker.pk}/edit/", {"desired_quantity": "1"}).status_code == 404
    assert client.post(f"/stockpiles/{marker.pk}/delete/").status_code == 404
    for url in ("/stockpiles/", "/stockpiles/deficits/", "/automation/"):
        html = page_html(client.get(url))
        assert "Phone stand" not in html and "PLA Black" not in html and f'href="/automation/{tick.pk}/"' not in html
    assert "PLA Black" not in b"".join(client.get("/stockpiles/deficits/buy.csv").streaming_content).decode()
    marker.refresh_from_db()
    assert marker.desired_quantity == Decimal("12")


def test_another_tenants_ids_in_the_dialog_are_not_valid_choices(manager_client, stock_markers, other_tenant):
    foreign_place = LocationFactory(tenant=other_tenant, name="Elsewhere")
    foreign_item = ProductFactory(tenant=other_tenant, name="Their product")

    response = manager_client.post("/stockpiles/new/", {"item_type": foreign_item.pk, "location": foreign_place.pk,
                                                        "desired_quantity": "5"}, headers=HTMX)

    assert response.status_code == 400
    assert page_html(response).count("Select a valid choice.") == 2
    assert not StockpileMarker.objects.filter(item_type=foreign_item).exists()
    choices = manager_client.get(f"/stockpiles/plan-choices/?item_type={foreign_item.pk}", headers=HTMX)
    assert "Choose the item first" in page_html(choices)


# --- the list ------------------------------------------------------------------------------------------

def test_the_list_shows_on_hand_deficit_and_auto_production_status(manager_client, stock_shop, stock_markers, tenant,
                                                                   admin_user, keep):
    keep(stock_shop.clip, stock_shop.window, "0")
    html = page_html(manager_client.get("/stockpiles/"))
    rows = {marker.pk: html.split(f'id="marker-{marker.pk}"')[1].split("</tr>")[0]
            for marker in StockpileMarker.objects.all()}
    stand, organiser, pla = stock_markers.stand, stock_markers.organiser, stock_markers.pla

    assert re.search(r">\s*12 pcs<", rows[stand.pk]) and ">4 pcs<" in rows[stand.pk] and ">8 pcs<" in rows[stand.pk]
    assert ">On<" in rows[stand.pk] and "Phone stands" in rows[stand.pk]
    assert "parallelism 2 workstations" in rows[stand.pk]
    assert ">Off<" in rows[organiser.pk] and "plan Organisers" in rows[organiser.pk]
    assert ">9,000 g<" in rows[pla.pk] and ">5,000 g<" in rows[pla.pk] and 'class="swatch' in rows[pla.pk]
    assert 'aria-valuenow="33"' in rows[stand.pk]                     # 4 of 12 on hand

    auto_production_run_now(tenant=tenant, by=admin_user)             # 8 stands planned: pending covers it
    assert "Covered by pending" in page_html(manager_client.get("/stockpiles/"))


def test_a_marker_of_a_plan_that_just_ran_is_cooling_down(manager_client, stock_markers, tenant, admin_user, put_stock):
    auto_production_run_now(tenant=tenant, by=admin_user)             # 8 stands planned, 2 jobs
    ProductionPlanRun.objects.get().jobs.update(status="cancelled")   # …then cancelled: nothing pending

    assert "Cooling down" in page_html(manager_client.get("/stockpiles/"))


def test_filters_and_sort_live_in_the_query_string(manager_client, stock_shop, stock_markers, keep):
    keep(stock_shop.clip, stock_shop.window, "0")

    below = page_html(manager_client.get("/stockpiles/?below_target=true"))
    by_deficit = page_html(manager_client.get("/stockpiles/?ordering=-deficit"))
    auto_on = page_html(manager_client.get("/stockpiles/?auto_production_enabled=true&q=phone"))
    junk = manager_client.get("/stockpiles/?ordering=colour")

    assert "Clip" in page_html(manager_client.get("/stockpiles/")) and "Clip" not in below
    assert by_deficit.index("PLA Black") < by_deficit.index("Phone stand") < by_deficit.index("Clip")
    assert "Phone stand" in auto_on and "Organiser" not in auto_on and "PLA Black" not in auto_on
    assert junk.status_code == 200 and "These filters are not valid" in page_html(junk)


def test_htmx_gets_only_the_results(manager_client, stock_markers):
    response = manager_client.get("/stockpiles/?q=pla", headers=HTMX)

    html = page_html(response)
    assert html.lstrip().startswith('<div id="results">') and "<html" not in html
    assert "PLA Black" in html and "Phone stand" not in html


def test_an_empty_list_says_what_to_do(manager_client, viewer_client, tenant):
    assert "No stockpile markers yet." in page_html(manager_client.get("/stockpiles/"))
    assert 'href="/stockpiles/new/"' in page_html(manager_client.get("/stockpiles/"))
    assert "Nothing to produce" in page_html(viewer_client.get("/stockpiles/deficits/"))
    assert "No auto-production ticks yet." in page_html(viewer_client.get("/automation/"))


# --- the add / edit dialog ---------------------------------------------------------------------------

def test_the_dialog_refuses_auto_production_from_a_plan_that_delivers_elsewhere(manager_client, stock_shop):
    response = manager_client.post("/stockpiles/new/", {
        "item_type": stock_shop.stand.pk, "location": stock_shop.window.pk, "desired_quantity": "6",
        "plan": stock_shop.stand_plan.pk, "auto_production_parallelism": "0", "auto_production_enabled": "on"},
        headers=HTMX)
    html = page_html(response)

    assert response.status_code == 400
    assert "plan &#x27;Phone stands&#x27; delivers to Shop, but this marker keeps stock at Window" in html
    assert not StockpileMarker.objects.exists()


def test_adding_a_marker_through_the_dialog_goes_back_to_the_list_with_a_message(manager_client, stock_shop,
                                                                                 stock_markers, manager_user):
    dialog = manager_client.get("/stockpiles/new/",
                                headers={**HTMX, "HX-Current-URL": "http://testserver/stockpiles/?q=x"})
    assert dialog.status_code == 200 and "<html" not in page_html(dialog)
    assert 'name="next" value="/stockpiles/?q=x"' in page_html(dialog)

    response = manager_client.post("/stockpiles/new/", {
        "item_type": stock_shop.stand.pk, "location": stock_shop.window.pk, "desired_quantity": "6",
        "plan": stock_shop.window_stand_plan.pk, "auto_production_parallelism": "1", "auto_production_enabled": "on",
        "next": "/stockpiles/?q=x"}, headers=HTMX)

    assert response.status_code == 200 and response["HX-Redirect"] == "/stockpiles/?q=x"
    marker = StockpileMarker.objects.get(owner=manager_user)
    assert (marker.item_type, marker.location, marker.desired_quantity, marker.plan) == (
        stock_shop.stand, stock_shop.window, Decimal("6"), stock_shop.window_stand_plan)
    assert (marker.auto_production_parallelism, marker.auto_production_enabled) == (1, True)
    assert "Now keeping 6 pcs of Phone stand at Window." in page_html(manager_client.get("/stockpiles/"))


def test_the_dialogs_cancel_never_leaves_the_site(manager_client, stock_markers):
    for bad in ("javascript:alert(1)", "https://evil.example/"):
        html = page_html(manager_client.get("/stockpiles/new/", {"next": bad}))
        assert bad not in html and 'href="/stockpiles/">Cancel</a>' in html


def test_the_dialog_works_as_a_page_without_htmx(manager_client, stock_shop, stock_markers):
    page = manager_client.get("/stockpiles/new/")
    assert "<html" in page_html(page) and "Add marker" in page_html(page)

    response = manager_client.post("/stockpiles/new/", {
        "item_type": stock_shop.pla.pk, "location": stock_shop.window.pk, "desired_quantity": "500"})

    assert response.status_code == 302 and response["Location"] == "/stockpiles/"
    assert StockpileMarker.objects.filter(item_type=stock_shop.pla, location=stock_shop.window).exists()


def test_adding_your_existing_marker_again_replaces_its_settings(client_as, admin_user, stock_shop, stock_markers):
    response = client_as(admin_user).post("/stockpiles/new/", {
        "item_type": stock_shop.pla.pk, "location": stock_shop.shop.pk, "desired_quantity": "2000"}, follow=True)

    assert "settings were replaced" in page_html(response)
    assert StockpileMarker.objects.get(item_type=stock_shop.pla).desired_quantity == Decimal("2000")


def test_errors_come_back_in_the_dialog_beside_their_field_with_the_input_kept(manager_client, stock_shop,
                                                                               stock_markers):
    response = manager_client.post("/stockpiles/new/", {
        "item_type": stock_shop.stand.pk, "location": stock_shop.shop.pk, "desired_quantity": "-3",
        "auto_production_parallelism": "2"}, headers=HTMX)

    html = page_html(response)
    assert response.status_code == 400 and "<html" not in html
    assert 'id="marker-desired_quantity_error">Enter 0 or more.' in html
    assert 'value="-3"' in html and 'value="2"' in html
    assert f'<option value="{stock_shop.stand.pk}" selected>' in html
    assert f'<option value="{stock_shop.shop.pk}" selected>' in html
    assert "Phone stands" in html                                     # the plan choices of the chosen item
    assert not StockpileMarker.objects.exclude(owner=stock_markers.stand.owner).exists()


def test_service_refusals_show_on_the_field_they_name(manager_client, stock_shop, stock_markers):
    half = manager_client.post("/stockpiles/new/", {
        "item_type": stock_shop.stand.pk, "location": stock_shop.window.pk, "desired_quantity": "2.5"}, headers=HTMX)
    no_plan = manager_client.post("/stockpiles/new/", {
        "item_type": stock_shop.stand.pk, "location": stock_shop.window.pk, "desired_quantity": "2",
        "auto_production_enabled": "on"}, headers=HTMX)

    assert half.status_code == 400
    assert 'id="marker-desired_quantity_error">must be whole pieces of Phone stand.' in page_html(half)
    assert 'value="2.5"' in page_html(half)
    assert no_plan.status_code == 400
    assert 'id="marker-auto_production_enabled_error">needs a plan' in page_html(no_plan)
    switch = re.search(r'<input type="checkbox" name="auto_production_enabled"[^>]*>', page_html(no_plan)).group()
    assert " checked" in switch and 'aria-invalid="true"' in switch and 'role="switch"' in switch
    assert StockpileMarker.objects.filter(location=stock_shop.window).count() == 0


def test_changing_the_item_reloads_the_plans_that_make_it(manager_client, stock_shop, stock_markers):
    stand = page_html(manager_client.get(f"/stockpiles/plan-choices/?item_type={stock_shop.stand.pk}", headers=HTMX))
    pla = page_html(manager_client.get(f"/stockpiles/plan-choices/?item_type={stock_shop.pla.pk}", headers=HTMX))
    clip = page_html(manager_client.get(f"/stockpiles/plan-choices/?item_type={stock_shop.clip.pk}", headers=HTMX))

    assert stand.lstrip().startswith('<div id="plan-field">')
    assert "Phone stands" in stand and "Organisers" not in stand and "Plans that make Phone stand." in stand
    assert "disabled" in pla and "Materials are bought" in pla
    assert "disabled" in clip and "No plan makes Clip yet" in clip


def test_the_dialog_offers_products_and_stocked_materials_not_the_whole_catalog(manager_client, stock_markers, tenant):
    from tests.factories import MaterialFactory

    MaterialFactory(tenant=tenant, name="Catalog PETG never bought")

    html = page_html(manager_client.get("/stockpiles/new/", headers=HTMX))

    assert '<optgroup label="Products">' in html and '<optgroup label="Materials in stock">' in html
    assert "PLA Black" in html and "Catalog PETG never bought" not in html


def test_editing_a_marker_changes_its_settings(manager_client, stock_shop, stock_markers):
    marker = stock_markers.organiser
    dialog = page_html(manager_client.get(f"/stockpiles/{marker.pk}/edit/", headers=HTMX))
    assert 'value="3"' in dialog and f'<option value="{stock_shop.organiser_plan.pk}" selected>' in dialog
    assert 'name="item_type"' not in dialog and "Organiser" in dialog and "Shop" in dialog

    response = manager_client.post(f"/stockpiles/{marker.pk}/edit/", {
        "desired_quantity": "5", "plan": stock_shop.organiser_plan.pk, "auto_production_parallelism": "0",
        "auto_production_enabled": "on", "next": "/stockpiles/"}, headers=HTMX)

    assert response.status_code == 200 and response["HX-Redirect"] == "/stockpiles/"
    marker.refresh_from_db()
    assert (marker.desired_quantity, marker.auto_production_enabled) == (Decimal("5"), True)


def test_a_plan_that_makes_another_item_is_refused_and_nothing_changes(manager_client, stock_shop, stock_markers):
    marker = stock_markers.stand

    response = manager_client.post(f"/stockpiles/{marker.pk}/edit/", {
        "desired_quantity": "50", "plan": stock_shop.organiser_plan.pk, "auto_production_enabled": "on"}, headers=HTMX)
    html = page_html(response)

    assert response.status_code == 400
    assert 'id="marker-plan_error">Select a valid choice.' in html and 'value="50"' in html
    marker.refresh_from_db()
    assert (marker.desired_quantity, marker.plan) == (Decimal("12"), stock_shop.stand_plan)


def test_deleting_a_marker_keeps_the_list_filters(manager_client, stock_markers):
    marker = stock_markers.pla

    response = manager_client.post(f"/stockpiles/{marker.pk}/delete/", {"next": "/stockpiles/?q=pla"}, follow=True)

    assert response.redirect_chain == [("/stockpiles/?q=pla", 302)]
    assert "Marker for PLA Black at Shop deleted." in page_html(response)
    assert not StockpileMarker.objects.filter(pk=marker.pk).exists()


def test_delete_is_post_only(manager_client, stock_markers):
    assert manager_client.get(f"/stockpiles/{stock_markers.pla.pk}/delete/").status_code == 405


# --- deficits --------------------------------------------------------------------------------------

def test_deficits_split_into_to_produce_and_to_buy(viewer_client, stock_markers):
    html = page_html(viewer_client.get("/stockpiles/deficits/"))
    produce = html.split('id="to_produce"')[1].split("</section>")[0]
    buy = html.split('id="to_buy"')[1].split("</section>")[0]

    assert "Phone stand" in produce and "Phone stands" in produce and ">8 pcs<" in produce
    assert "PLA Black" not in produce and "Organiser" not in produce
    assert "PLA Black" in buy and ">4,000 g<" in buy and ">€100.00<" in buy   # 4,000 g at 0.025 a gram
    assert "Organiser" in buy and "Phone stand" not in buy                   # a plan, but auto-production off
    assert "Export CSV" in buy


def test_a_chosen_list_pages_on_its_own(viewer_client, stock_markers):
    html = page_html(viewer_client.get("/stockpiles/deficits/?kind=to_buy"))

    assert 'id="to_buy"' in html and 'id="to_produce"' not in html
    assert "2 rows" in html


def test_the_buy_list_exports_as_csv(viewer_client, stock_markers, tenant):
    response = viewer_client.get("/stockpiles/deficits/buy.csv")

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert re.match(r'attachment; filename="to-buy-ACME-\d{4}-\d{2}-\d{2}\.csv"', response["Content-Disposition"])
    rows = _csv(response)
    assert [(row["item"], row["location"], row["to_buy"], row["estimated_cost"]) for row in rows] == [
        ("Organiser", "Shop", "3", "7.5"), ("PLA Black", "Shop", "4000", "100")]
    assert rows[1]["unit"] == "g" and rows[1]["on_hand"] == "5000" and rows[1]["marker_id"] == str(
        stock_markers.pla.pk)


def test_the_csv_keeps_the_location_filter_and_quotes_what_it_must(viewer_client, stock_shop, stock_markers, keep,
                                                                   tenant):
    odd = ProductFactory(tenant=tenant, name='=HYPERLINK("x"), "quoted", 2')
    keep(odd, stock_shop.window, "1")

    rows = _csv(viewer_client.get(f"/stockpiles/deficits/buy.csv?location={stock_shop.window.pk}"))

    assert [row["item"] for row in rows] == ['\'=HYPERLINK("x"), "quoted", 2']   # text, not a formula
    assert viewer_client.get("/stockpiles/deficits/buy.csv?location=junk").status_code == 400


# --- automation --------------------------------------------------------------------------------------

def test_run_now_ticks_and_flashes_what_it_did(manager_client, stock_markers, tenant, manager_user):
    response = manager_client.post("/automation/run/", follow=True)

    tick = AutoProductionRun.objects.get()
    plan_run = ProductionPlanRun.objects.get()
    html = page_html(response)
    assert response.redirect_chain == [("/automation/", 302)]
    assert (tick.triggered_by, tick.requested_by, tick.status) == (Trigger.MANUAL, manager_user, "succeeded")
    assert f"Tick #{tick.pk} succeeded: 1 plan run created (#{plan_run.pk} 8 × Phone stands), 0 groups skipped" in html
    assert f'href="/plan-runs/{plan_run.pk}/"' in html and f'href="/automation/{tick.pk}/"' in html


def test_a_tick_shows_its_steps_and_decisions(viewer_client, stock_shop, stock_markers, tenant, admin_user, keep):
    keep(stock_shop.organiser, stock_shop.shop, "2", plan=stock_shop.organiser_plan, enabled=True)
    first = auto_production_run_now(tenant=tenant, by=admin_user)
    second = auto_production_run_now(tenant=tenant, by=admin_user)

    html = page_html(viewer_client.get(f"/automation/{second.pk}/"))

    assert first.output["plan_runs"] and not second.output["plan_runs"]
    for step in ("Load markers", "Compute deficits", "Subtract pending", "Generate"):
        assert step in html
    assert "markers below target</span> 2" in html and "gross deficit</span> 10" in html
    assert "Covered by pending output" in html and "Phone stands" in html and "Organisers" in html
    assert second.idempotency_key in html
    assert "2 skipped: covered by pending" in page_html(viewer_client.get("/automation/"))


def test_a_skipped_and_a_failed_tick_say_why(viewer_client, tenant):
    skipped = AutoProductionRun.objects.create(tenant=tenant, idempotency_key="a", triggered_by=Trigger.BEAT,
                                               status="skipped", output={"reason": "locked", "message": "Another "
                                               "auto-production tick of this tenant was still running."})
    failed = AutoProductionRun.objects.create(tenant=tenant, idempotency_key="b", triggered_by=Trigger.COMMAND,
                                              status="failed", error_code="internal_error",
                                              error_message="OperationalError: the database went away")

    html = page_html(viewer_client.get("/automation/"))

    assert "was still running" in html and "Skipped" in html
    assert "internal_error" in html
    assert "the database went away" in page_html(viewer_client.get(f"/automation/{failed.pk}/"))
    assert skipped.pk != failed.pk


def test_the_schedule_says_the_interval_and_when_the_next_beat_tick_is_due(viewer_client, stock_markers, settings):
    settings.AUTO_PRODUCTION_INTERVAL_SEC = 1800
    assert "No beat tick yet" in page_html(viewer_client.get("/automation/"))

    (tick,) = auto_production_tick(now=timezone.now())

    html = page_html(viewer_client.get("/automation/"))
    due = timezone.localtime(tick.created_at + timedelta(seconds=1800))
    assert "every <strong>30 min</strong>" in html
    assert f"due about <strong class=\"text-body\">{due:%H:%M}</strong>" in html


def test_the_tick_chart_compares_step_durations(viewer_client, stock_markers, tenant, admin_user):
    for _ in range(3):
        auto_production_run_now(tenant=tenant, by=admin_user)

    html = page_html(viewer_client.get("/automation/"))

    assert 'id="tick-chart"' in html and "chart.umd.min.js" in html
    assert "Tick duration by step, last 3 ticks" in html


def test_the_automation_filters(viewer_client, stock_markers, tenant, admin_user):
    auto_production_run_now(tenant=tenant, by=admin_user)
    auto_production_tick(triggered_by=Trigger.COMMAND, tenant=tenant)

    html = page_html(viewer_client.get("/automation/?triggered_by=command", headers=HTMX))

    assert "manage.py run_auto_production" in html and "Run now<div" not in html


def test_the_sidebar_links_stockpiles_and_automation(viewer_client, tenant):
    stockpiles = page_html(viewer_client.get("/stockpiles/"))
    deficits = page_html(viewer_client.get("/stockpiles/deficits/"))
    automation = page_html(viewer_client.get("/automation/"))

    assert 'class="nav-link active" href="/stockpiles/"' in stockpiles
    assert 'class="nav-link active" href="/stockpiles/"' in deficits
    assert 'class="nav-link active" href="/automation/"' in automation
    assert "coming soon" not in stockpiles.split('href="/stockpiles/"')[1].split("</a>")[0]


# --- pinned query counts -------------------------------------------------------------------------------

def _markers(tenant, stock_shop, n):
    """n markers at n new locations: half phone stands with a plan that delivers there (auto on),
    half PLA to buy."""
    from plans.services import production_plan_create
    from prodtrack.models import Membership
    from stockpiles.services import stockpile_marker_upsert

    owner = Membership.objects.filter(tenant=tenant).first().user
    start = StockpileMarker.objects.count()
    for i in range(start, start + n):
        place = LocationFactory(tenant=tenant, name=f"Shelf {i:03d}")
        with_plan = i % 2 == 0
        plan = production_plan_create(tenant=tenant, name=f"Stands for {place.name}", product=stock_shop.stand,
                                      root={"location": place}) if with_plan else None
        stockpile_marker_upsert(tenant=tenant, owner=owner, item_type=stock_shop.stand if with_plan else stock_shop.pla,
                                location=place, desired_quantity=Decimal(i + 1), plan=plan,
                                auto_production_enabled=with_plan)


def _deficits(tenant, stock_shop, n):
    """n markers below target in each list."""
    _markers(tenant, stock_shop, 2 * n)


def _ticks(tenant, stock_shop, n):
    if not StockpileMarker.objects.exists():
        _markers(tenant, stock_shop, 2)
    for _ in range(n):
        auto_production_tick(triggered_by=Trigger.COMMAND, tenant=tenant)


# Every page: session, user and memberships = 3 (the fixture's first request stored the tenant).
PAGE_QUERIES = [
    ("/stockpiles/", _markers, 3 + 3, "page"),             # location choices, count, rows
    ("/stockpiles/deficits/", _deficits, 3 + 5, None),     # location choices, count + rows per list
    ("/stockpiles/deficits/?kind=to_buy", _deficits, 3 + 3, "page"),
    ("/automation/", _ticks, 3 + 4, "page"),              # count, rows, last beat tick, chart ticks
]


@pytest.mark.parametrize("url, make_rows, expected, paged", PAGE_QUERIES, ids=[u for u, *_ in PAGE_QUERIES])
def test_pages_run_the_same_queries_for_1_and_for_30_rows(client_as, admin_user, tenant, stock_shop, url, make_rows,
                                                          expected, paged):
    client = client_as(admin_user)
    make_rows(tenant, stock_shop, 1)
    with CaptureQueriesContext(connection) as one_row:
        assert client.get(url).status_code == 200

    make_rows(tenant, stock_shop, 29)
    with CaptureQueriesContext(connection) as thirty_rows:
        response = client.get(url)
    assert response.status_code == 200
    if paged:
        assert len(response.context["page"].object_list) == 25
    assert len(one_row) == len(thirty_rows) == expected, [q["sql"] for q in thirty_rows.captured_queries]


def test_the_csv_is_one_query_however_long(client_as, admin_user, tenant, stock_shop):
    client = client_as(admin_user)
    _markers(tenant, stock_shop, 30)

    with CaptureQueriesContext(connection) as queries:
        rows = _csv(client.get("/stockpiles/deficits/buy.csv"))

    assert len(rows) == 15
    assert len(queries) == 3 + 1, [q["sql"] for q in queries.captured_queries]


def test_the_dialog_and_its_plan_field_cost_fixed_queries(client_as, admin_user, tenant, stock_shop):
    client = client_as(admin_user)
    _markers(tenant, stock_shop, 4)
    marker = StockpileMarker.objects.filter(plan__isnull=False).first()

    with CaptureQueriesContext(connection) as new:
        client.get("/stockpiles/new/", headers=HTMX)
    with CaptureQueriesContext(connection) as edit:
        client.get(f"/stockpiles/{marker.pk}/edit/", headers=HTMX)
    with CaptureQueriesContext(connection) as plans:
        client.get(f"/stockpiles/plan-choices/?item_type={stock_shop.stand.pk}", headers=HTMX)

    assert (len(new), len(edit), len(plans)) == (3 + 2, 3 + 2, 3 + 2)   # items + locations; marker + plans;
    #                                                                     item + plans
