"""The edit page of an in-progress run (fields, items, materials; HTMX sections and plain POST)
and the run actions (fail, cancel/void, delete, reprint) with their buttons on the detail page and
the list: status codes, errors that keep the input, refusals, roles, tenants, query counts."""
from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from inventory.models import Spool, StockBalance
from runs import services
from runs.models import ProductionRun
from runs.services import ItemOutcome, MaterialActual
from tests.factories import ProductFactory, receive_spool
from tests.support.pages import HTMX, page_html
from tests.support.runs import DETAIL_PAGE_QUERIES, LIST_PAGE_QUERIES, stand_run_on_spools


def _complete(run, user, failed=0):
    """Complete a run of phone stands on its estimates, ``failed`` pieces of its item lost."""
    item = run.items.get()
    return services.production_run_complete(
        run=run, by=user, completed_at=run.started_at + timedelta(hours=4),
        materials=[MaterialActual(material_id=m.pk, use_estimate=True) for m in run.materials.all()],
        items=[ItemOutcome(item_id=item.pk, successful_quantity=item.quantity - failed, failed_quantity=failed,
                           waste_reason="warped" if failed else "")])


def _fields(run, **changes) -> dict[str, str]:
    """The edit form as the page fills it in for ``run`` (started at in UTC), with ``changes``."""
    data = {"started_at": run.started_at.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M"),
            "workstation": str(run.workstation_id or ""), "printer_name": run.printer_name,
            "location": str(run.location_id or ""), "slicer": run.slicer, "estimated_duration_s": "4h",
            "nozzle_temp_c": "", "bed_temp_c": "", "notes": run.notes}
    return {**data, **changes}


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]] if response.context else []


# --- the edit page ----------------------------------------------------------------------------------

def test_the_edit_page_shows_the_run_its_items_and_materials(operator_client, make_run, farm):
    run = make_run(quantity=8)
    item = run.items.get()

    response = operator_client.get(f"/runs/{run.pk}/edit/")
    html = page_html(response)

    assert response.status_code == 200
    assert f"Edit {run.run_number}" in html and 'id="run-fields"' in html
    assert 'value="4h"' in html                                   # 2 plates × 2 h, typed as people say it
    assert f'name="item-{item.pk}-quantity" value="8"' in html and 'form="run-edit"' in html
    assert '<form id="run-edit"' in html and html.count(">Save<") == 0          # one Save for the page, none per row
    assert html.count('type="submit" form="run-edit"') == 1
    assert 'id="edit-materials"' in html and "Galaxy Black PLA" in html and "Jet Black PETG" in html
    assert f'hx-post="/runs/{run.pk}/edit/items/{item.pk}/remove/"' in html and 'hx-target="#items"' in html
    assert "No other active spool." in html                        # both spools are in the run already
    assert "Phone stand" in html and f'href="/runs/{run.pk}/complete/"' in html


def test_the_edit_page_offers_active_spools_not_in_the_run_with_their_colour_and_grams(operator_client, make_run, farm,
                                                                                       tenant, admin_user):
    run = make_run()
    spare = receive_spool(tenant=tenant, by=admin_user, material=farm.pla, location=farm.room, grams="750")
    archived = receive_spool(tenant=tenant, by=admin_user, material=farm.pla, location=farm.room)
    Spool.objects.filter(pk=archived.pk).update(status=Spool.Status.ARCHIVED)

    html = page_html(operator_client.get(f"/runs/{run.pk}/edit/"))

    assert f'name="material-add-spool" value="{spare.pk}"' in html and "750 g" in html
    assert f'name="material-add-spool" value="{archived.pk}"' not in html
    assert f'name="material-add-spool" value="{farm.pla_spool.pk}"' not in html
    assert 'data-swatch="#3D3E3D"' in html


# Queries of the edit page, pinned: session, user, memberships (3) + run, items, materials, parts,
# reprints (5) + printer, location, product and spool choices (4).
EDIT_QUERIES = 3 + 5 + 4


def _run_with(farm, tenant, admin_user, n):
    """A run of ``n`` spools (``stand_run_on_spools``) and ``n`` products."""
    run = stand_run_on_spools(farm, tenant, admin_user, n)
    for _ in range(n - 1):
        services.production_run_item_add(run=run, item=services.ItemSpec(product=ProductFactory(tenant=tenant),
                                                                          quantity=4))
    return run


