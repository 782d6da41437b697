"""The create-run wizard (/runs/new/): four steps kept server-side, recipe estimates, Back and
Forward keep input, every error shown on review, nothing written until Create; roles, tenants
and query counts."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal as D
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from inventory.models import InventoryTransaction
from runs import services
from runs.models import ProductionRun
from tests.factories import ProductFactory, receive_spool
from tests.support.pages import HTMX, page_html


def basics(farm, **overrides):
    return {"started_at": "2026-11-21T09:30", "workstation": farm.printer.pk, "printer_name": "",
            "slicer": "PrusaSlicer 2.8", "estimated_duration_s": "", "nozzle_temp_c": "215", "bed_temp_c": "60",
            "notes": "", "action": "next", **overrides}


def items(*rows, action="next"):
    data = {"items-TOTAL_FORMS": str(len(rows)), "items-INITIAL_FORMS": "0", "action": action}
    for index, (product, quantity) in enumerate(rows):
        data.update({f"items-{index}-product": str(product.pk), f"items-{index}-quantity": str(quantity),
                     f"items-{index}-bed_position": ""})
    return data


def materials_from(response, action="next", **changes):
    """The materials step's form as the page rendered it (hidden and prefilled values), plus changes."""
    form = response.context["wizard"].materials
    data = {"materials-TOTAL_FORMS": str(len(form.forms)), "materials-INITIAL_FORMS": "0", "action": action}
    for sub in form.forms:
        for name in ("material", "estimate", "spool", "estimated_weight_g", "estimated_purge_g"):
            value = sub[name].value()
            data[f"{sub.prefix}-{name}"] = "" if value is None else str(value)
    data.update(changes)
    return data


def test_a_run_goes_through_the_four_steps_with_recipe_estimates(operator_client, farm, operator_user):
    first = operator_client.get("/runs/new/")
    assert first.status_code == 200
    assert "ACME-" in page_html(first) and 'aria-current="step"' in page_html(first)

    response = operator_client.post("/runs/new/", basics(farm))
    assert response.status_code == 302 and response["Location"] == "/runs/new/items/"
    assert operator_client.post("/runs/new/items/", items((farm.stand, 8)))["Location"] == "/runs/new/materials/"

    page = operator_client.get("/runs/new/materials/")
    rows = page.context["wizard"].material_rows()
    assert [(row["material"], row["spool"], row["form"]["estimated_weight_g"].value()) for row in rows] == [
        (farm.pla, farm.pla_spool, "240.00"), (farm.petg, farm.petg_spool, "40.00")]   # 8/4 plates
    assert operator_client.post("/runs/new/materials/", materials_from(page))["Location"] == "/runs/new/review/"

    review = operator_client.get("/runs/new/review/")
    assert review.status_code == 200 and not review.context["wizard"].errors
    assert ProductionRun.objects.count() == 0                                  # nothing written before Create

    created = operator_client.post("/runs/new/review/", {"action": "create"}, follow=True)

    run = ProductionRun.objects.get()
    assert created.redirect_chain == [(f"/runs/{run.pk}/", 302)]
    assert f"Production run {run.run_number} started" in page_html(created)
    assert (run.workstation, run.location, run.slicer, run.nozzle_temp_c, run.bed_temp_c) == (
        farm.printer, farm.room, "PrusaSlicer 2.8", 215, 60)
    assert run.estimated_duration_s == 4 * 3600 and run.created_by == operator_user     # 2 plates × 2 h
    assert run.items.get().estimated_cost == D("7.20")                         # 2 × (120 × .025 + 20 × .03)
    assert sorted(run.materials.values_list("spool_id", "estimated_weight_g")) == sorted(
        [(farm.pla_spool.pk, D("240.00")), (farm.petg_spool.pk, D("40.00"))])
    assert "run_wizard:new" not in operator_client.session                             # the draft is gone


