"""The production run API end to end: create, complete, fail, cancel, delete, reprint, edit, errors.

The farm (tests/fixtures/farm.py): phone stands, 4 per plate, 120 g PLA + 20 g PETG per plate;
both spools hold 1000 g; PLA costs 0.025/g, PETG 0.03/g.
"""
from __future__ import annotations

from decimal import Decimal

import pytest
from django.db.models import Sum

from inventory.models import InventoryTransaction, Spool, StockBalance
from runs.models import ProductionRun
from tests.factories import MaterialFactory, ProductFactory, receive_spool

RUNS = "/api/v1/production-runs"


def run_url(run, action=""):
    pk = run["id"] if isinstance(run, dict) else run.pk
    return f"{RUNS}/{pk}" + (f"/{action}" if action else "")


def ledger_sum(**filters):
    return InventoryTransaction.objects.filter(**filters).aggregate(total=Sum("quantity"))["total"] or Decimal("0")


def weight(spool):
    return Spool.objects.get(pk=spool.pk).current_weight_g


@pytest.fixture
def create_body(farm):
    """8 phone stands (2 plates) on the printer, 5 g PLA purge; grams from the recipe."""
    return {"workstation": farm.printer.pk, "slicer": "PrusaSlicer 2.8", "nozzle_temp_c": 215,
            "items": [{"product": farm.stand.pk, "quantity": 8, "bed_position": "A1"}],
            "materials": [{"spool": farm.pla_spool.pk, "estimated_purge_g": "5"}, {"spool": farm.petg_spool.pk}]}


