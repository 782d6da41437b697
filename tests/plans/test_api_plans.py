"""The plans API: plans and their step trees, written by managers, read by every member."""
from __future__ import annotations

from decimal import Decimal

import pytest

from plans import services
from plans.models import JobQueueEntry, ProductionPlan, ProductionPlanRun, ProductionPlanStep
from tests.factories import ProductFactory, make_recipe

PLANS = "/api/v1/plans"


def steps_of(plan):
    """{product name: step} of the plan."""
    return {step.product.name: step for step in plan.steps.select_related("product")}


def tree_summary(node):
    """(product, [(input, supply, step_id)], [children…]) of a rendered step tree."""
    return (node["product"]["name"], [(i["item_type"]["name"], i["supply"], i["step_id"]) for i in node["inputs"]],
            [tree_summary(child) for child in node["children"]])


# --- plans -----------------------------------------------------------------------------------------

def test_create_makes_the_plan_and_its_root_step_with_the_products_recipe(api, organiser_shop):
    response = api.post(PLANS, {"name": "Organisers v2", "product": organiser_shop.organiser.pk,
                                "notes": "for the shop",
                                "root": {"location": organiser_shop.room.pk, "material_efficiency": "5"}},
                        format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["product"]["name"] == "Desk organiser" and body["last_run"] is None and body["notes"] == "for the shop"
    root = ProductionPlanStep.objects.get(plan_id=body["id"])
    assert (root.parent_id, root.recipe, root.location, root.material_efficiency) == (
        None, organiser_shop.organiser_recipe, organiser_shop.room, Decimal("5.00"))


@pytest.mark.parametrize("change,field", [
    ({"product": "material"}, "product"),                         # not a product
    ({"name": "Organisers"}, "name"),                              # taken by the ``plan`` fixture
    ({"transport_cost_per_item": "-1"}, "transport_cost_per_item"),
    ({"root": {"material_efficiency": "101"}}, "root.material_efficiency"),
])
def test_create_refuses_bad_input_naming_the_field_and_writes_nothing(api, organiser_shop, plan, change, field):
    body = {"name": "New plan", "product": organiser_shop.organiser.pk, **change}
    if body["product"] == "material":
        body["product"] = organiser_shop.pla.pk

    response = api.post(PLANS, body, format="json")

    assert response.status_code == 400
    assert field in response.json()["extra"]["fields"]
    assert ProductionPlan.objects.count() == 1 and ProductionPlanStep.objects.count() == 3


def test_list_shows_each_plans_product_and_last_run(api, tenant, plan, organiser_shop, admin_user):
    never = services.production_plan_create(tenant=tenant, name="Drawers", product=organiser_shop.drawer)
    services.plan_generate(plan=plan, by=admin_user, quantity=1)
    last = services.plan_generate(plan=plan, by=admin_user, quantity=2).run
    JobQueueEntry.objects.filter(plan_run=last, depth=2).update(status=JobQueueEntry.Status.ACTIVE)

    rows = {row["name"]: row for row in api.get(PLANS).json()["results"]}

    assert rows["Drawers"]["last_run"] is None and rows["Drawers"]["id"] == never.pk   # the page says "Never"
    assert rows["Organisers"]["product"]["name"] == "Desk organiser"
    assert rows["Organisers"]["last_run"]["id"] == last.pk
    assert rows["Organisers"]["last_run"]["status"] == "in_progress"
    assert rows["Organisers"]["last_run"]["created_at"]


def test_list_filters_by_name_and_product(api, tenant, plan, organiser_shop):
    services.production_plan_create(tenant=tenant, name="Drawers", product=organiser_shop.drawer)

    by_name = api.get(PLANS, {"q": "organ"}).json()["results"]
    by_product = api.get(PLANS, {"product": organiser_shop.drawer.pk}).json()["results"]

    assert [row["name"] for row in by_name] == ["Organisers"]
    assert [row["name"] for row in by_product] == ["Drawers"]


def test_detail_shows_the_plan_with_its_last_run(api, plan, admin_user):
    run = services.plan_generate(plan=plan, by=admin_user, quantity=1).run

    body = api.get(f"{PLANS}/{plan.pk}").json()

    assert body["name"] == "Organisers" and body["last_run"]["id"] == run.pk
    assert body["last_run"]["status"] == "pending"


def test_patch_changes_only_the_fields_sent(api, plan):
    response = api.patch(f"{PLANS}/{plan.pk}", {"transport_enabled": True, "transport_cost_per_item": "0.25"},
                         format="json")

    assert response.status_code == 200, response.json()
    plan.refresh_from_db()
    assert (plan.name, plan.transport_enabled, plan.transport_cost_per_item) == ("Organisers", True, Decimal("0.25"))


def test_put_may_repeat_the_product_but_not_change_it(api, plan, organiser_shop):
    same = api.put(f"{PLANS}/{plan.pk}", {"name": "Desk organisers", "product": organiser_shop.organiser.pk},
                   format="json")
    other = api.put(f"{PLANS}/{plan.pk}", {"name": "Drawer plan", "product": organiser_shop.drawer.pk}, format="json")

    assert same.status_code == 200 and same.json()["name"] == "Desk organisers"
    assert other.status_code == 400 and "product" in other.json()["extra"]["fields"]
    plan.refresh_from_db()
    assert (plan.name, plan.product) == ("Desk organisers", organiser_shop.organiser)


def test_put_needs_a_name(api, plan):
    response = api.put(f"{PLANS}/{plan.pk}", {"notes": "x"}, format="json")

    assert response.status_code == 400 and "name" in response.json()["extra"]["fields"]


def test_delete_removes_the_plan_its_steps_and_runs_but_keeps_the_jobs(api, plan, admin_user):
    job_ids = {job.pk for job in services.plan_generate(plan=plan, by=admin_user, quantity=1).jobs}

    response = api.delete(f"{PLANS}/{plan.pk}")

    assert response.status_code == 204
    assert not ProductionPlan.objects.exists() and not ProductionPlanStep.objects.exists()
    assert not ProductionPlanRun.objects.exists()
    assert set(JobQueueEntry.objects.filter(plan_run__isnull=True).values_list("pk", flat=True)) == job_ids


def test_by_product_lists_the_plans_that_make_it(api, tenant, plan, organiser_shop):
    services.production_plan_create(tenant=tenant, name="Drawers", product=organiser_shop.drawer)

    organisers = api.get(f"{PLANS}/by-product/{organiser_shop.organiser.pk}")
    handles = api.get(f"{PLANS}/by-product/{organiser_shop.handle.pk}")
    material = api.get(f"{PLANS}/by-product/{organiser_shop.pla.pk}")

    assert [row["name"] for row in organisers.json()["results"]] == ["Organisers"]
    assert handles.json()["results"] == []
    assert material.status_code == 404


def test_literal_segments_are_not_taken_for_a_plan_id(api, plan):
    assert api.get(f"{PLANS}/runs").json()["results"] == []                  # not "plan 'runs'"
    assert api.get(f"{PLANS}/by-product/{plan.product_id}").status_code == 200
    assert api.get(f"{PLANS}/runs/{plan.pk}").status_code == 404           # no such route: GET on runs/<id>


@pytest.mark.parametrize("method,url", [
    ("post", PLANS), ("patch", f"{PLANS}/{{pk}}"), ("delete", f"{PLANS}/{{pk}}"),
    ("post", f"{PLANS}/{{pk}}/steps"), ("post", f"{PLANS}/{{pk}}/generate"),
])
def test_operators_read_plans_but_only_managers_write_them(api_as, operator_user, plan, method, url):
    client = api_as(operator_user)

    assert client.get(PLANS).status_code == 200
    assert getattr(client, method)(url.format(pk=plan.pk), {}, format="json").status_code == 403


# --- steps -----------------------------------------------------------------------------------------

def test_steps_show_the_tree_with_each_input_marked_make_or_buy(api, plan):
    steps = steps_of(plan)

    response = api.get(f"{PLANS}/{plan.pk}/steps")

    assert response.status_code == 200
    root = response.json()
    assert tree_summary(root) == (
        "Desk organiser", [("Drawer", "make", steps["Drawer"].pk), ("PETG White", "buy", None)], [
            ("Drawer", [("Handle", "make", steps["Handle"].pk), ("PLA Black", "buy", None)], [
                ("Handle", [("PLA Black", "buy", None)], [])])])
    assert root["recipe"] == {"id": steps["Desk organiser"].recipe_id, "name": "Desk organiser plate"}
    assert root["location"]["name"] == "Print room" and root["material_efficiency"] == "0.00"
    assert root["inputs"][1]["quantity"] == "150.000" and root["inputs"][1]["unit"] == "g"
    drawer = root["children"][0]
    assert drawer["parent_id"] == root["id"] and drawer["depth"] == 1 and drawer["location"]["name"] == "Print room"


def test_adding_a_step_makes_an_input_instead_of_buying_it(api, tenant, organiser_shop):
    plan = services.production_plan_create(tenant=tenant, name="Bare", product=organiser_shop.organiser)
    root = plan.steps.get()

    response = api.post(f"{PLANS}/{plan.pk}/steps", {"parent": root.pk, "product": organiser_shop.drawer.pk,
                                                     "material_efficiency": "10", "workstation_kind": "printer",
                                                     "location": organiser_shop.annex.pk}, format="json")

    assert response.status_code == 201, response.json()
    step = response.json()
    assert step["product"]["name"] == "Drawer" and step["recipe"]["name"] == "Drawer plate"
    assert (step["material_efficiency"], step["workstation_kind"], step["location"]["name"]) == (
        "10.00", "printer", "Annex")
    assert [(i["item_type"]["name"], i["supply"]) for i in step["inputs"]] == [("Handle", "buy"), ("PLA Black", "buy")]
    tree = api.get(f"{PLANS}/{plan.pk}/steps").json()
    assert tree["inputs"][0] == {**tree["inputs"][0], "supply": "make", "step_id": step["id"]}


def test_patch_changes_a_steps_settings(api, plan, organiser_shop):
    drawer = steps_of(plan)["Drawer"]

    response = api.patch(f"{PLANS}/{plan.pk}/steps/{drawer.pk}", {"time_efficiency": "12.5", "tax_per_run": "0.40",
                                                                  "location": organiser_shop.annex.pk}, format="json")

    assert response.status_code == 200, response.json()
    assert response.json()["time_efficiency"] == "12.50" and len(response.json()["children"]) == 1
    drawer.refresh_from_db()
    assert (drawer.time_efficiency, drawer.tax_per_run, drawer.location) == (
        Decimal("12.50"), Decimal("0.40"), organiser_shop.annex)


def test_a_step_can_have_no_recipe(api, plan):
    handle = steps_of(plan)["Handle"]

    response = api.patch(f"{PLANS}/{plan.pk}/steps/{handle.pk}", {"recipe": None}, format="json")

    assert response.status_code == 200 and response.json()["recipe"] is None and response.json()["inputs"] == []


def test_removing_a_step_removes_its_subtree_and_its_input_becomes_buy(api, plan):
    drawer = steps_of(plan)["Drawer"]

    response = api.delete(f"{PLANS}/{plan.pk}/steps/{drawer.pk}")

    assert response.status_code == 204
    assert list(plan.steps.values_list("product__name", flat=True)) == ["Desk organiser"]
    tree = api.get(f"{PLANS}/{plan.pk}/steps").json()
    assert tree_summary(tree) == ("Desk organiser", [("Drawer", "buy", None), ("PETG White", "buy", None)], [])


def test_the_root_step_cannot_be_removed(api, plan):
    root = steps_of(plan)["Desk organiser"]

    response = api.delete(f"{PLANS}/{plan.pk}/steps/{root.pk}")

    assert response.status_code == 400 and "step" in response.json()["extra"]["fields"]
    assert plan.steps.count() == 3


def make_cycle_possible(plan, tenant, organiser_shop):
    """Give the handle step a recipe that takes a drawer (an ancestor): adding it would loop."""
    loop = make_recipe(tenant=tenant, product=organiser_shop.handle, inputs=[(organiser_shop.drawer, "1")],
                       name="Looping handle")
    services.production_plan_step_update(step=steps_of(plan)["Handle"], data={"recipe": loop})


@pytest.mark.parametrize("body,field", [
    ({"parent": "Desk organiser", "product": "drawer", "material_efficiency": "101"}, "material_efficiency"),
    ({"parent": "Desk organiser", "product": "drawer", "time_efficiency": "-1"}, "time_efficiency"),
    ({"parent": "Desk organiser", "product": "drawer", "tax_per_run": "-0.01"}, "tax_per_run"),
    ({"parent": "Desk organiser", "product": "handle"}, "product"),        # not an input of the organiser
    ({"parent": "Handle", "product": "drawer"}, "product"),                 # a cycle: drawer ← handle ← drawer
    ({"parent": "Desk organiser", "product": "drawer"}, "product"),        # already has a step there
    ({"product": "drawer"}, "parent"),
])
def test_adding_a_bad_step_is_refused_naming_the_field_and_writes_nothing(api, tenant, plan, organiser_shop, body,
                                                                          field):
    make_cycle_possible(plan, tenant, organiser_shop)
    steps = steps_of(plan)
    data = dict(body)
    if "parent" in data:
        data["parent"] = steps[data["parent"]].pk
    data["product"] = getattr(organiser_shop, data["product"]).pk

    response = api.post(f"{PLANS}/{plan.pk}/steps", data, format="json")

    assert response.status_code == 400, response.json()
    assert field in response.json()["extra"]["fields"], response.json()
    assert plan.steps.count() == 3


def test_a_step_recipe_must_make_the_steps_product(api, tenant, organiser_shop):
    plan = services.production_plan_create(tenant=tenant, name="Bare", product=organiser_shop.organiser)

    response = api.post(f"{PLANS}/{plan.pk}/steps", {"parent": plan.steps.get().pk, "product": organiser_shop.drawer.pk,
                                                     "recipe": organiser_shop.handle_recipe.pk}, format="json")

    assert response.status_code == 400 and "recipe" in response.json()["extra"]["fields"]
    assert plan.steps.count() == 1


@pytest.mark.parametrize("change,field", [
    ({"material_efficiency": "101"}, "material_efficiency"),
    ({"time_efficiency": "-1"}, "time_efficiency"),
    ({"material_efficiency": "12.345"}, "material_efficiency"),             # two decimals at most
    ({"workstation_kind": "laser"}, "workstation_kind"),
])
def test_changing_a_step_badly_is_refused_and_changes_nothing(api, plan, change, field):
    drawer = steps_of(plan)["Drawer"]

    response = api.patch(f"{PLANS}/{plan.pk}/steps/{drawer.pk}", change, format="json")

    assert response.status_code == 400
    assert field in response.json()["extra"]["fields"]
    drawer.refresh_from_db()
    assert (drawer.material_efficiency, drawer.time_efficiency, drawer.workstation_kind) == (0, 0, "")


def test_a_step_of_another_plan_is_not_found(api, tenant, plan, organiser_shop):
    other = services.production_plan_create(tenant=tenant, name="Drawers", product=organiser_shop.drawer)
    foreign = other.steps.get()

    patch = api.patch(f"{PLANS}/{plan.pk}/steps/{foreign.pk}", {"tax_per_run": "1"}, format="json")
    delete = api.delete(f"{PLANS}/{plan.pk}/steps/{foreign.pk}")
    add = api.post(f"{PLANS}/{plan.pk}/steps", {"parent": foreign.pk, "product": organiser_shop.handle.pk},
                   format="json")

    assert (patch.status_code, delete.status_code) == (404, 404)
    assert add.status_code == 400 and "parent" in add.json()["extra"]["fields"]
    assert other.steps.count() == 1 and foreign.tax_per_run == 0


# --- query counts ------------------------------------------------------------------------------------

# Tenant resolution (1) + the paginator's count (1) + plans with product and last run (its id,
# time and derived status as subqueries) (1).
PLAN_LIST_QUERIES = 3
# Tenant resolution (1) + the plan (1) + its steps with product, recipe, location (1) + the
# recipes' inputs with their items (1).
STEP_TREE_QUERIES = 4


@pytest.mark.parametrize("plans", [1, 25])
def test_plan_list_query_count_does_not_grow_with_plans(api, tenant, organiser_shop, admin_user, plans,
                                                        django_assert_num_queries):
    for n in range(plans):
        plan = services.production_plan_create(tenant=tenant, name=f"Plan {n:02}", product=organiser_shop.handle)
        services.plan_generate(plan=plan, by=admin_user, quantity=1)

    with django_assert_num_queries(PLAN_LIST_QUERIES):
        response = api.get(PLANS, {"page_size": 25})

    assert len(response.json()["results"]) == plans
    assert all(row["last_run"]["status"] == "pending" for row in response.json()["results"])


@pytest.mark.parametrize("parts", [1, 12])
def test_step_tree_query_count_does_not_grow_with_steps(api, tenant, organiser_shop, parts, django_assert_num_queries):
    components = [ProductFactory(tenant=tenant, name=f"Part {n:02}") for n in range(parts)]
    for component in components:
        make_recipe(tenant=tenant, product=component, inputs=[(organiser_shop.pla, "3")])
    kit = ProductFactory(tenant=tenant, name="Kit")
    make_recipe(tenant=tenant, product=kit, inputs=[(component, "1") for component in components])
    plan = services.production_plan_create(tenant=tenant, name="Kits", product=kit)
    for component in components:
        services.production_plan_step_add(parent=plan.steps.get(parent__isnull=True), product=component)

    with django_assert_num_queries(STEP_TREE_QUERIES):
        response = api.get(f"{PLANS}/{plan.pk}/steps")

    assert len(response.json()["children"]) == parts
    assert all(child["inputs"][0]["supply"] == "buy" for child in response.json()["children"])
