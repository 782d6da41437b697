"""The plans pages: plans and the step editor, generation, plan runs, the job queue (roles, query
counts, HTMX partials, errors on the form, tenant isolation)."""
from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from plans import services
from plans.models import JobQueueEntry, ProductionPlan, ProductionPlanRun, ProductionPlanStep
from runs import services as run_services
from runs.models import ProductionRun
from tests.factories import LocationFactory, ProductFactory, WorkstationFactory, make_recipe, receive_spool
from tests.support.pages import HTMX, page_html


@pytest.fixture
def plan_run_on_printers(plan, admin_user, printers) -> ProductionPlanRun:
    """10 organisers generated while the three printers stand in the print room."""
    return services.plan_generate(plan=plan, by=admin_user, quantity=10).run


def _root(plan) -> ProductionPlanStep:
    return plan.steps.get(parent__isnull=True)


def _step(plan, product) -> ProductionPlanStep:
    return plan.steps.get(product=product)


# --- every page for a viewer, writes for their role ------------------------------------------------

def test_every_page_renders_for_a_viewer_without_write_buttons(client_as, viewer_user, plan, plan_run_on_printers):
    client = client_as(viewer_user)
    pages = {
        "/plans/": "Organisers",
        f"/plans/{plan.pk}/": "Handle",
        f"/plans/{plan.pk}/generate/?quantity=5": "Jobs, deepest first",
        "/plan-runs/": f"#{plan_run_on_printers.pk}",
        f"/plan-runs/{plan_run_on_printers.pk}/": "Desk organiser",
        "/jobs/": "MK4 #1",
    }

    for url, text in pages.items():
        response = client.get(url)
        html = page_html(response)
        assert response.status_code == 200, url
        assert text in html, url
        for write in ("New plan", "Save settings", "Delete plan", "/make/", "/remove/", "Cancel plan run",
                      "/start/", "/cancel/", 'method="post" action="/plans/'):
            assert write not in html, (url, write)
    assert "Generating needs the manager role." in page_html(client.get(f"/plans/{plan.pk}/generate/?quantity=5"))


@pytest.mark.parametrize("role_fixture, url, data", [
    ("viewer_user", "/plans/new/", {"name": "X"}),
    ("operator_user", "/plans/{plan}/settings/", {"settings-name": "Renamed"}),
    ("operator_user", "/plans/{plan}/delete/", {}),
    ("operator_user", "/plans/{plan}/generate/", {"quantity": "10"}),
    ("operator_user", "/plans/{plan}/steps/{root}/make/", {"product": "{petg}"}),
    ("operator_user", "/plans/{plan}/steps/{root}/", {}),
    ("operator_user", "/plans/{plan}/steps/{drawer}/remove/", {}),
    ("operator_user", "/plan-runs/{run}/delete/", {}),
    ("viewer_user", "/plan-runs/{run}/cancel/", {}),
    ("viewer_user", "/runs/new/?job={job}", {}),
    ("viewer_user", "/jobs/{job}/cancel/", {}),
])
def test_writes_need_their_role_and_change_nothing(request, client_as, plan, plan_run_on_printers, organiser_shop,
                                                   role_fixture, url, data):
    ids = {"plan": plan.pk, "root": _root(plan).pk, "drawer": _step(plan, organiser_shop.drawer).pk,
           "run": plan_run_on_printers.pk, "job": plan_run_on_printers.jobs.first().pk, "petg": organiser_shop.petg.pk}
    before = (ProductionPlan.objects.count(), ProductionPlanStep.objects.count(), ProductionPlanRun.objects.count(),
              list(JobQueueEntry.objects.order_by("pk").values_list("status", flat=True)))

    response = client_as(request.getfixturevalue(role_fixture)).post(
        url.format(**ids), {k: v.format(**ids) for k, v in data.items()})

    assert response.status_code == 403
    assert "This needs the" in page_html(response)
    assert before == (ProductionPlan.objects.count(), ProductionPlanStep.objects.count(),
                      ProductionPlanRun.objects.count(),
                      list(JobQueueEntry.objects.order_by("pk").values_list("status", flat=True)))


# --- another tenant's ids are 404 ------------------------------------------------------------------