@pytest.fixture
def started(api, create_body):
    """A run started over the API (its detail JSON)."""
    response = api.post(RUNS, create_body, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def complete_body(run, **extra):
    """Everything as estimated: every material ``use_estimate``, every item all good."""
    return {"materials": [{"material_id": m["id"], "use_estimate": True} for m in run["materials"]], **extra}


# --- the lifecycle -------------------------------------------------------------------------------

def test_create_takes_the_estimates_from_the_recipe(started, farm):
    run = started

    assert run["status"] == "in_progress" and run["run_number"].startswith("ACME-")
    assert run["location"]["id"] == farm.room.pk and run["printer_name"] == "MK4 #1"
    assert [m["estimated_weight_g"] for m in run["materials"]] == ["240.00", "40.00"]   # 2 plates
    assert run["estimated_total_g"] == "285.00" and run["estimated_duration_s"] == 14400
    assert run["items"][0]["estimated_cost"] == "7.20"                                  # 240 × 0.025 + 40 × 0.03
    assert run["materials"][0]["spool"]["material_name"] == "Galaxy Black PLA"
    assert run["materials"][0]["cost"] == "6.13"                                        # 245 g × 0.025


def test_complete_by_estimate_and_by_scale_writes_the_ledger_and_deducts_the_spools(api, started, farm):
    pla, petg = started["materials"]
    item = started["items"][0]

    response = api.post(run_url(started, "complete"), {
        "materials": [{"material_id": pla["id"], "use_estimate": True},
                      {"material_id": petg["id"], "weight_before_g": "1000.00", "weight_after_g": "955.00"}],
        "items": [{"item_id": item["id"], "successful_quantity": 7, "failed_quantity": 1, "waste_reason": "warped"}],
        "quality_rating": 4}, format="json")

    assert response.status_code == 200, response.json()
    run = response.json()
    assert run["status"] == "completed" and run["quality_rating"] == 4
    assert weight(farm.pla_spool) == Decimal("755.00")     # 240 g + 5 g purge
    assert weight(farm.petg_spool) == Decimal("955.00")    # 45 g off the scale
    usage = InventoryTransaction.objects.filter(reference_id=str(run["id"]), transaction_type="usage")
    assert sorted(usage.values_list("quantity", flat=True)) == [Decimal("-245"), Decimal("-45")]
    output = InventoryTransaction.objects.get(reference_id=str(run["id"]), transaction_type="production")
    assert output.quantity == 7 and output.location == farm.room
    assert StockBalance.objects.get(item_type=farm.stand, location=farm.room).quantity == 7
    assert ledger_sum(spool=farm.pla_spool) == weight(farm.pla_spool)
    assert run["actual_total_g"] == "290.00" and run["variance"]["total"]["pct"] == "1.8"
    assert run["materials"][1]["variance"]["weight"] == {
        "estimated": "40.00", "actual": "45.00", "difference": "5.00", "pct": "12.5", "band": "over"}
    assert run["materials"][1]["weight_before_g"] == "1000.00"
    assert run["items"][0]["success_rate_pct"] == "87.5"


def test_fail_in_progress_records_the_usage_and_no_output(api, started, farm):
    pla = started["materials"][0]

    response = api.post(run_url(started, "fail"), {
        "materials": [{"material_id": pla["id"], "actual_weight_g": "100", "actual_purge_g": "0"}],
        "notes": "Spaghetti at layer 40"}, format="json")

    assert response.status_code == 200, response.json()
    run = response.json()
    assert run["status"] == "failed" and run["items"][0]["failed_quantity"] == 8
    assert weight(farm.pla_spool) == Decimal("900.00") and weight(farm.petg_spool) == Decimal("1000.00")
    assert not InventoryTransaction.objects.filter(transaction_type="production").exists()
    assert "Spaghetti" in run["completion_notes"]


def test_cancel_of_a_completed_run_voids_it_and_restores_the_spools(api, started, farm):
    api.post(run_url(started, "complete"), complete_body(started), format="json")
    assert weight(farm.pla_spool) == Decimal("755.00")

    response = api.post(run_url(started, "cancel"), {"note": "Wrong spool logged"}, format="json")

    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "cancelled"
    assert weight(farm.pla_spool) == weight(farm.petg_spool) == Decimal("1000.00")
    assert ledger_sum(reference_type="production_run", reference_id=str(started["id"])) == 0
    assert StockBalance.objects.get(item_type=farm.stand, location=farm.room).quantity == 0


def test_delete_is_soft_and_answers_204(api, started):
    response = api.delete(run_url(started))

    assert response.status_code == 204
    assert api.get(run_url(started)).status_code == 404
    assert api.get(RUNS).json()["count"] == 0
    assert ProductionRun.objects.get(pk=started["id"]).deleted_at is not None


def test_delete_of_a_completed_run_is_409(api, started):
    api.post(run_url(started, "complete"), complete_body(started), format="json")

    response = api.delete(run_url(started))

    assert response.status_code == 409 and response.json()["code"] == "run_state"
    assert ProductionRun.objects.get(pk=started["id"]).deleted_at is None


def test_reprint_starts_a_linked_run_for_the_failed_pieces(api, started):
    item = started["items"][0]
    api.post(run_url(started, "complete"), complete_body(
        started, items=[{"item_id": item["id"], "successful_quantity": 6, "failed_quantity": 2,
                                     "waste_reason": "spaghetti"}]), format="json")

    response = api.post(run_url(started, "reprint"), format="json")

    assert response.status_code == 201, response.json()
    reprint = response.json()
    assert reprint["status"] == "in_progress" and reprint["original_run"]["id"] == started["id"]
    assert [(i["product"]["id"], i["quantity"]) for i in reprint["items"]] == [(item["product"]["id"], 2)]
    assert [m["estimated_weight_g"] for m in reprint["materials"]] == ["60.00", "10.00"]   # 2 of 8 pieces
    original = api.get(run_url(started)).json()
    assert original["reprints"] == [{"id": reprint["id"], "run_number": reprint["run_number"],
                                     "status": "in_progress"}]


def test_reprint_without_failed_pieces_is_409(api, started):
    api.post(run_url(started, "complete"), complete_body(started), format="json")

    response = api.post(run_url(started, "reprint"), format="json")

    assert response.status_code == 409 and response.json()["code"] == "run_state"
    assert ProductionRun.objects.count() == 1


# --- items, materials and fields while in progress -------------------------------------------------

def test_items_are_added_changed_and_removed(api, started, farm):
    added = api.post(run_url(started, "items"), {"product": farm.stand.pk, "quantity": 4}, format="json")
    assert added.status_code == 201, added.json()
    assert added.json()["estimated_cost"] == "3.60"                # one plate from the recipe
    item_url = run_url(started, f"items/{added.json()['id']}")

    changed = api.patch(item_url, {"quantity": 2, "bed_position": "B2"}, format="json")
    removed = api.delete(item_url)

    assert changed.status_code == 200 and changed.json()["quantity"] == 2 and changed.json()["bed_position"] == "B2"
    assert removed.status_code == 204
    assert [i["id"] for i in api.get(run_url(started)).json()["items"]] == [started["items"][0]["id"]]


def test_put_of_an_item_needs_its_quantity(api, started):
    response = api.put(run_url(started, f"items/{started['items'][0]['id']}"), {"bed_position": "C3"}, format="json")

    assert response.status_code == 400 and "quantity" in response.json()["extra"]["fields"]


def test_the_last_item_cannot_be_removed(api, started):
    response = api.delete(run_url(started, f"items/{started['items'][0]['id']}"))

    assert response.status_code == 400 and "items" in response.json()["extra"]["fields"]


def test_materials_are_added_changed_and_removed_and_the_totals_follow(api, started, tenant, admin_user, farm):
    extra = receive_spool(tenant=tenant, by=admin_user, location=farm.room, cost=Decimal("20.00"))

    added = api.post(run_url(started, "materials"), {"spool": extra.pk, "estimated_weight_g": "10"}, format="json")
    assert added.status_code == 201, added.json()
    material_url = run_url(started, f"materials/{added.json()['id']}")
    changed = api.patch(material_url, {"estimated_purge_g": "3"}, format="json")
    totals = api.get(run_url(started)).json()["estimated_total_g"]
    removed = api.delete(material_url)

    assert changed.status_code == 200 and changed.json()["estimated_total_g"] == "13.00"
    assert totals == "298.00"                                   # 285 + 10 + 3
    assert removed.status_code == 204
    assert api.get(run_url(started)).json()["estimated_total_g"] == "285.00"


def test_run_fields_are_edited_while_in_progress(api, started):
    response = api.patch(run_url(started), {"notes": "Brim on", "bed_temp_c": 60}, format="json")

    assert response.status_code == 200, response.json()
    assert response.json()["notes"] == "Brim on" and response.json()["bed_temp_c"] == 60
    assert response.json()["run_number"] == started["run_number"]


@pytest.mark.parametrize("method,path,body", [
    ("patch", "", {"notes": "late"}),
    ("post", "items", {"product": None, "quantity": 1}),
    ("patch", "items/{item}", {"quantity": 1}),
    ("delete", "items/{item}", None),
    ("post", "materials", {"spool": None}),
    ("patch", "materials/{material}", {"estimated_purge_g": "1"}),
    ("delete", "materials/{material}", None),
])
def test_editing_a_completed_run_is_409(api, started, farm, tenant, admin_user, method, path, body):
    api.post(run_url(started, "complete"), complete_body(started), format="json")
    if body and "product" in body:
        body["product"] = farm.stand.pk
    if body and "spool" in body:
        body["spool"] = receive_spool(tenant=tenant, by=admin_user).pk
    url = run_url(started, path.format(item=started["items"][0]["id"], material=started["materials"][0]["id"]))

    response = getattr(api, method)(url, body, format="json")

    assert response.status_code == 409, response.json()
    assert response.json()["code"] == "run_state"


# --- refusals ------------------------------------------------------------------------------------

def test_completing_twice_is_409_and_writes_once(api, started):
    first = api.post(run_url(started, "complete"), complete_body(started), format="json")
    rows = InventoryTransaction.objects.count()

    second = api.post(run_url(started, "complete"), complete_body(started), format="json")

    assert first.status_code == 200 and second.status_code == 409
    assert second.json()["code"] == "run_state"
    assert InventoryTransaction.objects.count() == rows


def test_a_spool_short_of_the_actual_is_409_with_the_shortfall(api, started, farm):
    pla, petg = started["materials"]
    rows = InventoryTransaction.objects.count()

    response = api.post(run_url(started, "complete"), {
        "materials": [{"material_id": pla["id"], "actual_weight_g": "1195", "actual_purge_g": "5"},
                      {"material_id": petg["id"], "use_estimate": True}]}, format="json")

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "spool_short" and Decimal(body["extra"]["shortfall_g"]) == Decimal("200")
    assert body["extra"]["spool_id"] == farm.pla_spool.pk
    assert InventoryTransaction.objects.count() == rows and weight(farm.pla_spool) == Decimal("1000.00")


def test_a_missing_actual_is_400_naming_the_materials(api, started):
    pla = started["materials"][0]

    response = api.post(run_url(started, "complete"), {"materials": [{"material_id": pla["id"], "use_estimate": True}]},
                        format="json")

    assert response.status_code == 400
    assert "materials" in response.json()["extra"]["fields"]
    assert response.json()["extra"]["material_ids"] == [started["materials"][1]["id"]]
    assert ProductionRun.objects.get(pk=started["id"]).status == "in_progress"


def test_more_pieces_than_planned_is_400(api, started):
    item = started["items"][0]

    response = api.post(run_url(started, "complete"), complete_body(
        started, items=[{"item_id": item["id"], "successful_quantity": 7, "failed_quantity": 2}]), format="json")

    assert response.status_code == 400
    assert "items[0].failed_quantity" in response.json()["extra"]["fields"]
    assert not InventoryTransaction.objects.filter(transaction_type="usage").exists()


def test_failed_pieces_without_a_waste_reason_are_400_naming_the_field(api, started):
    item = started["items"][0]

    response = api.post(run_url(started, "complete"), complete_body(
        started, items=[{"item_id": item["id"], "successful_quantity": 5, "failed_quantity": 3}]), format="json")

    assert response.status_code == 400
    assert response.json()["extra"]["fields"] == {"items[0].waste_reason": ["say why the pieces failed."]}
    assert ProductionRun.objects.get(pk=started["id"]).status == "in_progress"
    assert not InventoryTransaction.objects.filter(transaction_type="usage").exists()


def test_failed_pieces_with_a_waste_reason_complete_and_keep_it(api, started):
    item = started["items"][0]

    response = api.post(run_url(started, "complete"), complete_body(started, items=[
        {"item_id": item["id"], "successful_quantity": 5, "failed_quantity": 3, "waste_reason": "  spaghetti "}]),
        format="json")

    assert response.status_code == 200, response.json()
    assert response.json()["items"][0]["waste_reason"] == "spaghetti"


@pytest.mark.parametrize("change,field", [
    ({"quality_rating": 6}, "quality_rating"),
    ({"materials": [{"material_id": 1, "actual_weight_g": "-1"}]}, "materials[0].actual_weight_g"),
    ({"materials": [{"material_id": 1, "actual_weight_g": "12.345"}]}, "materials[0].actual_weight_g"),
    ({"materials": [{"material_id": 1, "weight_before_g": "abc"}]}, "materials[0].weight_before_g"),
    ({"materials": [{"actual_weight_g": "1"}]}, "materials[0].material_id"),
    ({"items": [{"item_id": 1, "successful_quantity": -1}]}, "items[0].successful_quantity"),
])
def test_bad_numbers_on_complete_are_400_naming_the_field(api, started, change, field):
    response = api.post(run_url(started, "complete"), complete_body(started, **change), format="json")

    assert response.status_code == 400
    assert field in response.json()["extra"]["fields"], response.json()
    assert response.json()["message"].startswith(field)
    assert not InventoryTransaction.objects.filter(transaction_type="usage").exists()


def test_another_tenants_spool_in_create_is_400(api, create_body, other_tenant, other_admin):
    foreign = receive_spool(tenant=other_tenant, by=other_admin)
    create_body["materials"][1]["spool"] = foreign.pk

    response = api.post(RUNS, create_body, format="json")

    assert response.status_code == 400
    assert "materials[1].spool" in response.json()["extra"]["fields"]
    assert ProductionRun.objects.count() == 0


@pytest.mark.parametrize("change,field", [
    ({"items": []}, "items"),
    ({"items": [{"product": "PLA", "quantity": 1}]}, "items[0].product"),   # a material is not a product
    ({"items": [{"quantity": 1}]}, "items[0].product"),
    ({"materials": [{"spool": "PLA", "estimated_weight_g": "-5"}]}, "materials[0].estimated_weight_g"),
    ({"nozzle_temp_c": 9000}, "nozzle_temp_c"),
])
def test_bad_create_input_is_400_and_writes_nothing(api, create_body, farm, change, field):
    for row in change.get("items", []) + change.get("materials", []):
        for key in ("product", "spool"):
            if row.get(key) == "PLA":
                row[key] = farm.pla.pk if key == "product" else farm.pla_spool.pk
    create_body.update(change)

    response = api.post(RUNS, create_body, format="json")

    assert response.status_code == 400
    assert field in response.json()["extra"]["fields"], response.json()
    assert ProductionRun.objects.count() == 0


def test_a_viewer_reads_but_cannot_start_runs(api_as, viewer_user, create_body, started):
    viewer = api_as(viewer_user)

    assert viewer.get(run_url(started)).status_code == 200
    assert viewer.post(RUNS, create_body, format="json").status_code == 403
    assert viewer.post(run_url(started, "complete"), complete_body(started), format="json").status_code == 403


def test_an_operator_runs_the_whole_lifecycle(api_as, operator_user, create_body):
    operator = api_as(operator_user)

    run = operator.post(RUNS, create_body, format="json").json()
    completed = operator.post(run_url(run, "complete"), complete_body(run), format="json")

    assert completed.status_code == 200 and completed.json()["created_by"] == "acme-operator"


# --- idempotency -----------------------------------------------------------------------------------

def test_create_with_the_same_idempotency_key_makes_one_run(api, create_body):
    first = api.post(RUNS, create_body, format="json", HTTP_IDEMPOTENCY_KEY="start-42")
    second = api.post(RUNS, create_body, format="json", HTTP_IDEMPOTENCY_KEY="start-42")

    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert ProductionRun.objects.count() == 1


def test_complete_with_the_same_idempotency_key_writes_one_set_of_ledger_rows(api, started, farm):
    body = complete_body(started)
    first = api.post(run_url(started, "complete"), body, format="json", HTTP_IDEMPOTENCY_KEY="done-42")
    second = api.post(run_url(started, "complete"), body, format="json", HTTP_IDEMPOTENCY_KEY="done-42")

    assert first.status_code == second.status_code == 200
    assert second.json() == first.json()
    rows = InventoryTransaction.objects.filter(reference_id=str(started["id"]))
    assert sorted(rows.values_list("transaction_type", flat=True)) == ["production", "usage", "usage"]
    assert weight(farm.pla_spool) == Decimal("755.00")


# --- list ------------------------------------------------------------------------------------------

def test_list_rows_show_products_totals_and_variance_band(api, started, farm):
    over = {"materials": [{"material_id": m["id"], "actual_weight_g": str(Decimal(m["estimated_weight_g"]) * 2)}
                          for m in started["materials"]]}
    api.post(run_url(started, "complete"), over, format="json")

    row = api.get(RUNS).json()["results"][0]

    assert row["products"] == [{"product_id": farm.stand.pk, "name": "Phone stand", "quantity": 8}]
    assert row["workstation"] == {"id": farm.printer.pk, "name": "MK4 #1"}
    assert row["estimated_total_g"] == "285.00" and row["actual_total_g"] == "565.00"   # 560 + 5 g purge
    assert row["variance_pct"] == "98.2" and row["variance_band"] == "over"
    assert row["original_run_id"] is None


def test_list_filters_by_status_and_product_and_sorts_by_variance(api, make_run, farm, tenant):
    from runs import services

    low, high, open_run = make_run(quantity=4), make_run(quantity=4), make_run(quantity=4)
    for run, grams in ((low, "100"), (high, "200")):
        materials = [services.MaterialActual(material_id=m.pk, actual_weight_g=Decimal(grams))
                     for m in run.materials.all()]
        services.production_run_complete(run=run, by=run.created_by, materials=materials)
    clip = ProductFactory(tenant=tenant, name="Cable clip")

    completed = api.get(RUNS, {"status": "completed", "ordering": "-variance"}).json()["results"]
    by_clip = api.get(RUNS, {"product": clip.pk}).json()["count"]
    by_stand = api.get(RUNS, {"product": farm.stand.pk}).json()["count"]

    assert [r["id"] for r in completed] == [high.pk, low.pk]
    assert (by_clip, by_stand) == (0, 3)
    assert api.get(RUNS, {"status": "nonsense"}).status_code == 400
    assert open_run.pk in [r["id"] for r in api.get(RUNS, {"status": "in_progress"}).json()["results"]]


def test_list_refuses_another_tenants_spool_as_a_filter(api, other_tenant, other_admin):
    foreign = receive_spool(tenant=other_tenant, by=other_admin, material=MaterialFactory(tenant=other_tenant))

    response = api.get(RUNS, {"spool": foreign.pk})

    assert response.status_code == 400 and "spool" in response.json()["extra"]["fields"]


def test_an_item_or_material_of_another_run_is_404(api, started, make_run):
    other = make_run()
    item, material = other.items.get(), other.materials.first()

    item_response = api.patch(run_url(started, f"items/{item.pk}"), {"quantity": 1}, format="json")
    material_response = api.delete(run_url(started, f"materials/{material.pk}"))

    assert item_response.status_code == material_response.status_code == 404
    assert other.materials.count() == 2 and other.items.get().quantity == 8