def test_started_at_is_read_in_the_tenants_time_zone(operator_client, farm, tenant):
    tenant.time_zone = "Europe/Berlin"
    tenant.save()
    operator_client.post("/runs/new/", basics(farm, started_at="2026-11-21T00:30"))
    operator_client.post("/runs/new/items/", items((farm.stand, 4)))
    operator_client.post("/runs/new/materials/", materials_from(operator_client.get("/runs/new/materials/")))

    operator_client.post("/runs/new/review/", {"action": "create"})

    run = ProductionRun.objects.get()
    assert run.started_at == datetime(2026, 11, 20, 23, 30, tzinfo=ZoneInfo("UTC"))
    assert run.run_number.startswith("ACME-20261121-")                          # the shop's day, not UTC's


def test_back_and_forward_keep_what_was_typed_even_when_invalid(operator_client, farm):
    operator_client.post("/runs/new/", basics(farm, slicer="OrcaSlicer", estimated_duration_s="2h 30m"))
    bad = operator_client.post("/runs/new/items/", items((farm.stand, 0)))
    assert bad.status_code == 400
    assert "Ensure this value is greater than or equal to 1." in page_html(bad)

    back = operator_client.post("/runs/new/items/", items((farm.stand, 0), action="back"))
    assert back["Location"] == "/runs/new/"
    page = page_html(operator_client.get("/runs/new/"))
    assert 'value="OrcaSlicer"' in page and 'value="2h 30m"' in page
    assert 'value="0"' in page_html(operator_client.get("/runs/new/items/"))               # the invalid row is kept


def test_changed_grams_stick_and_untouched_grams_follow_the_items(operator_client, farm):
    operator_client.post("/runs/new/", basics(farm))
    operator_client.post("/runs/new/items/", items((farm.stand, 8)))
    page = operator_client.get("/runs/new/materials/")
    operator_client.post("/runs/new/materials/", materials_from(page, **{"materials-1-estimated_weight_g": "55"}))

    operator_client.post("/runs/new/items/", items((farm.stand, 4)))                # fewer pieces

    rows = operator_client.get("/runs/new/materials/").context["wizard"].material_rows()
    assert [row["form"]["estimated_weight_g"].value() for row in rows] == ["120.00", "55"]


def test_rows_are_added_and_removed_server_side(operator_client, farm, tenant):
    lid = ProductFactory(tenant=tenant, name="Lid")
    operator_client.post("/runs/new/", basics(farm))

    added = operator_client.post("/runs/new/items/", items((farm.stand, 2), action="add_item"))
    assert added["Location"] == "/runs/new/items/"
    assert len(operator_client.get("/runs/new/items/").context["wizard"].items.forms) == 2

    data = items((farm.stand, 2), (lid, 3), action="remove_item:0")
    operator_client.post("/runs/new/items/", data)
    kept = operator_client.get("/runs/new/items/").context["wizard"].items.forms
    assert [(form.cleaned_data["product"], form.cleaned_data["quantity"]) for form in kept] == [(lid, 3)]


def test_review_lists_every_error_and_create_writes_nothing(operator_client, farm, tenant):
    lid = ProductFactory(tenant=tenant, name="Lid")
    operator_client.post("/runs/new/items/", items((farm.stand, 4), (lid, 0), action="goto:review"))
    page = operator_client.get("/runs/new/materials/")
    spool = str(farm.pla_spool.pk)
    operator_client.post("/runs/new/materials/", materials_from(page, action="add_spool"))
    page = operator_client.get("/runs/new/materials/")                                 # an extra row, any spool
    operator_client.post("/runs/new/materials/", materials_from(page, **{"materials-2-spool": spool,
                                                                 "materials-1-estimated_purge_g": "-1",
                                                                 "action": "goto:review"}))

    review = operator_client.get("/runs/new/review/")
    html = page_html(review)
    errors = review.context["wizard"].errors

    assert set(errors) == {"basics", "items", "materials"}
    assert "Fill in the basics." in html
    assert "Row 2: Pieces: Ensure this value is greater than or equal to 1." in errors["items"]
    assert f"Spool #{spool} is chosen twice; a spool is listed once per run." in errors["materials"]
    assert "Row 2: Purge g: Ensure this value is greater than or equal to 0." in errors["materials"]
    assert 'value="create" disabled' in html
    response = operator_client.post("/runs/new/review/", {"action": "create"})
    assert response.status_code == 400 and ProductionRun.objects.count() == 0