def test_the_edit_page_runs_the_same_queries_for_1_and_for_5_items_and_materials(operator_client, farm, tenant,
                                                                                 admin_user):
    one = _run_with(farm, tenant, admin_user, 1)
    five = _run_with(farm, tenant, admin_user, 5)

    with CaptureQueriesContext(connection) as small:
        assert operator_client.get(f"/runs/{one.pk}/edit/").status_code == 200
    with CaptureQueriesContext(connection) as large:
        response = operator_client.get(f"/runs/{five.pk}/edit/")
    assert len(response.context["items"]) == 5 and len(response.context["materials"]) == 5

    assert len(small) == len(large) == EDIT_QUERIES, [q["sql"] for q in large.captured_queries]


def test_saving_the_fields_reads_the_start_in_the_tenants_time_zone(operator_client, make_run, tenant):
    tenant.time_zone = "Europe/Amsterdam"
    tenant.save(update_fields=["time_zone"])
    run = make_run()
    page = page_html(operator_client.get(f"/runs/{run.pk}/edit/"))
    shown = run.started_at.astimezone(ZoneInfo("Europe/Amsterdam")).strftime("%Y-%m-%dT%H:%M")
    assert f'value="{shown}"' in page                                  # shown in the tenant's time

    response = operator_client.post(f"/runs/{run.pk}/edit/", _fields(
        run, started_at="2025-03-01T09:15", workstation="", printer_name="Bambu X1C", slicer="OrcaSlicer 2.1",
        estimated_duration_s="1h 30m", nozzle_temp_c="215", bed_temp_c="60", notes="Brim on"), follow=True)

    assert response.redirect_chain[-1][0] == f"/runs/{run.pk}/"
    assert f"Run {run.run_number} saved." in _messages(response)
    run.refresh_from_db()
    assert run.started_at == datetime(2025, 3, 1, 9, 15, tzinfo=ZoneInfo("Europe/Amsterdam"))
    assert run.workstation is None and run.printer_name == "Bambu X1C" and run.slicer == "OrcaSlicer 2.1"
    assert run.estimated_duration_s == 5400 and (run.nozzle_temp_c, run.bed_temp_c) == (215, 60)
    assert run.notes == "Brim on"


def test_an_unchanged_start_keeps_its_seconds(operator_client, make_run):
    run = make_run()
    started = run.started_at

    operator_client.post(f"/runs/{run.pk}/edit/", _fields(run, slicer="PrusaSlicer"))

    run.refresh_from_db()
    assert run.started_at == started and run.slicer == "PrusaSlicer"


def test_bad_fields_keep_the_input_and_name_the_field(operator_client, make_run):
    run = make_run()

    response = operator_client.post(f"/runs/{run.pk}/edit/", _fields(
        run, estimated_duration_s="soon", nozzle_temp_c="-5", slicer="Cura"))
    html = page_html(response)

    assert response.status_code == 400
    assert 'value="soon"' in html and 'value="Cura"' in html and 'value="-5"' in html
    form = response.context["form"]
    assert "Enter a duration like" in form.errors["estimated_duration_s"][0]
    assert "nozzle_temp_c" in form.errors
    run.refresh_from_db()
    assert run.slicer == "" and run.estimated_duration_s == 14400


def test_an_ended_run_is_not_edited(operator_client, make_run, admin_user):
    run = _complete(make_run(), admin_user)
    item = run.items.get()

    response = operator_client.get(f"/runs/{run.pk}/edit/", follow=True)
    assert response.redirect_chain == [(f"/runs/{run.pk}/", 302)]
    assert f"Run {run.run_number} is completed: only in-progress runs can be edited." in _messages(response)

    response = operator_client.post(f"/runs/{run.pk}/edit/items/{item.pk}/", {f"item-{item.pk}-quantity": "2"})
    assert response.status_code == 302 and response["Location"] == f"/runs/{run.pk}/"
    response = operator_client.post(f"/runs/{run.pk}/edit/items/{item.pk}/", {f"item-{item.pk}-quantity": "2"},
                             headers=HTMX)
    assert response.status_code == 200 and response["HX-Redirect"] == f"/runs/{run.pk}/"
    item.refresh_from_db()
    assert item.quantity == 8


# --- one Save for the whole page ----------------------------------------------------------------------

