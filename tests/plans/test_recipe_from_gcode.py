"""A recipe from a slicer file (issue 7, point 3): ``plans.services.recipe_from_gcode`` and
``POST /api/v1/recipes/from-gcode``. The real file is PrusaSlicer 2.5.0 output (torus.stl × 4,
7.46 g PETG, 41m 32s; tests/fixtures/gcode/SOURCE.md)."""
from __future__ import annotations

import dataclasses
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from plans.models import Recipe
from plans.services import recipe_from_gcode
from prodtrack.exceptions import ValidationError
from slicing import parse_gcode
from tests.factories import MaterialFactory, ProductFactory, make_recipe

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "gcode"
TORUS = "03_torus_x4_petg_0.20mm.gcode"
URL = "/api/v1/recipes/from-gcode"


def estimate(name: str = TORUS) -> dict:
    return dataclasses.asdict(parse_gcode(FIXTURES / name))


def two_filaments() -> dict:
    return {"filaments": [{"index": 0, "grams": 1.68, "material": "PLA"}, {"index": 1, "grams": 2.66,
                                                                           "material": "PETG"}],
            "objects": [{"name": "Phone stand", "copies": 2}, {"name": "Cable clip", "copies": None}],
            "print_time_s": 93784}


def upload(name: str = TORUS) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, (FIXTURES / name).read_bytes())


def test_torus_times_four_makes_four_per_run_with_the_files_time_and_grams(tenant):
    torus, petg = ProductFactory(tenant=tenant, name="Torus"), MaterialFactory(tenant=tenant, material="PETG")

    recipe = recipe_from_gcode(tenant=tenant, product=torus, estimate=estimate(), materials={0: petg})

    assert (recipe.name, recipe.output_quantity, recipe.duration_s) == ("Torus (G-code)", 4, 2492)
    assert [(line.item_type, line.quantity) for line in recipe.inputs.all()] == [(petg, Decimal("7.46"))]


def test_one_input_per_filament_in_grams_and_objects_without_a_count_are_one(tenant):
    product = ProductFactory(tenant=tenant)
    pla, petg = MaterialFactory(tenant=tenant), MaterialFactory(tenant=tenant, material="PETG")

    recipe = recipe_from_gcode(tenant=tenant, product=product, estimate=two_filaments(), materials={0: pla, 1: petg})

    assert recipe.output_quantity == 3 and recipe.duration_s == 93784          # 2 stands + 1 clip; 1d 2h 3m 4s
    assert sorted((line.item_type_id, line.quantity) for line in recipe.inputs.all()) == [
        (pla.pk, Decimal("1.68")), (petg.pk, Decimal("2.66"))]


def test_updating_keeps_the_recipe_id_and_name_and_replaces_the_inputs(tenant):
    torus, petg = ProductFactory(tenant=tenant, name="Torus"), MaterialFactory(tenant=tenant, material="PETG")
    old = make_recipe(tenant=tenant, product=torus, inputs=[(MaterialFactory(tenant=tenant), "99")],
                      output_quantity=1, duration_s=60)

    recipe = recipe_from_gcode(tenant=tenant, product=torus, estimate=estimate(), materials={0: petg}, recipe=old)

    assert recipe.pk == old.pk and Recipe.objects.count() == 1 and recipe.name == old.name
    assert (recipe.output_quantity, recipe.duration_s) == (4, 2492)
    assert [(line.item_type, line.quantity) for line in recipe.inputs.all()] == [(petg, Decimal("7.46"))]


@pytest.mark.parametrize("mapping, field", [({}, "materials.0"), ({5: "petg"}, "materials.5"),
                                            ({0: "product"}, "materials.0")])
def test_a_bad_mapping_names_the_field(tenant, mapping, field):
    torus = ProductFactory(tenant=tenant, name="Torus")
    things = {"petg": MaterialFactory(tenant=tenant, material="PETG"), "product": torus}

    with pytest.raises(ValidationError) as caught:
        recipe_from_gcode(tenant=tenant, product=torus, estimate=estimate(),
                          materials={index: things[key] for index, key in mapping.items()})

    assert list(caught.value.fields) == [field]


# --- the API -----------------------------------------------------------------------------------------

def test_api_creates_the_recipe_with_the_best_matching_material_by_default(api, tenant):
    torus = ProductFactory(tenant=tenant, name="Torus")
    MaterialFactory(tenant=tenant, name="Black PETG", material="PETG", color_hex="#000000")
    teal = MaterialFactory(tenant=tenant, name="Teal PETG", material="PETG", color_hex="#29B2B2")

    response = api.post(URL, {"file": upload(), "product_id": torus.pk}, format="multipart")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["output_quantity"], body["duration_s"]) == (4, 2492)
    recipe = Recipe.objects.get(pk=body["id"])
    assert [(line.item_type, line.quantity) for line in recipe.inputs.all()] == [(teal, Decimal("7.46"))]


def test_api_updates_a_recipe_with_the_chosen_material(api, tenant):
    torus = ProductFactory(tenant=tenant, name="Torus")
    chosen = MaterialFactory(tenant=tenant, name="Any PETG", material="PETG")
    old = make_recipe(tenant=tenant, product=torus, inputs=[(chosen, "1")])

    response = api.post(URL, {"file": upload(), "product_id": torus.pk, "recipe_id": old.pk,
                              "materials": json.dumps({"0": chosen.pk})}, format="multipart")

    assert response.status_code == 200 and response.json()["id"] == old.pk
    assert old.inputs.get().quantity == Decimal("7.46")


def test_api_names_the_filament_without_a_material(api, tenant):
    torus = ProductFactory(tenant=tenant, name="Torus")                       # no PETG in this tenant

    response = api.post(URL, {"file": upload(), "product_id": torus.pk}, format="multipart")

    assert response.status_code == 400 and list(response.json()["extra"]["fields"]) == ["materials.0"]
    assert not Recipe.objects.exists()


def test_api_another_tenants_product_or_material_is_refused(api, tenant, other_tenant):
    theirs = ProductFactory(tenant=other_tenant, name="Torus")
    their_petg = MaterialFactory(tenant=other_tenant, material="PETG")
    torus = ProductFactory(tenant=tenant, name="Torus")

    assert api.post(URL, {"file": upload(), "product_id": theirs.pk}, format="multipart").status_code == 404
    response = api.post(URL, {"file": upload(), "product_id": torus.pk,
                              "materials": json.dumps({"0": their_petg.pk})}, format="multipart")
    assert response.status_code == 400 and list(response.json()["extra"]["fields"]) == ["materials.0"]


def test_api_is_for_managers(api_as, operator_user, tenant):
    torus = ProductFactory(tenant=tenant, name="Torus")

    response = api_as(operator_user).post(URL, {"file": upload(), "product_id": torus.pk}, format="multipart")

    assert response.status_code == 403


def test_updating_from_a_file_keeps_the_parts_a_file_cannot_know(tenant):
    torus, petg = ProductFactory(tenant=tenant, name="Torus"), MaterialFactory(tenant=tenant, material="PETG")
    magnet = ProductFactory(tenant=tenant, name="Magnet", kind="component")
    old = make_recipe(tenant=tenant, product=torus, inputs=[(MaterialFactory(tenant=tenant), "99"), (magnet, "2")])

    recipe = recipe_from_gcode(tenant=tenant, product=torus, estimate=estimate(), materials={0: petg}, recipe=old)

    assert {(line.item_type, line.quantity) for line in recipe.inputs.all()} == {
        (magnet, Decimal("2")), (petg, Decimal("7.46"))}