def test_a_spool_archived_meanwhile_shows_on_review(operator_client, farm, admin_user):
    from inventory import services as inventory_services

    operator_client.post("/runs/new/", basics(farm))
    operator_client.post("/runs/new/items/", items((farm.stand, 4)))
    operator_client.post("/runs/new/materials/", materials_from(operator_client.get("/runs/new/materials/")))
    inventory_services.spool_archive(spool=farm.pla_spool, by=admin_user)                  # archived meanwhile

    response = operator_client.post("/runs/new/review/", {"action": "create"})

    assert response.status_code == 400
    assert f"Row 1: Spool: Spool #{farm.pla_spool.pk} is not an active spool of this material any more" in (
        page_html(response))
    assert ProductionRun.objects.count() == 0


def test_a_printer_from_the_list_or_a_free_text_printer_with_an_output_location(operator_client, farm):
    missing = operator_client.post("/runs/new/", basics(farm, workstation="", printer_name="Friend's Ender"))
    assert missing.status_code == 400
    assert "Choose where the output goes" in page_html(missing)
    assert 'value="Friend&#x27;s Ender"' in page_html(missing)

    ok = operator_client.post("/runs/new/", basics(farm, workstation="", printer_name="Friend's Ender",
                                            location=farm.room.pk))
    assert ok.status_code == 302


def test_the_estimates_refresh_as_a_partial_without_writing(operator_client, farm):
    operator_client.post("/runs/new/", basics(farm))

    response = operator_client.post("/runs/new/items/", items((farm.stand, 8), action="refresh"), headers=HTMX)

    html = page_html(response)
    assert response.status_code == 200 and html.lstrip().startswith('<div class="card" id="items-estimate">')
    assert "Galaxy Black PLA" in html and "240.0 g" in html and "7.20" in html
    assert ProductionRun.objects.count() == 0 and InventoryTransaction.objects.count() == 2   # the two receipts


def test_a_material_without_spools_says_so(operator_client, farm, tenant, admin_user):
    from inventory import services as inventory_services

    inventory_services.spool_archive(spool=farm.petg_spool, by=admin_user)
    operator_client.post("/runs/new/", basics(farm))
    operator_client.post("/runs/new/items/", items((farm.stand, 4)))

    html = page_html(operator_client.get("/runs/new/materials/"))

    assert "No active spool of this material." in html


def test_spools_at_the_printers_location_come_first(operator_client, farm, tenant, admin_user):
    from tests.factories import LocationFactory

    shelf = LocationFactory(tenant=tenant, name="Shelf")
    fuller = receive_spool(tenant=tenant, by=admin_user, material=farm.pla, location=shelf, grams="3000")
    operator_client.post("/runs/new/", basics(farm))
    operator_client.post("/runs/new/items/", items((farm.stand, 4)))

    pla = operator_client.get("/runs/new/materials/").context["wizard"].material_rows()[0]

    assert pla["spool"] == farm.pla_spool                                     # in the print room
    assert [spool.pk for spool in pla["form"].spools] == [farm.pla_spool.pk, fuller.pk]


def test_an_untouched_empty_row_is_not_a_product(operator_client, farm):
    operator_client.post("/runs/new/", basics(farm))
    operator_client.post("/runs/new/items/", items((farm.stand, 2), action="add_item"))     # a blank second row
    operator_client.post("/runs/new/materials/", materials_from(operator_client.get("/runs/new/materials/")))

    operator_client.post("/runs/new/review/", {"action": "create"})

    assert [item.quantity for item in ProductionRun.objects.get().items.all()] == [2]


def test_review_asks_for_a_product_when_every_row_is_blank(operator_client, farm):
    operator_client.post("/runs/new/", basics(farm))
    blank = {"items-TOTAL_FORMS": "1", "items-INITIAL_FORMS": "0", "items-0-product": "", "items-0-quantity": "1",
             "items-0-bed_position": "", "action": "next"}

    assert operator_client.post("/runs/new/items/", blank).status_code == 400
    assert operator_client.get("/runs/new/review/").context["wizard"].errors["items"] == ["Add at least one product."]


def test_a_viewer_is_refused_and_another_tenants_job_is_404(client_as, viewer_user, other_admin, farm):
    viewer = client_as(viewer_user)
    assert viewer.get("/runs/new/").status_code == 403
    assert viewer.post("/runs/new/", basics(farm)).status_code == 403
    assert "run_wizard:new" not in viewer.session
    assert client_as(other_admin).get("/runs/new/?job=999999").status_code == 404