def _page(run, items: dict | None = None, materials: dict | None = None, **fields) -> dict[str, str]:
    """The whole edit page as its Save posts it: the run's fields, every item and material row as shown,
    with ``items`` / ``materials`` changes by row index."""
    data = _fields(run, **fields)
    for index, item in enumerate(run.items.order_by("pk")):
        row = {"quantity": item.quantity, "bed_position": item.bed_position, "estimated_cost": item.estimated_cost,
               **(items or {}).get(index, {})}
        data.update({f"item-{item.pk}-{name}": str(value) for name, value in row.items()})
    for index, material in enumerate(run.materials.order_by("pk")):
        row = {"estimated_weight_g": material.estimated_weight_g, "estimated_purge_g": material.estimated_purge_g,
               **(materials or {}).get(index, {})}
        data.update({f"material-{material.pk}-{name}": str(value) for name, value in row.items()})
    return data


def test_one_save_keeps_the_notes_the_quantity_and_rescales_the_recipes_grams(operator_client, make_run):
    run = make_run(quantity=8)                                # 2 plates: 240 g PLA, 40 g PETG, cost for 8

    response = operator_client.post(f"/runs/{run.pk}/edit/", _page(run, items={0: {"quantity": 12}}, notes="Rush"))

    assert response.status_code == 302 and response["Location"] == f"/runs/{run.pk}/"
    run.refresh_from_db()
    item = run.items.get()
    assert run.notes == "Rush" and item.quantity == 12
    assert [m.estimated_weight_g for m in run.materials.order_by("pk")] == [D("360.00"), D("60.00")]   # 3 plates
    assert run.estimated_weight_g == D("420.00")


def test_grams_typed_in_the_same_save_or_edited_before_are_kept(operator_client, make_run):
    run = make_run(quantity=8)
    petg = run.materials.order_by("pk")[1]
    services.production_run_material_update(material=petg, data={"estimated_weight_g": D("55")})   # by hand before

    operator_client.post(f"/runs/{run.pk}/edit/", _page(run, items={0: {"quantity": 4}},
                                                        materials={0: {"estimated_weight_g": "130"}}))

    assert [m.estimated_weight_g for m in run.materials.order_by("pk")] == [D("130.00"), D("55.00")]
    assert run.items.get().quantity == 4


def test_a_bad_row_saves_nothing_and_keeps_everything_typed(operator_client, make_run):
    run = make_run(quantity=8)
    item = run.items.get()

    response = operator_client.post(f"/runs/{run.pk}/edit/", _page(
        run, items={0: {"quantity": 12, "estimated_cost": "-1"}}, materials={1: {"estimated_purge_g": "3"}},
        notes="Rush"))
    html = page_html(response)

    assert response.status_code == 400
    assert "Nothing was saved" in html and 'value="12"' in html and "Rush" in html and 'value="3"' in html
    assert "must be 0 or more." in html.split(f'id="item-row-{item.pk}"')[1].split("</tr>")[0]
    run.refresh_from_db()
    assert run.notes == "" and run.items.get().quantity == 8
    assert run.materials.order_by("pk")[1].estimated_purge_g == 0


def test_a_viewer_cannot_save_the_page(viewer_client, make_run):
    run = make_run(quantity=8)

    assert viewer_client.post(f"/runs/{run.pk}/edit/", _page(run, items={0: {"quantity": 12}})).status_code == 403
    assert run.items.get().quantity == 8


# --- items ------------------------------------------------------------------------------------------

def _item_data(item, **changes) -> dict[str, str]:
    data = {"quantity": str(item.quantity), "bed_position": item.bed_position,
            "estimated_cost": str(item.estimated_cost)}
    return {f"item-{item.pk}-{name}": value for name, value in {**data, **changes}.items()}


def test_an_item_change_over_htmx_swaps_the_items_section(operator_client, make_run):
    run = make_run(quantity=8)
    item = run.items.get()
    assert item.estimated_cost == D("7.20")

    response = operator_client.post(f"/runs/{run.pk}/edit/items/{item.pk}/",
                             _item_data(item, quantity="4", bed_position="A1"), headers=HTMX)
    html = page_html(response)

    assert response.status_code == 200
    assert html.lstrip().startswith('<section class="card mb-3 run-edit-section" id="items"')
    assert "Item saved." in html and "<html" not in html
    item.refresh_from_db()
    assert (item.quantity, item.bed_position, item.estimated_cost) == (4, "A1", D("3.60"))   # cost per piece kept


