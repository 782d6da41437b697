"""The recipe API: a product's bill of materials per run, written by managers."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest

from inventory.models import ItemType
from plans.models import Recipe, RecipeInput
from tests.factories import MaterialFactory, ProductFactory, make_recipe

RECIPES = "/api/v1/recipes"


@dataclass(frozen=True)
class RecipeParts:
    stand: ItemType     # "Phone stand"
    pla: ItemType       # "Galaxy Black PLA"
    petg: ItemType      # "Jet Black PETG"


@pytest.fixture
def parts(tenant) -> RecipeParts:
    return RecipeParts(stand=ProductFactory(tenant=tenant, name="Phone stand"),
                       pla=MaterialFactory(tenant=tenant, name="Galaxy Black PLA"),
                       petg=MaterialFactory(tenant=tenant, name="Jet Black PETG", material="PETG"))


@pytest.fixture
def body(parts):
    return {"name": "Phone stand plate", "product": parts.stand.pk, "output_quantity": 4, "duration_s": 7200,
            "inputs": [{"item_type": parts.pla.pk, "quantity": "120"},
                       {"item_type": parts.petg.pk, "quantity": "20.5"}]}


def test_create_stores_the_recipe_with_its_inputs(api, body, parts):
    response = api.post(RECIPES, body, format="json")

    assert response.status_code == 201, response.json()
    recipe = response.json()
    assert recipe["product"] == {"id": parts.stand.pk, "name": "Phone stand", "sku": parts.stand.sku}
    assert [(i["item_type"]["name"], i["quantity"], i["unit"]) for i in recipe["inputs"]] == [
        ("Galaxy Black PLA", "120.000", "g"), ("Jet Black PETG", "20.500", "g")]
    assert recipe["output_quantity"] == 4 and recipe["is_active"] is True and recipe["activity"] == "printing"


def test_list_and_detail_show_the_recipes_of_the_tenant(api, tenant, parts):
    make_recipe(tenant=tenant, product=parts.stand, inputs=[(parts.pla, "120")], name="Stand plate")
    other = make_recipe(tenant=tenant, product=ProductFactory(tenant=tenant), inputs=[], name="Clip plate")

    listing = api.get(RECIPES, {"q": "stand"}).json()
    detail = api.get(f"{RECIPES}/{other.pk}").json()

    assert [r["name"] for r in listing["results"]] == ["Stand plate"] and listing["count"] == 1
    assert listing["results"][0]["inputs"][0]["quantity"] == "120.000"
    assert detail["name"] == "Clip plate" and detail["inputs"] == []


def test_put_replaces_the_inputs(api, tenant, parts):
    recipe = make_recipe(tenant=tenant, product=parts.stand, inputs=[(parts.pla, "120")])

    response = api.put(f"{RECIPES}/{recipe.pk}", {"name": "Stand v2", "product": parts.stand.pk,
                                                  "inputs": [{"item_type": parts.petg.pk, "quantity": "90"}]},
                       format="json")

    assert response.status_code == 200, response.json()
    assert response.json()["name"] == "Stand v2"
    assert [(i.item_type_id, i.quantity) for i in RecipeInput.objects.filter(recipe=recipe)] == [
        (parts.petg.pk, Decimal("90.000"))]


def test_patch_without_inputs_keeps_them(api, tenant, parts):
    recipe = make_recipe(tenant=tenant, product=parts.stand, inputs=[(parts.pla, "120")])

    response = api.patch(f"{RECIPES}/{recipe.pk}", {"duration_s": 5400, "is_active": False}, format="json")

    assert response.status_code == 200, response.json()
    assert response.json()["duration_s"] == 5400 and response.json()["is_active"] is False
    assert len(response.json()["inputs"]) == 1


def test_patch_still_needs_every_field_of_an_input_row(api, tenant, parts):
    recipe = make_recipe(tenant=tenant, product=parts.stand, inputs=[(parts.pla, "120")])

    response = api.patch(f"{RECIPES}/{recipe.pk}", {"inputs": [{"item_type": parts.petg.pk}]}, format="json")

    assert response.status_code == 400
    assert "inputs[0].quantity" in response.json()["extra"]["fields"]
    assert recipe.inputs.get().item_type == parts.pla


def test_delete_removes_the_recipe_and_its_inputs(api, tenant, parts):
    recipe = make_recipe(tenant=tenant, product=parts.stand, inputs=[(parts.pla, "120")])

    response = api.delete(f"{RECIPES}/{recipe.pk}")

    assert response.status_code == 204
    assert not Recipe.objects.filter(pk=recipe.pk).exists() and not RecipeInput.objects.exists()


@pytest.mark.parametrize("change,field", [
    ({"inputs": "twice"}, "inputs[1].item_type"),
    ({"inputs": [{"item_type": "PLA", "quantity": "0"}]}, "inputs[0].quantity"),
    ({"inputs": [{"item_type": "PLA", "quantity": "1.0001"}]}, "inputs[0].quantity"),
    ({"product": "PLA"}, "product"),
    ({"output_quantity": 0}, "output_quantity"),
    ({"name": ""}, "name"),
])
def test_bad_input_is_400_naming_the_field_and_writes_nothing(api, body, parts, change, field):
    if change.get("inputs") == "twice":
        change["inputs"] = [{"item_type": parts.pla.pk, "quantity": "1"}] * 2
    for row in change.get("inputs", []):
        row["item_type"] = parts.pla.pk
    if change.get("product") == "PLA":
        change["product"] = parts.pla.pk
    body.update(change)

    response = api.post(RECIPES, body, format="json")

    assert response.status_code == 400
    assert field in response.json()["extra"]["fields"], response.json()
    assert not Recipe.objects.exists()


def test_a_taken_name_is_400(api, body, tenant, parts):
    make_recipe(tenant=tenant, product=parts.stand, inputs=[], name=body["name"])

    response = api.post(RECIPES, body, format="json")

    assert response.status_code == 400 and "name" in response.json()["extra"]["fields"]


def test_another_tenants_item_as_an_input_is_400(api, body, other_tenant):
    body["inputs"][1]["item_type"] = MaterialFactory(tenant=other_tenant).pk

    response = api.post(RECIPES, body, format="json")

    assert response.status_code == 400 and "inputs[1].item_type" in response.json()["extra"]["fields"]
    assert not Recipe.objects.exists()


def test_operators_read_recipes_but_only_managers_write_them(api_as, operator_user, body, tenant, parts):
    operator = api_as(operator_user)
    recipe = make_recipe(tenant=tenant, product=parts.stand, inputs=[])

    assert operator.get(RECIPES).status_code == 200
    assert operator.post(RECIPES, body, format="json").status_code == 403
    assert operator.patch(f"{RECIPES}/{recipe.pk}", {"name": "x"}, format="json").status_code == 403
    assert operator.delete(f"{RECIPES}/{recipe.pk}").status_code == 403