@pytest.mark.parametrize("step, queries", [("", 13), ("items/", 10), ("materials/", 10), ("review/", 11)])
def test_each_step_runs_a_fixed_number_of_queries(operator_client, farm, tenant, admin_user, step, queries,
                                                  django_assert_num_queries):
    """Session, user, memberships; products, recipes, their inputs, materials; the printer of the
    basics; spools for the recipe materials and for extra rows; basics also lists printers and
    locations and, like review, reads the run-number counter. Same for 1 item row or 6."""
    def fill(n):
        products = [farm.stand, *(ProductFactory(tenant=tenant, name=f"P{i}") for i in range(n - 1))]
        operator_client.post("/runs/new/", basics(farm))
        operator_client.post("/runs/new/items/", items(*((product, 1) for product in products)))
        operator_client.post("/runs/new/materials/", materials_from(operator_client.get("/runs/new/materials/"),
                                                             action="add_spool"))

    for rows in (1, 6):
        fill(rows)
        with django_assert_num_queries(queries):
            assert operator_client.get(f"/runs/new/{step}").status_code == 200


# --- G-code (issue 7): upload on step 1, prefilled time, items and grams ----------------------------

GCODE = Path(__file__).resolve().parent.parent / "fixtures" / "gcode"


def gcode_upload(farm, name, **overrides):
    """Step 1 posted with a slicer file and its "Read file" button."""
    return {**basics(farm, action="gcode_upload", **overrides),
            "gcode": SimpleUploadedFile(name, (GCODE / name).read_bytes())}


def test_a_gcode_file_prefills_time_slicer_pieces_and_a_filament_row(operator_client, farm, tenant, admin_user):
    torus = ProductFactory(tenant=tenant, name="Torus")                      # no recipe
    response = operator_client.post("/runs/new/", gcode_upload(farm, "03_torus_x4_petg_0.20mm.gcode", slicer=""))
    assert response.status_code == 302 and response["Location"] == "/runs/new/"

    draft = operator_client.session["run_wizard:new"]
    assert draft["gcode"]["file_name"] == "03_torus_x4_petg_0.20mm.gcode"
    assert draft["gcode"]["estimate"]["print_time_s"] == 2492                  # the estimate, never the file
    page = operator_client.get("/runs/new/")
    assert 'value="41m 32s"' in page_html(page) and 'value="PrusaSlicer 2.5.0"' in page_html(page)
    assert "From G-code:" in page_html(page) and "42 min, 1 filament, 7.5 g" in page_html(page)
    items_page = operator_client.get("/runs/new/items/")
    assert [(row["form"]["product"].value(), row["form"]["quantity"].value())
            for row in items_page.context["wizard"].item_rows()] == [(str(torus.pk), "4")]   # torus.stl × 4
    rows = operator_client.get("/runs/new/materials/").context["wizard"].material_rows()
    assert [(row["material"], row["spool"], row["form"]["estimated_weight_g"].value()) for row in rows] == [
        (None, farm.petg_spool, "7.46")]                                    # the PETG filament's spool


def test_gcode_grams_replace_the_recipe_grams_of_that_material_only(operator_client, farm):
    operator_client.post("/runs/new/", gcode_upload(farm, "01_box_40mm_pla_0.20mm.gcode"))
    operator_client.post("/runs/new/items/", items((farm.stand, 8)))

    rows = operator_client.get("/runs/new/materials/").context["wizard"].material_rows()

    assert [(row["material"], row["spool"], row["form"]["estimated_weight_g"].value()) for row in rows] == [
        (farm.pla, farm.pla_spool, "24.97"), (farm.petg, farm.petg_spool, "40.00")]   # PETG: recipe
    assert 'value="PrusaSlicer 2.8"' in page_html(operator_client.get("/runs/new/"))    # a typed slicer stays