def test_another_tenants_plan_run_job_and_step_are_404_pages(client_as, other_admin, plan, plan_run_on_printers,
                                                             organiser_shop):
    client = client_as(other_admin)
    job = plan_run_on_printers.jobs.first()
    root = _root(plan)

    for url in (f"/plans/{plan.pk}/", f"/plans/{plan.pk}/generate/?quantity=1",
                f"/plan-runs/{plan_run_on_printers.pk}/"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Organisers" not in page_html(response) and "Desk organiser" not in page_html(response)
    for url in (f"/plans/{plan.pk}/settings/", f"/plans/{plan.pk}/delete/", f"/plans/{plan.pk}/generate/",
                f"/plans/{plan.pk}/steps/{root.pk}/", f"/plans/{plan.pk}/steps/{root.pk}/make/",
                f"/plan-runs/{plan_run_on_printers.pk}/cancel/", f"/plan-runs/{plan_run_on_printers.pk}/delete/",
                f"/runs/new/?job={job.pk}", f"/jobs/{job.pk}/cancel/"):
        assert client.post(url, {"quantity": "1", "product": organiser_shop.petg.pk}).status_code == 404, url

    assert ProductionPlan.objects.filter(pk=plan.pk).exists() and ProductionPlanRun.objects.count() == 1
    assert set(plan_run_on_printers.jobs.values_list("status", flat=True)) == {"planned"}


def test_a_step_of_another_plan_is_a_404(admin_client, tenant, plan, organiser_shop):
    other = services.production_plan_create(tenant=tenant, name="Drawers", product=organiser_shop.drawer)

    response = admin_client.post(f"/plans/{other.pk}/steps/{_root(plan).pk}/make/",
                                 {"product": organiser_shop.handle.pk})

    assert response.status_code == 404
    assert ProductionPlanStep.objects.filter(plan=other).count() == 1


# --- lists: one query count whatever the number of rows ----------------------------------------------

def _plans(tenant, organiser_shop, user, n):
    start = ProductionPlan.objects.count()
    for i in range(start, start + n):
        plan = services.production_plan_create(tenant=tenant, name=f"Plan {i:03d}", product=organiser_shop.organiser)
        services.plan_generate(plan=plan, by=user, quantity=1)


def _plan_runs(tenant, organiser_shop, user, n):
    plan = ProductionPlan.objects.filter(tenant=tenant).first() or services.production_plan_create(
        tenant=tenant, name="Runs", product=organiser_shop.organiser)
    if plan.steps.count() == 1:
        services.production_plan_step_add(parent=_root(plan), product=organiser_shop.drawer)
    for _ in range(n):
        services.plan_generate(plan=plan, by=user, quantity=2)


def _jobs(tenant, organiser_shop, user, n):
    """n drawer jobs (each waits for a handle): every other one on its own printer, the rest unassigned."""
    plan = ProductionPlan.objects.filter(tenant=tenant).first() or services.production_plan_create(
        tenant=tenant, name="Jobs", product=organiser_shop.drawer, root={"location": organiser_shop.room})
    for i in range(n):
        run = services.plan_generate(plan=plan, by=user, quantity=1).run
        if i % 2:
            run.jobs.update(workstation=WorkstationFactory(tenant=tenant))


# Queries per page, pinned. Every page: session, user and memberships = 3 (the first request of
# the session, which stores the active tenant, is made by the fixture).
LIST_QUERIES = [
    ("/plans/", _plans, 3 + 3),        # new-plan products, count, rows (last run + its status, steps)
    ("/plan-runs/", _plan_runs, 3 + 4),  # plan filter choices, count, page ids, rows (summary, status)
    ("/jobs/", _jobs, 3 + 6),          # location filter choices, count, page ids, rows, readiness (inputs, stock)
]


@pytest.mark.parametrize("url, make_rows, expected", LIST_QUERIES, ids=[u for u, _, _ in LIST_QUERIES])
def test_list_pages_run_the_same_queries_for_1_and_for_30_rows(admin_client, tenant, organiser_shop, admin_user, url,
                                                               make_rows, expected):
    make_rows(tenant, organiser_shop, admin_user, 1)
    with CaptureQueriesContext(connection) as one_row:
        first = admin_client.get(url)
    assert first.status_code == 200
    assert len(first.context["page"].object_list) == 1

    make_rows(tenant, organiser_shop, admin_user, 29)
    with CaptureQueriesContext(connection) as thirty_rows:
        response = admin_client.get(url)
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 30

    assert len(one_row) == len(thirty_rows) == expected, [q["sql"] for q in thirty_rows.captured_queries]


def _kit_plan(tenant, organiser_shop, parts):
    """A kit of ``parts`` parts (each made from PLA and a handle) and PETG; the plan is the root only."""
    products = [ProductFactory(tenant=tenant, name=f"Part {i}") for i in range(parts)]
    for product in products:
        make_recipe(tenant=tenant, product=product, inputs=[(organiser_shop.pla, "20"), (organiser_shop.handle, "1")])
    kit = ProductFactory(tenant=tenant, name="Kit")
    make_recipe(tenant=tenant, product=kit, inputs=[(p, "1") for p in products] + [(organiser_shop.petg, "10")])
    return services.production_plan_create(tenant=tenant, name="Kits", product=kit), products


EDITOR_QUERIES = 3 + 7  # plan, steps (with recipes), inputs (with items), recipe pickers, locations,
#                        recent runs (ids, then rows with summaries)


def test_the_editor_runs_the_same_queries_for_one_step_and_for_a_tree_of_13(admin_client, tenant, organiser_shop,
                                                                            admin_user):
    plan, parts = _kit_plan(tenant, organiser_shop, parts=6)
    services.plan_generate(plan=plan, by=admin_user, quantity=1)
    with CaptureQueriesContext(connection) as one_step:
        assert admin_client.get(f"/plans/{plan.pk}/").status_code == 200

    for part in parts:
        step = services.production_plan_step_add(parent=_root(plan), product=part)
        services.production_plan_step_add(parent=step, product=organiser_shop.handle)
    with CaptureQueriesContext(connection) as thirteen_steps:
        response = admin_client.get(f"/plans/{plan.pk}/")

    assert response.status_code == 200 and page_html(response).count('class="step-node') == 13
    assert len(one_step) == len(thirteen_steps) == EDITOR_QUERIES, [q["sql"] for q in thirteen_steps.captured_queries]


def test_the_plan_run_page_runs_the_same_queries_whatever_its_jobs(admin_client, tenant, organiser_shop, admin_user,
                                                                   plan, printers):
    small = services.plan_generate(plan=plan, by=admin_user, quantity=1).run
    with CaptureQueriesContext(connection) as few:
        admin_client.get(f"/plan-runs/{small.pk}/")
    big = services.plan_generate(plan=plan, by=admin_user, quantity=60).run       # jobs split over 3 printers
    with CaptureQueriesContext(connection) as many:
        response = admin_client.get(f"/plan-runs/{big.pk}/")

    assert big.jobs.count() > small.jobs.count()
    assert response.status_code == 200
    assert len(few) == len(many) == 3 + 3, [q["sql"] for q in many.captured_queries]  # run, jobs, transports


# --- HTMX partials --------------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["/plans/", "/plan-runs/", "/jobs/"])
def test_an_htmx_request_gets_only_the_results_partial(admin_client, plan_run_on_printers, url):
    response = admin_client.get(url, headers=HTMX)

    html = page_html(response)
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="results"')
    assert "<html" not in html and 'id="sidebar"' not in html and 'id="filter-form"' not in html
    assert "HX-Request" in response["Vary"]


def test_the_plan_runs_list_filters_by_plan_and_source_in_the_url(admin_client, tenant, plan, organiser_shop,
                                                                  admin_user):
    other = services.production_plan_create(tenant=tenant, name="Drawers", product=organiser_shop.drawer)
    wanted = services.plan_generate(plan=plan, by=admin_user, quantity=1).run
    services.plan_generate(plan=plan, by=admin_user, quantity=1, source="auto")
    services.plan_generate(plan=other, by=admin_user, quantity=1)

    response = admin_client.get(f"/plan-runs/?plan={plan.pk}&source=manual&date_from=2000-01-01")

    assert [run.pk for run in response.context["page"].object_list] == [wanted.pk]
    assert f'<option value="{plan.pk}" selected>Organisers</option>' in page_html(response)


def test_the_job_queue_shows_open_jobs_grouped_by_workstation_with_an_unassigned_group(
        admin_client, tenant, plan, admin_user, printers):
    services.plan_generate(plan=plan, by=admin_user, quantity=10)
    unassigned = services.plan_generate(plan=plan, by=admin_user, quantity=1).run
    unassigned.jobs.update(workstation=None)
    done = unassigned.jobs.first()
    JobQueueEntry.objects.filter(pk=done.pk).update(status="completed")

    html = page_html(admin_client.get("/jobs/"))
    everything = admin_client.get("/jobs/?status=all")

    assert "Unassigned" in html and "MK4 #1" in html
    assert html.index("MK4 #1") < html.index("Unassigned")
    assert f'id="job-{done.pk}"' not in html
    assert done in everything.context["page"].object_list


def test_the_job_queue_filters_by_plan_run_and_refuses_another_tenants(admin_client, plan_run_on_printers, plan,
                                                                       admin_user, other_tenant, other_admin):
    services.plan_generate(plan=plan, by=admin_user, quantity=1)

    mine = admin_client.get(f"/jobs/?plan_run={plan_run_on_printers.pk}")
    theirs = admin_client.get("/jobs/?plan_run=999999")

    assert {job.plan_run_id for job in mine.context["page"].object_list} == {plan_run_on_printers.pk}
    assert "not valid" in page_html(theirs) and list(theirs.context["page"].object_list) == []


@pytest.mark.parametrize("url, text", [
    ("/plans/", "No plans yet."), ("/plan-runs/", "No plan runs yet."), ("/jobs/", "No open jobs."),
])
def test_every_list_has_an_empty_state_that_says_what_to_do(admin_client, tenant, url, text):
    assert text in page_html(admin_client.get(url))


# --- plans: create, settings, delete ----------------------------------------------------------------

def test_creating_a_plan_opens_its_editor(admin_client, tenant, organiser_shop):
    response = admin_client.post("/plans/new/", {"name": "Organisers", "product": organiser_shop.organiser.pk,
                                                 "transport_enabled": "on", "transport_cost_per_item": "0.20"})

    plan = ProductionPlan.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/plans/{plan.pk}/"
    assert plan.transport_enabled and plan.transport_cost_per_item == Decimal("0.20")
    assert _root(plan).recipe == organiser_shop.organiser_recipe


def test_a_taken_plan_name_shows_its_error_next_to_the_field_and_keeps_the_input(admin_client, plan, organiser_shop):
    response = admin_client.post("/plans/new/", {"name": "Organisers", "product": organiser_shop.drawer.pk,
                                                 "transport_cost_per_item": "0"})

    assert response.status_code == 400
    assert "already used" in response.context["form"].errors["name"][0]
    assert 'id="id_name_error"' in page_html(response)
    assert f'<option value="{organiser_shop.drawer.pk}" selected>' in page_html(response)
    assert ProductionPlan.objects.count() == 1


def test_the_plan_list_shows_the_last_run_or_never(admin_client, tenant, plan, organiser_shop, admin_user):
    services.production_plan_create(tenant=tenant, name="Drawers", product=organiser_shop.drawer)
    run = services.plan_generate(plan=plan, by=admin_user, quantity=1).run

    response = admin_client.get("/plans/")

    rows = {p.name: p for p in response.context["page"].object_list}
    assert rows["Organisers"].last_run_id == run.pk and rows["Organisers"].step_count == 3
    assert rows["Drawers"].last_run_id is None
    assert "Never" in page_html(response) and f"/plan-runs/{run.pk}/" in page_html(response)


def test_saving_the_settings_and_a_refused_name(admin_client, tenant, plan, organiser_shop):
    services.production_plan_create(tenant=tenant, name="Drawers", product=organiser_shop.drawer)

    saved = admin_client.post(f"/plans/{plan.pk}/settings/", {
        "settings-name": "Organisers v2", "settings-notes": "Two drawers", "settings-transport_enabled": "on",
        "settings-transport_cost_per_item": "0.50"})
    refused = admin_client.post(f"/plans/{plan.pk}/settings/", {
        "settings-name": "Drawers", "settings-transport_cost_per_item": "0.50"})

    plan.refresh_from_db()
    assert saved.status_code == 302 and plan.name == "Organisers v2" and plan.transport_enabled
    assert refused.status_code == 400
    assert "already used" in refused.context["settings_form"].errors["name"][0]
    assert "<h1>Organisers v2</h1>" in page_html(refused)


def test_deleting_a_plan_keeps_its_jobs(admin_client, plan, plan_run_on_printers):
    jobs = set(plan_run_on_printers.jobs.values_list("pk", flat=True))

    response = admin_client.post(f"/plans/{plan.pk}/delete/", follow=True)

    assert response.redirect_chain == [("/plans/", 302)]
    assert "Plan Organisers deleted" in page_html(response)
    assert not ProductionPlan.objects.exists()
    assert set(JobQueueEntry.objects.filter(plan_run__isnull=True).values_list("pk", flat=True)) == jobs


# --- the step editor ---------------------------------------------------------------------------------

def test_the_editor_shows_the_tree_with_make_and_buy(admin_client, plan, organiser_shop):
    html = page_html(admin_client.get(f"/plans/{plan.pk}/"))

    root, drawer, handle = _root(plan), _step(plan, organiser_shop.drawer), _step(plan, organiser_shop.handle)
    assert html.index(f'id="step-{root.pk}"') < html.index(f'id="step-{drawer.pk}"') < html.index(
        f'id="step-{handle.pk}"')
    assert f"/plans/{plan.pk}/steps/{drawer.pk}/remove/" in html            # drawer is made: "buy" removes it
    assert 'data-confirm="Buy Drawer instead of making it? Its step and the 1 step under it' in html
    assert "Only products are made in a plan: a material is bought" in html   # PETG: no toggle


def test_make_adds_a_child_step_and_returns_only_that_step(admin_client, tenant, organiser_shop):
    plan = services.production_plan_create(tenant=tenant, name="Organisers", product=organiser_shop.organiser)
    root = _root(plan)

    response = admin_client.post(f"/plans/{plan.pk}/steps/{root.pk}/make/", {"product": organiser_shop.drawer.pk},
                                 headers=HTMX)

    html = page_html(response)
    drawer = _step(plan, organiser_shop.drawer)
    assert response.status_code == 200
    assert drawer.parent == root and drawer.recipe == organiser_shop.drawer_recipe
    assert html.lstrip().startswith(f'<div class="step-node is-root" id="step-{root.pk}"')
    assert f'id="step-{drawer.pk}"' in html and "<html" not in html and "Saved" in html


def test_buy_removes_the_child_step_and_its_subtree(admin_client, plan, organiser_shop):
    root, drawer = _root(plan), _step(plan, organiser_shop.drawer)

    response = admin_client.post(f"/plans/{plan.pk}/steps/{drawer.pk}/remove/", headers=HTMX)

    assert response.status_code == 200
    assert list(plan.steps.all()) == [root]
    assert page_html(response).lstrip().startswith(f'<div class="step-node is-root" id="step-{root.pk}"')
    assert f"/plans/{plan.pk}/steps/{root.pk}/make/" in page_html(response)


def test_without_htmx_a_step_action_redirects_to_the_editor(admin_client, tenant, organiser_shop):
    plan = services.production_plan_create(tenant=tenant, name="Organisers", product=organiser_shop.organiser)
    root = _root(plan)

    response = admin_client.post(f"/plans/{plan.pk}/steps/{root.pk}/make/", {"product": organiser_shop.drawer.pk})

    assert response.status_code == 302 and response["Location"] == f"/plans/{plan.pk}/#step-{root.pk}"


def test_making_a_material_is_refused_on_the_step(admin_client, tenant, organiser_shop):
    plan = services.production_plan_create(tenant=tenant, name="Organisers", product=organiser_shop.organiser)
    root = _root(plan)

    response = admin_client.post(f"/plans/{plan.pk}/steps/{root.pk}/make/", {"product": organiser_shop.pla.pk},
                                 headers=HTMX)

    assert response.status_code == 400
    assert "PLA Black is a material: only products are made" in page_html(response)
    assert plan.steps.count() == 1


def test_the_root_step_cannot_be_removed(admin_client, plan):
    root = _root(plan)

    response = admin_client.post(f"/plans/{plan.pk}/steps/{root.pk}/remove/", headers=HTMX)

    assert response.status_code == 400
    assert "the root step cannot be removed" in page_html(response)
    assert plan.steps.count() == 3


def test_editing_a_step_in_place(admin_client, plan, organiser_shop):
    drawer = _step(plan, organiser_shop.drawer)
    data = {f"step-{drawer.pk}-{k}": v for k, v in {
        "recipe": organiser_shop.drawer_recipe.pk, "material_efficiency": "10", "time_efficiency": "5.5",
        "tax_per_run": "0.25", "location": organiser_shop.annex.pk, "workstation_kind": "printer"}.items()}

    response = admin_client.post(f"/plans/{plan.pk}/steps/{drawer.pk}/", data, headers=HTMX)

    drawer.refresh_from_db()
    assert response.status_code == 200
    assert (drawer.material_efficiency, drawer.time_efficiency, drawer.tax_per_run, drawer.location,
            drawer.workstation_kind) == (Decimal("10"), Decimal("5.5"), Decimal("0.25"), organiser_shop.annex,
                                         "printer")
    assert page_html(response).lstrip().startswith(f'<div class="step-node" id="step-{drawer.pk}"')
    assert "Annex" in page_html(response) and "3D printer" in page_html(response)


@pytest.mark.parametrize("field, value, message", [
    ("material_efficiency", "150", "less than or equal to 100"),
    ("tax_per_run", "-1", "greater than or equal to 0"),
    ("location", "999999", "Select a valid choice"),
])
def test_a_bad_step_value_shows_its_error_next_to_the_field_and_keeps_the_input(admin_client, plan, organiser_shop,
                                                                                field, value, message):
    drawer = _step(plan, organiser_shop.drawer)
    data = {f"step-{drawer.pk}-{k}": v for k, v in {
        "material_efficiency": "0", "time_efficiency": "0", "tax_per_run": "0"}.items()}
    data[f"step-{drawer.pk}-{field}"] = value

    response = admin_client.post(f"/plans/{plan.pk}/steps/{drawer.pk}/", data, headers=HTMX)

    html = page_html(response)
    assert response.status_code == 400
    assert message in html and f'id="id_step-{drawer.pk}-{field}_error"' in html
    assert "collapse show" in html                                       # the form stays open
    drawer.refresh_from_db()
    assert drawer.material_efficiency == 0 and drawer.tax_per_run == 0 and drawer.location == organiser_shop.room


# --- generation -------------------------------------------------------------------------------------

def test_the_preview_lists_jobs_deepest_first_materials_and_writes_nothing(admin_client, plan, printers):
    response = admin_client.get(f"/plans/{plan.pk}/generate/?quantity=10&parallelism=1", headers=HTMX)

    html = page_html(response)
    jobs = html[html.index("Jobs, deepest first"):]
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="generate-panel"')
    assert jobs.index("Handle") < jobs.index("Drawer") < jobs.index("Desk organiser")
    assert "PETG White" in html and "1,500 g" in html                      # 10 runs × 150 g
    assert 'name="quantity" value="10"' in html and "Generate 10 × Desk organiser" in html
    assert not ProductionPlanRun.objects.exists()


@pytest.mark.parametrize("quantity, message", [
    ("0", "Enter at least 1 piece."), ("-1", "Enter at least 1 piece."), ("2.5", "Enter a whole number of pieces."),
    ("ten", "Enter a whole number of pieces."), ("", "Enter how many pieces to make."),
])
def test_generating_a_bad_quantity_shows_the_field_error_and_writes_nothing(admin_client, plan, quantity, message):
    preview = admin_client.get(f"/plans/{plan.pk}/generate/", {"quantity": quantity}, headers=HTMX)
    response = admin_client.post(f"/plans/{plan.pk}/generate/", {"quantity": quantity, "parallelism": "0"})

    assert preview.status_code == 400 and message in page_html(preview)
    assert response.status_code == 400
    assert response.context["form"].errors["quantity"] == [message]
    assert 'id="id_quantity_error"' in page_html(response)
    assert not ProductionPlanRun.objects.exists() and not JobQueueEntry.objects.exists()


def test_generating_10_creates_the_plan_run_and_opens_it(admin_client, plan, printers):
    response = admin_client.post(f"/plans/{plan.pk}/generate/", {"quantity": "10", "parallelism": "0"})

    run = ProductionPlanRun.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/plan-runs/{run.pk}/"
    assert run.quantity == 10 and run.jobs.count() >= 3
    page = admin_client.get(response["Location"])
    assert f"Plan run #{run.pk} generated" in page_html(page) and "Pending" in page_html(page)


# --- plan runs and jobs -------------------------------------------------------------------------------

def test_the_plan_run_page_lists_jobs_deepest_first_with_progress(admin_client, plan_run_on_printers):
    JobQueueEntry.objects.filter(pk=plan_run_on_printers.jobs.order_by("-sort_order", "id").first().pk).update(
        status="completed")

    response = admin_client.get(f"/plan-runs/{plan_run_on_printers.pk}/")

    html = page_html(response)
    depths = [job.depth for job in response.context["jobs"]]
    assert depths == sorted(depths, reverse=True)
    assert "In progress" in html and f"1 / {plan_run_on_printers.jobs.count()}" in html


def test_cancelling_a_plan_run_says_how_many_jobs_were_cancelled(admin_client, plan_run_on_printers):
    jobs = list(plan_run_on_printers.jobs.order_by("pk"))
    JobQueueEntry.objects.filter(pk=jobs[0].pk).update(status="active")

    response = admin_client.post(f"/plan-runs/{plan_run_on_printers.pk}/cancel/", follow=True)

    cancelled = len(jobs) - 1
    assert response.redirect_chain == [(f"/plan-runs/{plan_run_on_printers.pk}/", 302)]
    assert f"{cancelled} jobs cancelled." in page_html(response)
    assert plan_run_on_printers.jobs.filter(status="cancelled").count() == cancelled


def test_deleting_a_plan_run_keeps_its_jobs(admin_client, plan_run_on_printers):
    jobs = set(plan_run_on_printers.jobs.values_list("pk", flat=True))

    response = admin_client.post(f"/plan-runs/{plan_run_on_printers.pk}/delete/", follow=True)

    assert response.redirect_chain == [("/plan-runs/", 302)]
    assert f"Plan run #{plan_run_on_printers.pk} deleted" in page_html(response)
    assert set(JobQueueEntry.objects.filter(plan_run__isnull=True).values_list("pk", flat=True)) == jobs


def _wizard_through(client, job, workstation, before_create=lambda: None):
    """Start ``job`` through the run wizard's four steps with what it prefills; the final response."""
    query = f"?job={job.pk}"
    first = client.get(f"/runs/new/{query}")
    form = first.context["wizard"].basics                  # as shown: the job's initial values or a saved draft
    started, duration = form["started_at"].value(), form["estimated_duration_s"]
    client.post(f"/runs/new/{query}", {
        "started_at": started if isinstance(started, str) else started.strftime("%Y-%m-%dT%H:%M"),
        "estimated_duration_s": duration.field.prepare_value(duration.value()) or "",
        "slicer": form["slicer"].value() or "", "workstation": workstation.pk, "action": "next"})
    assert client.post(f"/runs/new/items/{query}", {"action": "next"})["Location"] == f"/runs/new/materials/{query}"
    materials = client.get(f"/runs/new/materials/{query}").context["wizard"].materials
    data = {"materials-TOTAL_FORMS": str(len(materials.forms)), "materials-INITIAL_FORMS": "0", "action": "next"}
    for form in materials.forms:
        data.update({f"{form.prefix}-{name}": form[name].value() or "" for name in form.fields})
    client.post(f"/runs/new/materials/{query}", data)
    before_create()
    return client.post(f"/runs/new/review/{query}", {"action": "create"}, follow=True)


def test_start_on_the_job_queue_opens_the_run_wizard_prefilled(client_as, operator_user, tenant, admin_user,
                                                               plan_run_on_printers, organiser_shop, printers):
    spool = receive_spool(tenant=tenant, by=admin_user, material=organiser_shop.pla, location=organiser_shop.room)
    job = plan_run_on_printers.jobs.order_by("-sort_order", "id").first()                  # the handles: PLA only
    client = client_as(operator_user)
    assert f'href="/runs/new/?job={job.pk}"' in page_html(client.get("/jobs/"))

    wizard = client.get(f"/runs/new/items/?job={job.pk}").context["wizard"]
    assert [(form.cleaned_data["product"], form.cleaned_data["quantity"]) for form in wizard.items.forms] == [
        (organiser_shop.handle, job.quantity)]
    materials = client.get(f"/runs/new/materials/?job={job.pk}").context["wizard"].material_rows()
    assert [(row["spool"], row["form"]["estimated_weight_g"].value()) for row in materials] == [
        (spool, str(run_services.job_material_grams(job)[organiser_shop.pla.pk]))]

    response = _wizard_through(client, job, printers[1])

    run = ProductionRun.objects.get(job=job)
    job.refresh_from_db()
    assert response.redirect_chain == [(f"/runs/{run.pk}/", 302)]
    assert f"Production run {run.run_number} started for job #{job.pk}" in page_html(response)
    assert (job.status, job.workstation, run.workstation) == ("active", printers[1], printers[1])
    assert run.estimated_duration_s == job.estimated_duration_s               # shown as "2h", read back the same
    assert [item.quantity for item in run.items.all()] == [job.quantity]


def test_a_job_started_with_a_gcode_file_keeps_the_file_and_its_estimate(client_as, operator_user, tenant, admin_user,
                                                                         plan_run_on_printers, organiser_shop,
                                                                         printers):
    from pathlib import Path

    from django.core.files.uploadedfile import SimpleUploadedFile

    receive_spool(tenant=tenant, by=admin_user, material=organiser_shop.pla, location=organiser_shop.room)
    job = plan_run_on_printers.jobs.order_by("-sort_order", "id").first()
    client = client_as(operator_user)
    started = client.get(f"/runs/new/?job={job.pk}").context["wizard"].basics["started_at"].value()
    gcode = Path(__file__).resolve().parent.parent / "fixtures" / "gcode" / "01_box_40mm_pla_0.20mm.gcode"
    client.post(f"/runs/new/?job={job.pk}", {
        "started_at": started.strftime("%Y-%m-%dT%H:%M"), "workstation": printers[0].pk, "action": "gcode_upload",
        "gcode": SimpleUploadedFile(gcode.name, gcode.read_bytes())})

    _wizard_through(client, job, printers[0])

    run = ProductionRun.objects.get(job=job)
    assert run.gcode_filename == gcode.name and run.gcode_estimate["print_time_s"] == 5360
    assert run.estimated_duration_s == 5360                                    # the file's time, not the job's
    assert [item.quantity for item in run.items.all()] == [job.quantity]      # a job prints its own pieces


def test_a_job_started_elsewhere_while_create_waits_is_refused_on_the_review(transactional_db, client_as, operator_user,
                                                                             plan_run_on_printers, printers):
    """A race on PostgreSQL: the page saw the job planned; another connection holds the job's row,
    starts it and commits while Create waits for the lock; job_start then refuses (409) and the
    review says so."""
    import threading

    from django.db import connection, transaction

    job = plan_run_on_printers.jobs.order_by("-sort_order", "id").first()
    client = client_as(operator_user)
    locked, release = threading.Event(), threading.Event()

    def start_elsewhere():
        try:
            with transaction.atomic():
                JobQueueEntry.objects.select_for_update().get(pk=job.pk)
                JobQueueEntry.objects.filter(pk=job.pk).update(status="active")
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    def release_soon():
        threading.Timer(1.0, release.set).start()

    other = threading.Thread(target=start_elsewhere)
    response = _wizard_through(client, job, printers[0], before_create=lambda: (other.start(), locked.wait(10),
                                                                                release_soon()))
    other.join(10)

    assert response.status_code == 409 and not ProductionRun.objects.exists()
    html = page_html(response)
    assert 'id="review-errors"' in html and f"Job {job.pk} is active; cannot start." in html


def test_a_job_that_is_no_longer_planned_does_not_open_the_wizard(client_as, operator_user, plan_run_on_printers):
    job = plan_run_on_printers.jobs.first()
    services.job_cancel(job=job)

    response = client_as(operator_user).get(f"/runs/new/?job={job.pk}", follow=True)

    assert response.redirect_chain == [("/jobs/", 302)]
    assert f"Job #{job.pk} is cancelled; only planned jobs start." in page_html(response)


def test_a_job_cancelled_while_its_wizard_is_open_is_refused_on_create(client_as, operator_user, plan_run_on_printers,
                                                                       printers):
    job = plan_run_on_printers.jobs.order_by("-sort_order", "id").first()
    client = client_as(operator_user)
    client.get(f"/runs/new/?job={job.pk}")
    JobQueueEntry.objects.filter(pk=job.pk).update(status="active")             # someone else started it

    response = client.post(f"/runs/new/review/?job={job.pk}", {"action": "create"}, follow=True)

    assert response.redirect_chain == [("/jobs/", 302)] and not ProductionRun.objects.exists()


def test_an_operator_cancels_a_job(client_as, operator_user, plan_run_on_printers):
    job = plan_run_on_printers.jobs.first()

    response = client_as(operator_user).post(f"/jobs/{job.pk}/cancel/", {"next": "/jobs/?status=all"}, follow=True)

    job.refresh_from_db()
    assert response.redirect_chain == [("/jobs/?status=all", 302)]
    assert job.status == "cancelled" and f"Job #{job.pk} (" in page_html(response)


def test_the_sidebar_links_the_plans_pages(admin_client, plan):
    html = page_html(admin_client.get(f"/plans/{plan.pk}/"))

    assert 'href="/plans/"' in html and 'href="/plan-runs/"' in html and 'href="/jobs/"' in html
    assert 'class="nav-link active" href="/plans/"' in html
    assert "Production runs" in html and "Stockpiles" in html                 # still "soon"


def test_a_location_for_the_editor_is_offered_to_managers_only(client_as, admin_user, viewer_user, plan):
    LocationFactory(tenant=plan.tenant, name="Back room")

    assert "Back room" in page_html(client_as(admin_user).get(f"/plans/{plan.pk}/"))
    assert "Back room" not in page_html(client_as(viewer_user).get(f"/plans/{plan.pk}/"))


def test_the_job_queue_says_which_jobs_wait_for_parts_and_which_have_them(admin_client, plan_run, organiser_shop,
                                                                          admin_user):
    from inventory.services import stock_adjust

    stock_adjust(tenant=plan_run.tenant, by=admin_user, item_type=organiser_shop.drawer,
                 location=organiser_shop.room, quantity=Decimal("3"), note="Stock count")

    html = page_html(admin_client.get("/jobs/"))

    assert "Waiting for" in html and "20 pcs Drawer (3 here)" in html          # the 10 organisers
    assert "10 pcs Handle (0 here)" in html                                      # the 20 drawers' handles
    assert "Parts on hand" in html                                               # the handles take only filament


def test_starting_a_waiting_job_warns_and_names_what_is_missing(admin_client, plan_run):
    waiting, ready = plan_run.jobs.get(depth=0), plan_run.jobs.get(depth=2)     # organisers; filament-only handles

    warned = page_html(admin_client.get(f"/runs/new/?job={waiting.pk}"))
    quiet = page_html(admin_client.get(f"/runs/new/?job={ready.pk}"))

    assert 'id="job-waiting"' in warned and "it needs\n    20 pcs Drawer (0 there)." in warned
    assert "You can still start it." in warned
    assert 'id="job-waiting"' not in quiet