def test_an_item_change_without_htmx_redirects_to_the_edit_page(operator_client, make_run):
    run = make_run(quantity=8)
    item = run.items.get()

    response = operator_client.post(f"/runs/{run.pk}/edit/items/{item.pk}/", _item_data(item, estimated_cost="9.50"),
                             follow=True)

    assert response.redirect_chain == [(f"/runs/{run.pk}/edit/#items", 302)]
    assert "Item saved." in _messages(response)
    item.refresh_from_db()
    assert item.estimated_cost == D("9.50") and item.quantity == 8


@pytest.mark.parametrize("headers", [{}, HTMX])
def test_a_quantity_of_0_keeps_the_input_and_names_the_field(operator_client, make_run, headers):
    run = make_run(quantity=8)
    item = run.items.get()

    response = operator_client.post(f"/runs/{run.pk}/edit/items/{item.pk}/",
                                    _item_data(item, quantity="0", bed_position="B2"), headers=headers)
    html = page_html(response)

    assert response.status_code == 400
    assert f'name="item-{item.pk}-quantity" value="0"' in html and 'value="B2"' in html
    assert "greater than or equal to 1" in html
    item.refresh_from_db()
    assert item.quantity == 8 and item.bed_position == ""


def test_a_negative_cost_is_refused_by_the_service_beside_the_field(operator_client, make_run, farm):
    run = make_run()

    response = operator_client.post(f"/runs/{run.pk}/edit/items/", {
        "item-add-product": farm.stand.pk, "item-add-quantity": "2", "item-add-estimated_cost": "-1"},
        headers=HTMX)

    assert response.status_code == 400
    assert response.context["item_add"].errors == {"estimated_cost": ["must be 0 or more."]}
    assert 'value="-1"' in page_html(response)
    assert run.items.count() == 1


def test_adding_a_product_takes_its_cost_from_the_recipe(operator_client, make_run, farm, tenant):
    run = make_run()

    response = operator_client.post(f"/runs/{run.pk}/edit/items/", {
        "item-add-product": farm.stand.pk, "item-add-quantity": "4", "item-add-bed_position": "back"},
        headers=HTMX)

    assert response.status_code == 200 and "Product added." in page_html(response)
    added = run.items.order_by("pk").last()
    assert (added.quantity, added.bed_position, added.estimated_cost) == (4, "back", D("3.60"))


def test_adding_a_product_keeps_the_quantities_typed_for_the_save(operator_client, make_run, farm):
    run = make_run(quantity=8)
    item = run.items.get()

    response = operator_client.post(f"/runs/{run.pk}/edit/items/", {   # the rows typed so far come along
        f"item-{item.pk}-quantity": "12", f"item-{item.pk}-bed_position": "", f"item-{item.pk}-estimated_cost": "7.20",
        "item-add-product": farm.stand.pk, "item-add-quantity": "4"}, headers=HTMX)
    html = page_html(response)

    assert response.status_code == 200 and "Product added." in html
    assert f'name="item-{item.pk}-quantity" value="12"' in html          # still typed, for the Save
    assert run.items.get(pk=item.pk).quantity == 8                       # not saved by adding


def test_removing_the_last_item_is_refused_with_the_services_message(operator_client, make_run):
    run = make_run()
    item = run.items.get()

    response = operator_client.post(f"/runs/{run.pk}/edit/items/{item.pk}/remove/", headers=HTMX)

    assert response.status_code == 400
    assert "Items: a run keeps at least one product." in page_html(response)
    assert run.items.count() == 1


def test_removing_an_item(operator_client, make_run, farm, tenant):
    run = make_run()
    extra = services.production_run_item_add(run=run, item=services.ItemSpec(
        product=ProductFactory(tenant=tenant, name="Cable clip"), quantity=2))

    response = operator_client.post(f"/runs/{run.pk}/edit/items/{extra.pk}/remove/", follow=True)

    assert response.redirect_chain == [(f"/runs/{run.pk}/edit/#items", 302)]
    assert "Product removed." in _messages(response) and f'id="item-row-{extra.pk}"' not in page_html(response)
    assert list(run.items.values_list("product__name", flat=True)) == ["Phone stand"]


def test_an_item_of_another_run_is_a_404(operator_client, make_run):
    run, other = make_run(), make_run()
    response = operator_client.post(f"/runs/{run.pk}/edit/items/{other.items.get().pk}/remove/")
    assert response.status_code == 404