def test_the_user_can_still_change_the_prefilled_grams(operator_client, farm):
    operator_client.post("/runs/new/", gcode_upload(farm, "01_box_40mm_pla_0.20mm.gcode"))
    operator_client.post("/runs/new/items/", items((farm.stand, 8)))
    page = operator_client.get("/runs/new/materials/")
    operator_client.post("/runs/new/materials/", materials_from(page, **{"materials-0-estimated_weight_g": "30"}))

    rows = operator_client.get("/runs/new/materials/").context["wizard"].material_rows()

    assert [row["form"]["estimated_weight_g"].value() for row in rows] == ["30", "40.00"]


def test_a_bad_file_shows_its_error_on_step_1_and_stores_nothing(operator_client, farm):
    bad = {**basics(farm, action="gcode_upload"), "gcode": SimpleUploadedFile("notes.gcode", b"")}

    response = operator_client.post("/runs/new/", bad)

    assert response.status_code == 400
    assert 'id="gcode-error"' in page_html(response) and "The file is empty." in page_html(response)
    assert operator_client.session["run_wizard:new"]["gcode"] is None
    assert "From G-code:" not in page_html(operator_client.get("/runs/new/"))


def test_removing_the_file_forgets_it_and_what_it_filled_in(operator_client, farm, tenant):
    ProductFactory(tenant=tenant, name="Torus")
    operator_client.post("/runs/new/", gcode_upload(farm, "03_torus_x4_petg_0.20mm.gcode"))

    response = operator_client.post("/runs/new/", basics(farm, action="gcode_remove", estimated_duration_s="41m 32s"))

    assert response.status_code == 302
    page = page_html(operator_client.get("/runs/new/"))
    assert "From G-code:" not in page and 'value="41m 32s"' not in page
    assert operator_client.get("/runs/new/materials/").context["wizard"].material_rows() == []   # its filament row


def test_create_keeps_the_file_name_and_estimate_on_the_run(operator_client, farm):
    operator_client.post("/runs/new/", gcode_upload(farm, "01_box_40mm_pla_0.20mm.gcode"))   # basics saved too
    operator_client.post("/runs/new/items/", items((farm.stand, 4)))
    operator_client.post("/runs/new/materials/", materials_from(operator_client.get("/runs/new/materials/")))

    operator_client.post("/runs/new/review/", {"action": "create"})

    run = ProductionRun.objects.get()
    assert run.gcode_filename == "01_box_40mm_pla_0.20mm.gcode"
    assert run.gcode_estimate["print_time_s"] == 5360 and run.gcode_estimate["filaments"][0]["grams"] == 24.97
    assert run.estimated_duration_s == 5360                                   # 1h 29m 20s, prefilled in basics
    assert run.materials.get(spool=farm.pla_spool).estimated_weight_g == D("24.97")
    detail = page_html(operator_client.get(f"/runs/{run.pk}/"))
    assert 'id="run-gcode"' in detail and "01_box_40mm_pla_0.20mm.gcode" in detail and "24.97 g" in detail


@pytest.mark.parametrize("step, queries", [("", 14), ("items/", 11), ("materials/", 11), ("review/", 12)])
def test_with_a_gcode_file_each_step_adds_two_queries(operator_client, farm, step, queries, django_assert_num_queries):
    """The pinned counts above (13/10/10/11) include one query for an extra spool row; without it
    a step runs one less, and a G-code file adds the two of ``gcode_filament_matches`` (the
    filaments' materials, their spools) whatever the number of filaments."""
    operator_client.post("/runs/new/", gcode_upload(farm, "01_box_40mm_pla_0.20mm.gcode"))
    operator_client.post("/runs/new/items/", items((farm.stand, 4)))

    with django_assert_num_queries(queries):
        assert operator_client.get(f"/runs/new/{step}").status_code == 200


def test_the_recipe_estimate_splits_the_cost_into_filament_and_parts(tenant, assembly_shop):
    shop = assembly_shop
    # 3 drawers (1.5 plates × 40 g PLA at 0.025) and 2 bases (2 shells at 0.90 + 2 bags of shot at 1.10).
    estimate = services.recipe_estimate(tenant=tenant, items=[(shop.drawer, 3), (shop.base, 2)])

    assert (estimate.filament_cost, estimate.parts_cost) == (D("1.50"), D("4.00"))
    assert estimate.filament_cost + estimate.parts_cost == sum(estimate.item_costs)
