"""The recipe pages (issue 14, point 1): the list, the editor (filament and part rows, a two-level
recipe), a dropped G-code file, delete, the product page's "Recipe" tab, roles and tenants."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from plans.models import Recipe
from tests.factories import (
    ComponentFactory,
    LocationFactory,
    MaterialFactory,
    ProductFactory,
    make_recipe,
    receive_spool,
)
from tests.support.pages import HTMX, page_html

GCODE = Path(__file__).resolve().parent.parent / "fixtures" / "gcode" / "03_torus_x4_petg_0.20mm.gcode"


def _rows(group: str, *rows: tuple[object, str]) -> dict[str, object]:
    data: dict[str, object] = {f"{group}-count": len(rows)}
    for index, (item, quantity) in enumerate(rows):
        data[f"{group}-{index}-item_type"] = getattr(item, "pk", item)
        data[f"{group}-{index}-quantity"] = quantity
    return data


def _post(product, *, name="Organiser plate", output="1", time="10h", materials=(), parts=(), action="save"):
    return {"name": name, "product": product.pk, "output_quantity": output, "duration_s": time, "is_active": "on",
            "notes": "", "action": action, **_rows("materials", *materials), **_rows("parts", *parts)}


def _inputs(recipe: Recipe) -> set[tuple[str, Decimal]]:
    return {(line.item_type.name, line.quantity) for line in recipe.inputs.select_related("item_type")}


# --- the list --------------------------------------------------------------------------------------

def test_the_list_shows_each_recipe_with_its_product_plate_and_inputs(admin_client, organiser_shop):
    html = page_html(admin_client.get("/recipes/"))

    assert "Drawer plate" in html and "Handle plate" in html and "Desk organiser plate" in html
    assert "150 g" in html and "2 h" in html
    assert 'href="/recipes/new/"' in html


def test_the_list_searches_by_name_and_filters_by_product_in_the_url(admin_client, organiser_shop):
    by_name = admin_client.get("/recipes/?q=handle", headers=HTMX)
    by_product = admin_client.get(f"/recipes/?product={organiser_shop.drawer.pk}")

    assert [r.name for r in by_name.context["page"].object_list] == ["Handle plate"]
    assert "<html" not in page_html(by_name)
    assert [r.name for r in by_product.context["page"].object_list] == ["Drawer plate"]


def test_an_empty_list_says_what_to_do(admin_client, tenant):
    html = page_html(admin_client.get("/recipes/"))

    assert "No recipes yet." in html and "Drop a G-code file" in html and 'href="/recipes/new/"' in html


def _recipes(tenant, count):
    material = MaterialFactory(tenant=tenant)
    part = ComponentFactory(tenant=tenant)
    for _ in range(count):
        make_recipe(tenant=tenant, product=ProductFactory(tenant=tenant), inputs=[(material, "12.5"), (part, "2")])


def test_the_list_runs_the_same_queries_for_1_and_for_25_recipes(admin_client, tenant, django_assert_num_queries):
    _recipes(tenant, 1)
    with django_assert_num_queries(7) as one:          # session, membership, products filter, count, rows,
        assert len(admin_client.get("/recipes/").context["page"].object_list) == 1   # inputs + their items
    _recipes(tenant, 24)
    with django_assert_num_queries(len(one.captured_queries)):
        assert len(admin_client.get("/recipes/").context["page"].object_list) == 25


# --- roles and tenants -----------------------------------------------------------------------------

def test_viewers_and_operators_read_a_recipe_without_any_button(request, client_as, organiser_shop):
    recipe = organiser_shop.drawer_recipe
    for role in ("viewer_user", "operator_user"):
        client = client_as(request.getfixturevalue(role))
        pages = [page_html(client.get(url)) for url in (
            "/recipes/", f"/recipes/{recipe.pk}/", f"/inventory/items/{organiser_shop.drawer.pk}/?tab=recipe")]

        assert all("Drawer plate" in html for html in pages)
        assert "Handle" in pages[1] and "40 g" in pages[1]
        for html in pages:
            for write in ("New recipe", "Save recipe", "Delete recipe", "Drop a G-code", "Another recipe",
                          'method="post" action="/recipes/'):
                assert write not in html, (role, write)


@pytest.mark.parametrize("role", ["viewer_user", "operator_user"])
def test_writes_need_the_manager_role_and_change_nothing(request, client_as, organiser_shop, role):
    client = client_as(request.getfixturevalue(role))
    recipe = organiser_shop.drawer_recipe
    before = _inputs(recipe)

    responses = [
        client.post("/recipes/new/", _post(organiser_shop.organiser, materials=[(organiser_shop.pla, "5")])),
        client.post(f"/recipes/{recipe.pk}/", _post(organiser_shop.drawer, name="Renamed")),
        client.post(f"/recipes/{recipe.pk}/delete/"),
        client.get("/recipes/new/"),
    ]

    assert [r.status_code for r in responses] == [403, 403, 403, 403]
    recipe.refresh_from_db()
    assert recipe.name == "Drawer plate" and _inputs(recipe) == before and Recipe.objects.count() == 3


def test_another_tenants_recipe_is_a_404(client_as, other_admin, organiser_shop):
    client = client_as(other_admin)
    recipe = organiser_shop.drawer_recipe

    assert client.get(f"/recipes/{recipe.pk}/").status_code == 404
    assert client.post(f"/recipes/{recipe.pk}/", _post(organiser_shop.drawer, name="Mine")).status_code == 404
    assert client.post(f"/recipes/{recipe.pk}/delete/").status_code == 404
    assert "Drawer plate" not in page_html(client.get("/recipes/"))
    recipe.refresh_from_db()
    assert recipe.name == "Drawer plate"


def test_another_tenants_product_or_filament_is_refused_next_to_its_field(admin_client, tenant, other_tenant,
                                                                          organiser_shop):
    theirs = MaterialFactory(tenant=other_tenant)
    their_product = ProductFactory(tenant=other_tenant)

    response = admin_client.post("/recipes/new/", _post(their_product, materials=[(theirs, "5")]))

    assert response.status_code == 400 and Recipe.objects.count() == 3
    assert response.context["form"].errors["product"]
    assert response.context["groups"][0].rows[0].errors["item_type"]


# --- the editor --------------------------------------------------------------------------------------

def test_a_manager_creates_a_two_level_recipe_by_hand(admin_client, organiser_shop):
    magnet = ComponentFactory(tenant=organiser_shop.pla.tenant, name="Magnet")
    product = ProductFactory(tenant=organiser_shop.pla.tenant, name="Pen cup")

    response = admin_client.post("/recipes/new/", _post(
        product, name="Pen cup plate", output="2", time="3h 15m",
        materials=[(organiser_shop.pla, "42.5"), (organiser_shop.petg, "3")],
        parts=[(organiser_shop.drawer, "1"), (magnet, "4")]))

    recipe = Recipe.objects.get(name="Pen cup plate")
    assert response.status_code == 302 and response["Location"] == f"/recipes/{recipe.pk}/"
    assert (recipe.product, recipe.output_quantity, recipe.duration_s) == (product, 2, 11700)
    assert _inputs(recipe) == {("PLA Black", Decimal("42.5")), ("PETG White", Decimal("3")),
                               ("Drawer", Decimal("1")), ("Magnet", Decimal("4"))}


def test_new_with_a_product_preselects_it(admin_client, organiser_shop):
    product = ProductFactory(tenant=organiser_shop.pla.tenant, name="Pen cup")

    html = page_html(admin_client.get(f"/recipes/new/?product={product.pk}"))

    assert f'<option value="{product.pk}" selected>Pen cup</option>' in html
    assert 'value="Pen cup"' in html


def test_adding_and_removing_rows_keeps_the_input_and_writes_nothing(admin_client, organiser_shop):
    recipe = organiser_shop.drawer_recipe
    data = _post(organiser_shop.drawer, name="Typed name", materials=[(organiser_shop.pla, "41")],
                 parts=[(organiser_shop.handle, "1")])

    added = admin_client.post(f"/recipes/{recipe.pk}/", {**data, "action": "add_materials"})
    removed = admin_client.post(f"/recipes/{recipe.pk}/", {**data, "action": "remove_parts_0"})

    assert added.status_code == removed.status_code == 200
    assert len(added.context["groups"][0].rows) == 2 and 'value="Typed name"' in page_html(added)
    assert 'value="41"' in page_html(added) and not added.context["groups"][0].rows[1].errors
    assert f'<option value="{organiser_shop.pla.pk}" selected>PLA Black</option>' in page_html(added)
    assert removed.context["groups"][1].rows == []
    recipe.refresh_from_db()
    assert recipe.name == "Drawer plate" and _inputs(recipe) == {("Handle", Decimal("1")), ("PLA Black", Decimal("40"))}


def test_saving_replaces_the_inputs_and_an_empty_row_is_ignored(admin_client, organiser_shop):
    recipe = organiser_shop.drawer_recipe

    response = admin_client.post(f"/recipes/{recipe.pk}/", _post(
        organiser_shop.drawer, name="Drawer plate", output="3", materials=[(organiser_shop.petg, "55"), ("", "")]))

    assert response.status_code == 302
    recipe.refresh_from_db()
    assert recipe.output_quantity == 3 and _inputs(recipe) == {("PETG White", Decimal("55"))}


@pytest.mark.parametrize("rows, field, message", [
    ({"materials": [("{pla}", "0")]}, "quantity", "greater than or equal to 0.001"),
    ({"materials": [("{pla}", "")]}, "quantity", "Enter how much one plate takes."),
    ({"materials": [("", "12")]}, "item_type", "Choose an item, or remove the row."),
    ({"materials": [("{pla}", "5"), ("{pla}", "6")]}, "item_type", "is listed twice"),
    ({"parts": [("{drawer}", "1")]}, "item_type", "cannot be an input of itself"),
])
def test_a_bad_row_shows_its_error_next_to_the_row_and_writes_nothing(admin_client, organiser_shop, rows, field,
                                                                     message):
    recipe = organiser_shop.drawer_recipe
    ids = {"pla": organiser_shop.pla.pk, "drawer": organiser_shop.drawer.pk}
    groups = {name: [(item.format(**ids), qty) for item, qty in value] for name, value in rows.items()}

    response = admin_client.post(f"/recipes/{recipe.pk}/", _post(organiser_shop.drawer, name="Drawer plate", **groups))

    assert response.status_code == 400
    errors = [error for group in response.context["groups"] for row in group.rows
              for error in row.errors.get(field, [])]
    assert any(message in error for error in errors), errors
    assert message.split()[0] in page_html(response)
    recipe.refresh_from_db()
    assert _inputs(recipe) == {("Handle", Decimal("1")), ("PLA Black", Decimal("40"))}


def test_a_taken_name_and_a_bad_print_time_show_next_to_their_fields(admin_client, organiser_shop):
    response = admin_client.post("/recipes/new/", _post(organiser_shop.drawer, name="Handle plate", time="soon",
                                                        materials=[(organiser_shop.pla, "5")]))

    assert response.status_code == 400 and Recipe.objects.count() == 3
    assert "Enter a duration" in response.context["form"].errors["duration_s"][0]
    taken = admin_client.post("/recipes/new/", _post(organiser_shop.drawer, name="Handle plate",
                                                     materials=[(organiser_shop.pla, "5")]))
    assert taken.status_code == 400 and "already used" in taken.context["form"].errors["name"][0]
    assert 'value="5"' in page_html(taken)


def test_deleting_a_recipe_goes_back_to_the_list(admin_client, organiser_shop):
    recipe = organiser_shop.handle_recipe

    response = admin_client.post(f"/recipes/{recipe.pk}/delete/", follow=True)

    assert response.redirect_chain[-1][0] == "/recipes/"
    assert "Recipe Handle plate deleted." in page_html(response)
    assert not Recipe.objects.filter(pk=recipe.pk).exists()


# --- from a G-code file ------------------------------------------------------------------------------

def _file() -> SimpleUploadedFile:
    return SimpleUploadedFile(GCODE.name, GCODE.read_bytes())


def test_a_dropped_gcode_file_creates_the_products_recipe(admin_client, tenant):
    torus = ProductFactory(tenant=tenant, name="Torus")
    petg = MaterialFactory(tenant=tenant, name="PETG Teal", material="PETG")

    response = admin_client.post("/recipes/new/", {"name": "", "product": torus.pk, "action": "gcode_upload",
                                                   "materials-count": "1", "gcode": _file()}, follow=True)

    recipe = Recipe.objects.get(product=torus)
    assert response.redirect_chain[-1][0] == f"/recipes/{recipe.pk}/"
    assert (recipe.name, recipe.output_quantity, recipe.duration_s) == ("Torus (G-code)", 4, 2492)
    assert _inputs(recipe) == {(petg.name, Decimal("7.46"))}
    assert "4 per plate, 42 min, 7.46 g of filament" in page_html(response)


def test_a_dropped_file_updates_the_recipe_and_keeps_its_parts(admin_client, tenant):
    torus = ProductFactory(tenant=tenant, name="Torus")
    petg = MaterialFactory(tenant=tenant, name="PETG Teal", material="PETG")
    magnet = ComponentFactory(tenant=tenant, name="Magnet")
    recipe = make_recipe(tenant=tenant, product=torus, inputs=[(petg, "99"), (magnet, "2")], name="Torus ring")

    response = admin_client.post(f"/recipes/{recipe.pk}/", {"action": "gcode_upload", "gcode": _file()})

    assert response.status_code == 302
    recipe.refresh_from_db()
    assert recipe.name == "Torus ring" and recipe.output_quantity == 4
    assert _inputs(recipe) == {("PETG Teal", Decimal("7.46")), ("Magnet", Decimal("2"))}


@pytest.mark.parametrize("setup, message", [
    ("no_product", "Choose the product first"),
    ("no_filament", "Add that filament as an item first"),
    ("not_gcode", "G-code"),
])
def test_a_file_that_cannot_make_a_recipe_says_why_next_to_the_drop_zone(admin_client, tenant, setup, message):
    torus = ProductFactory(tenant=tenant, name="Torus")
    if setup != "no_filament":
        MaterialFactory(tenant=tenant, material="PETG")
    upload = SimpleUploadedFile("notes.gcode", b"hello\n") if setup == "not_gcode" else _file()

    response = admin_client.post("/recipes/new/", {
        "name": "Kept name", "product": "" if setup == "no_product" else torus.pk, "action": "gcode_upload",
        "gcode": upload})

    assert response.status_code == 400 and not Recipe.objects.exists()
    assert message in response.context["gcode_error"]
    assert 'id="gcode-error"' in page_html(response) and 'value="Kept name"' in page_html(response)


# --- the product page ----------------------------------------------------------------------------------

def test_the_product_page_shows_its_recipe_with_a_link(admin_client, organiser_shop):
    html = page_html(admin_client.get(f"/inventory/items/{organiser_shop.drawer.pk}/?tab=recipe"))

    assert f'href="/recipes/{organiser_shop.drawer_recipe.pk}/"' in html and "2 per plate" in html
    assert ">Recipe</a>" in html


def test_a_product_without_a_recipe_offers_to_give_it_one(admin_client, tenant):
    product = ProductFactory(tenant=tenant, name="Pen cup")

    html = page_html(admin_client.get(f"/inventory/items/{product.pk}/?tab=recipe"))

    assert "Pen cup has no recipe yet." in html
    assert f'href="/recipes/new/?product={product.pk}"' in html and "Give it a recipe" in html


def test_a_material_page_has_no_recipe_tab(admin_client, organiser_shop):
    assert "?tab=recipe" not in page_html(admin_client.get(f"/inventory/items/{organiser_shop.pla.pk}/"))


def test_the_sidebar_links_the_recipes_and_the_new_plan_hint_links_the_editor(admin_client, tenant):
    html = page_html(admin_client.get("/recipes/"))
    assert 'href="/recipes/"' in html and 'aria-current="page"' in html
    assert 'href="/recipes/new/">give it a recipe</a>' in page_html(admin_client.get("/plans/new/"))



def test_filament_rows_offer_stocked_filament_first(admin_client, tenant, admin_user, organiser_shop):
    receive_spool(tenant=tenant, by=admin_user, material=organiser_shop.petg, location=LocationFactory(tenant=tenant),
                  grams="1000")

    html = page_html(admin_client.get("/recipes/new/"))

    stocked, others = html.index('<optgroup label="In stock">'), html.index('<optgroup label="Other filaments">')
    assert stocked < html.index(">PETG White<") < others < html.index(">PLA Black<")


def test_deleting_a_recipe_that_jobs_use_is_refused_with_the_reason(admin_client, organiser_shop, plan_run):
    recipe = organiser_shop.handle_recipe

    response = admin_client.post(f"/recipes/{recipe.pk}/delete/", follow=True)

    assert response.redirect_chain[-1][0] == f"/recipes/{recipe.pk}/"
    said = [str(message) for message in response.context["messages"]]
    assert len(said) == 1 and "used by 1 job" in said[0] and "cannot be deleted" in said[0], said
    assert Recipe.objects.filter(pk=recipe.pk).exists()


def test_the_plan_editor_links_each_steps_recipe_and_offers_one_where_missing(admin_client, tenant, plan,
                                                                               organiser_shop):
    html = page_html(admin_client.get(f"/plans/{plan.pk}/"))
    assert f'href="/recipes/{organiser_shop.drawer_recipe.pk}/"' in html

    organiser_shop.handle_recipe.delete()
    html = page_html(admin_client.get(f"/plans/{plan.pk}/"))
    assert f'href="/recipes/new/?product={organiser_shop.handle.pk}">Give it a recipe</a>' in html