# --- materials --------------------------------------------------------------------------------------

def test_a_negative_estimate_keeps_the_input_and_names_the_field(operator_client, make_run):
    run = make_run()
    pla = run.materials.order_by("pk").first()

    response = operator_client.post(f"/runs/{run.pk}/edit/materials/{pla.pk}/", {
        f"material-{pla.pk}-estimated_weight_g": "-10", f"material-{pla.pk}-estimated_purge_g": "3"}, headers=HTMX)
    html = page_html(response)

    assert response.status_code == 400
    assert html.lstrip().startswith('<section class="card mb-3 run-edit-section" id="materials"')
    assert 'value="-10"' in html and "greater than or equal to 0" in html
    pla.refresh_from_db()
    assert pla.estimated_weight_g == D("240.00")


def test_a_material_change_updates_the_run_totals(operator_client, make_run):
    run = make_run(quantity=8)
    pla = run.materials.order_by("pk").first()

    response = operator_client.post(f"/runs/{run.pk}/edit/materials/{pla.pk}/", {
        f"material-{pla.pk}-estimated_weight_g": "250", f"material-{pla.pk}-estimated_purge_g": "5"}, headers=HTMX)

    assert response.status_code == 200 and "Material saved." in page_html(response)
    assert "Estimated 290.0 g + 5.0 g purge" in page_html(response)       # 250 + 40 g PETG
    run.refresh_from_db()
    assert (run.estimated_weight_g, run.estimated_purge_g) == (D("290.00"), D("5.00"))


def test_adding_a_spool_takes_its_grams_from_the_recipes(operator_client, make_run, farm, tenant, admin_user):
    run = make_run(quantity=8)
    run.materials.filter(spool=farm.pla_spool).delete()
    spare = receive_spool(tenant=tenant, by=admin_user, material=farm.pla, location=farm.room)

    response = operator_client.post(f"/runs/{run.pk}/edit/materials/", {
        "material-add-spool": spare.pk, "material-add-estimated_purge_g": "4"}, follow=True)

    assert response.redirect_chain == [(f"/runs/{run.pk}/edit/#materials", 302)]
    added = run.materials.get(spool=spare)
    assert (added.estimated_weight_g, added.estimated_purge_g) == (D("240.00"), D("4.00"))   # 2 plates × 120 g


def test_adding_a_spool_needs_one_chosen(operator_client, make_run):
    run = make_run()

    response = operator_client.post(f"/runs/{run.pk}/edit/materials/", {"material-add-estimated_weight_g": "12"},
                             headers=HTMX)

    assert response.status_code == 400
    assert "Choose a spool." in page_html(response) and 'value="12"' in page_html(response)


def test_removing_a_spool(operator_client, make_run, farm):
    run = make_run()
    petg = run.materials.get(spool=farm.petg_spool)

    response = operator_client.post(f"/runs/{run.pk}/edit/materials/{petg.pk}/remove/", headers=HTMX)

    assert response.status_code == 200 and "Spool removed." in page_html(response)
    assert list(run.materials.values_list("spool_id", flat=True)) == [farm.pla_spool.pk]


# --- fail, cancel, delete, reprint ------------------------------------------------------------------

def test_failing_a_completed_run_keeps_the_usage_and_reverses_the_output(operator_client, make_run, admin_user, farm):
    run = _complete(make_run(quantity=8), admin_user)
    pla = Spool.objects.get(pk=farm.pla_spool.pk).current_weight_g
    stock = StockBalance.objects.get(item_type=farm.stand, location=farm.room)
    assert stock.quantity == 8

    response = operator_client.post(f"/runs/{run.pk}/fail/", follow=True)

    assert f"Run {run.run_number} marked failed: its 8 pieces left stock again; the filament it used stays used." \
        in _messages(response)
    stock.refresh_from_db()
    assert stock.quantity == 0
    assert Spool.objects.get(pk=farm.pla_spool.pk).current_weight_g == pla == D("760.00")


def test_voiding_a_completed_run_gives_the_spools_their_grams_back_exactly(operator_client, make_run, admin_user, farm):
    before = {spool.pk: spool.current_weight_g for spool in (farm.pla_spool, farm.petg_spool)}
    run = _complete(make_run(quantity=8, purge="5"), admin_user)
    assert Spool.objects.get(pk=farm.pla_spool.pk).current_weight_g == D("755.00")

    response = operator_client.post(f"/runs/{run.pk}/cancel/", {"next": "/runs/?status=completed"}, follow=True)

    assert response.redirect_chain == [("/runs/?status=completed", 302)]
    assert f"Run {run.run_number} voided: its ledger rows are reversed and its spools hold their grams again." \
        in _messages(response)
    assert {spool.pk: spool.current_weight_g for spool in Spool.objects.filter(pk__in=before)} == before
    assert StockBalance.objects.get(item_type=farm.stand, location=farm.room).quantity == 0
    run.refresh_from_db()
    assert run.status == ProductionRun.Status.CANCELLED


def test_cancelling_twice_shows_the_refusal(operator_client, make_run):
    run = make_run()
    services.production_run_cancel(run=run, by=run.created_by)

    response = operator_client.post(f"/runs/{run.pk}/cancel/", follow=True)

    assert response.redirect_chain == [(f"/runs/{run.pk}/", 302)]
    assert f"Run {run.run_number} is cancelled; cannot cancel." in _messages(response)


def test_deleting_from_its_own_page_goes_to_the_list(operator_client, make_run):
    run = make_run()

    response = operator_client.post(f"/runs/{run.pk}/delete/", {"next": f"/runs/{run.pk}/"}, follow=True)

    assert response.redirect_chain == [("/runs/", 302)]
    assert f"Run {run.run_number} deleted." in _messages(response)
    assert ProductionRun.objects.get(pk=run.pk).deleted_at is not None
    assert operator_client.get(f"/runs/{run.pk}/").status_code == 404


def test_deleting_from_the_list_comes_back_to_it(operator_client, make_run):
    run = make_run()
    response = operator_client.post(f"/runs/{run.pk}/delete/", {"next": "/runs/?ordering=run_number&page=1"})
    assert response.status_code == 302 and response["Location"] == "/runs/?ordering=run_number&page=1"


def test_deleting_a_completed_run_is_refused_with_the_services_message(operator_client, make_run, admin_user):
    run = _complete(make_run(), admin_user)

    response = operator_client.post(f"/runs/{run.pk}/delete/", {"next": f"/runs/{run.pk}/"}, follow=True)

    assert response.redirect_chain == [(f"/runs/{run.pk}/", 302)]
    assert (f"Run {run.run_number} is completed; cannot delete. Cancel it first to void its ledger rows."
            in _messages(response))
    assert ProductionRun.objects.get(pk=run.pk).deleted_at is None


def test_reprinting_the_failed_pieces_opens_the_new_run(operator_client, make_run, admin_user):
    run = _complete(make_run(quantity=8), admin_user, failed=3)

    response = operator_client.post(f"/runs/{run.pk}/reprint/", {"next": f"/runs/{run.pk}/"}, follow=True)

    reprint = ProductionRun.objects.get(original_run=run)
    assert response.redirect_chain == [(f"/runs/{reprint.pk}/", 302)]
    assert (f"Reprint {reprint.run_number} created for the 3 pieces that failed in {run.run_number}."
            in _messages(response))
    assert reprint.status == ProductionRun.Status.IN_PROGRESS and reprint.items.get().quantity == 3
    html = page_html(response)
    assert "Reprint of" in html and f'href="/runs/{run.pk}/"' in html


def test_reprinting_a_run_without_failures_is_refused(operator_client, make_run, admin_user):
    run = _complete(make_run(), admin_user)

    response = operator_client.post(f"/runs/{run.pk}/reprint/", follow=True)

    assert response.redirect_chain == [(f"/runs/{run.pk}/", 302)]
    assert "Only runs with failed pieces can be reprinted." in _messages(response)[0]
    assert not ProductionRun.objects.filter(original_run=run).exists()


def test_a_foreign_next_is_ignored(operator_client, make_run):
    run = make_run()
    response = operator_client.post(f"/runs/{run.pk}/cancel/", {"next": "https://evil.example/"})
    assert response["Location"] == f"/runs/{run.pk}/"


# --- buttons, roles, tenants ------------------------------------------------------------------------

def test_an_operator_sees_the_quick_actions_of_an_in_progress_run(operator_client, make_run):
    run = make_run()

    html = page_html(operator_client.get(f"/runs/{run.pk}/"))

    for action in ("complete/", "edit/", "fail/"):                # failing asks what the print used: a page
        assert f'href="/runs/{run.pk}/{action}"' in html
    for action in ("cancel/", "delete/"):
        assert f'action="/runs/{run.pk}/{action}"' in html
    assert "Cancel run" in html
    assert f'action="/runs/{run.pk}/reprint/"' not in html


def test_a_completed_run_with_failures_offers_reprint_fail_and_void(operator_client, make_run, admin_user):
    run = _complete(make_run(quantity=8), admin_user, failed=2)

    html = page_html(operator_client.get(f"/runs/{run.pk}/"))

    assert f'action="/runs/{run.pk}/reprint/"' in html and "Reprint 2 failed" in html
    assert ("Every ledger row of this run is reversed: its spools get their grams back and its 6 good pieces "
            "leave stock") in html
    assert "The filament it used stays used" in html
    assert f'href="/runs/{run.pk}/edit/"' not in html and f'href="/runs/{run.pk}/complete/"' not in html


def test_the_list_shows_the_actions_of_each_run_without_more_queries(operator_client, make_run, admin_user):
    running = make_run()
    done = _complete(make_run(), admin_user, failed=1)
    for _ in range(3):
        make_run()

    with CaptureQueriesContext(connection) as queries:
        html = page_html(operator_client.get("/runs/"))

    assert len(queries) == LIST_PAGE_QUERIES
    assert f'href="/runs/{running.pk}/edit/"' in html and f'href="/runs/{running.pk}/complete/"' in html
    assert f'href="/runs/{done.pk}/edit/"' not in html and f'action="/runs/{done.pk}/reprint/"' in html
    assert f'action="/runs/{running.pk}/delete/"' in html and 'name="next" value="/runs/"' in html


def test_the_detail_keeps_its_query_count_with_the_actions(operator_client, make_run, admin_user):
    run = _complete(make_run(), admin_user, failed=1)
    with CaptureQueriesContext(connection) as queries:
        assert operator_client.get(f"/runs/{run.pk}/").status_code == 200
    assert len(queries) == DETAIL_PAGE_QUERIES


def test_a_viewer_sees_no_action_buttons(viewer_client, make_run, admin_user):
    running = make_run()
    done = _complete(make_run(), admin_user, failed=1)

    for run in (running, done):
        html = page_html(viewer_client.get(f"/runs/{run.pk}/"))
        assert 'id="run-actions"' not in html and 'data-confirm="' not in html and "/edit/" not in html
    html = page_html(viewer_client.get("/runs/"))
    assert 'data-confirm="' not in html and "/edit/" not in html and "/complete/" not in html
    assert f'href="/runs/{running.pk}/"' in html                      # viewing stays


def _edit_urls(run) -> list[str]:
    item, material = run.items.get(), run.materials.first()
    return [f"/runs/{run.pk}/edit/", f"/runs/{run.pk}/edit/items/", f"/runs/{run.pk}/edit/items/{item.pk}/",
            f"/runs/{run.pk}/edit/items/{item.pk}/remove/", f"/runs/{run.pk}/edit/materials/",
            f"/runs/{run.pk}/edit/materials/{material.pk}/", f"/runs/{run.pk}/edit/materials/{material.pk}/remove/",
            f"/runs/{run.pk}/fail/", f"/runs/{run.pk}/cancel/", f"/runs/{run.pk}/delete/",
            f"/runs/{run.pk}/reprint/"]


def test_a_viewer_is_refused_every_post_and_the_edit_page(viewer_client, make_run):
    run = make_run()

    assert viewer_client.get(f"/runs/{run.pk}/edit/").status_code == 403
    for url in _edit_urls(run):
        assert viewer_client.post(url, {"notes": "x"}).status_code == 403, url
    run.refresh_from_db()
    assert run.status == ProductionRun.Status.IN_PROGRESS and run.deleted_at is None


def test_another_tenants_run_is_a_404_on_every_url(client_as, other_admin, make_run):
    run = make_run()
    other = client_as(other_admin)

    assert other.get(f"/runs/{run.pk}/edit/").status_code == 404
    for url in _edit_urls(run):
        assert other.post(url).status_code == 404, url
    run.refresh_from_db()
    assert run.status == ProductionRun.Status.IN_PROGRESS and run.deleted_at is None


def test_the_actions_are_post_only(operator_client, make_run):
    run = make_run()
    for url in _edit_urls(run)[1:]:
        if not url.endswith("/fail/"):                                # an in-progress run's fail is a page
            assert operator_client.get(url).status_code == 405, url
