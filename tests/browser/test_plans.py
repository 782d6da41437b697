"""A plan from the editor to a running plan run, in a real browser (Chromium, HTMX on): build a
two-level plan, generate it through the dialog, start a job, see the plan run follow its jobs."""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

import pytest
from playwright.sync_api import expect
from rest_framework.test import APIClient

from inventory.models import ItemType, Location
from plans.models import JobQueueEntry, ProductionPlan, ProductionPlanRun
from runs.models import ProductionRun
from tests.factories import (
    LocationFactory,
    MaterialFactory,
    ProductFactory,
    WorkstationFactory,
    make_recipe,
    receive_spool,
)
from tests.support.browser import SCREENSHOTS

pytestmark = pytest.mark.browser


@dataclass(frozen=True)
class OrganiserFarm:
    room: Location          # "Print room", with printers "MK4-01" and "MK4-02" and a 1000 g spool of each material
    organiser: ItemType     # "Desk organiser": 1 from 2 drawers + 150 g "PETG Jet Black", 10 h
    drawer: ItemType        # "Drawer": 2 per plate of 40 g "PLA Galaxy Black", 2 h


@pytest.fixture
def organiser_farm(tenant, admin_user) -> OrganiserFarm:
    """A print room with two printers and spools; a desk organiser made of 2 drawers and PETG, a
    drawer (2 per plate) of PLA."""
    room = LocationFactory(tenant=tenant, name="Print room")
    for name in ("MK4-01", "MK4-02"):
        WorkstationFactory(tenant=tenant, name=name, location=room)
    pla = MaterialFactory(tenant=tenant, name="PLA Galaxy Black", color_hex="#3D3E3D", unit_cost=Decimal("0.025"))
    petg = MaterialFactory(tenant=tenant, name="PETG Jet Black", material="PETG", color_hex="#1B1B1B")
    for material in (pla, petg):
        receive_spool(tenant=tenant, by=admin_user, material=material, location=room, grams="1000")
    organiser, drawer = ProductFactory(tenant=tenant, name="Desk organiser"), ProductFactory(tenant=tenant,
                                                                                          name="Drawer")
    make_recipe(tenant=tenant, product=organiser, inputs=[(drawer, "2"), (petg, "150")], duration_s=36000)
    make_recipe(tenant=tenant, product=drawer, inputs=[(pla, "40")], output_quantity=2, duration_s=7200)
    return OrganiserFarm(room=room, organiser=organiser, drawer=drawer)


def test_a_manager_builds_a_plan_generates_it_and_starts_a_job(
        transactional_db, page_at, viewport, log_in, screenshot, organiser_farm, admin_user):
    page = page_at(viewport)
    log_in(page, admin_user)

    # An empty list says what to do; "New plan" opens the dialog.
    page.goto("/plans/")
    expect(page.get_by_text("No plans yet.")).to_be_visible()
    page.locator(".page-header").get_by_role("link", name="New plan").click()
    dialog = page.locator("#new-plan-modal")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Name").fill("Organisers")
    dialog.get_by_label("Product").select_option(label="Desk organiser")
    page.screenshot(path=str(SCREENSHOTS / f"{viewport}-plans-new.png"))       # the dialog: the viewport
    dialog.get_by_role("button", name="Create plan").click()

    plan = ProductionPlan.objects.get()
    root = plan.steps.get(parent__isnull=True)
    expect(page).to_have_url(re.compile(rf"/plans/{plan.pk}/$"))
    page.wait_for_load_state()                     # htmx binds the step forms once the page has loaded
    expect(page.get_by_role("alert")).to_contain_text("Plan Organisers created")
    expect(page.locator(".step-node")).to_have_count(1)

    # Edit the root step in place: put it in the print room.
    node = page.locator(f"#step-{root.pk}")
    node.get_by_role("button", name="Edit step Desk organiser").click()
    expect(node.locator(".step-edit")).to_have_class(re.compile(r"\bshow\b"))   # opened, not still sliding
    expect(node.get_by_label("Material saving %")).to_be_visible()              # the shop's words, with help
    expect(node.get_by_label("Extra cost per plate (EUR)")).to_be_visible()
    screenshot(page, f"{viewport}-plan-step-edit")
    node.get_by_label("Location").select_option(label="Print room")
    node.get_by_role("button", name="Save step").click()
    expect(page.locator(f"#step-{root.pk}")).to_contain_text("Saved")
    expect(page.locator(f"#step-{root.pk} .step-facts")).to_contain_text("Print room")

    # Buy → make: the drawer gets its own step, without a page load.
    page.evaluate("window.notReloaded = true")
    page.get_by_role("button", name="Make Drawer").click()
    expect(page.locator(".step-node")).to_have_count(2)
    expect(page.locator("#step-count")).to_have_text("2 steps")
    drawer_step = plan.steps.get(product=organiser_farm.drawer)
    expect(page.locator(f"#step-{drawer_step.pk}")).to_contain_text("Drawer")
    assert page.evaluate("window.notReloaded") is True
    assert drawer_step.location == organiser_farm.room
    screenshot(page, f"{viewport}-plan-editor")

    # Generate 10 through the dialog: a bad quantity first, then the preview, then confirm.
    page.get_by_role("link", name="Generate…").click()
    generate = page.locator("#generate-modal")
    expect(generate).to_be_visible()
    generate.get_by_label("Quantity").fill("0")
    generate.get_by_role("button", name="Preview").click()
    expect(generate.get_by_text("Enter at least 1 piece.")).to_be_visible()
    generate.get_by_label("Quantity").fill("10")
    generate.get_by_label("Parallelism").fill("1")
    generate.get_by_role("button", name="Preview").click()
    preview = generate.locator("#generate-preview")
    expect(preview).to_be_visible()
    expect(preview.locator("tbody tr")).to_have_count(2)
    expect(preview.locator("tbody tr").first).to_contain_text("Drawer")      # deepest first
    expect(preview).to_contain_text("PETG Jet Black")                          # a material to source
    page.screenshot(path=str(SCREENSHOTS / f"{viewport}-generate-preview.png"))
    assert not ProductionPlanRun.objects.exists()
    generate.get_by_role("button", name="Generate 10 × Desk organiser").click()

    plan_run = ProductionPlanRun.objects.get()
    expect(page).to_have_url(re.compile(rf"/plan-runs/{plan_run.pk}/$"))
    page.wait_for_load_state()
    expect(page.get_by_role("alert")).to_contain_text(f"Plan run #{plan_run.pk} generated: 2 jobs")
    expect(page.locator("h1")).to_contain_text("Pending")
    jobs = page.locator("tbody tr")
    expect(jobs).to_have_count(2)
    screenshot(page, f"{viewport}-plan-run-pending")

    # Start the drawers (the deepest job) from the run page.
    drawers = JobQueueEntry.objects.get(plan_run=plan_run, product=organiser_farm.drawer)
    # Start opens the run wizard prefilled from the job: Next, Next, Next, Create.
    page.locator(f"#job-{drawers.pk}").get_by_role("link", name=re.compile("Start")).click()
    expect(page.locator("h1")).to_contain_text(f"job #{drawers.pk}")
    for step in ("Items", "Materials", "Review"):
        page.get_by_role("button", name="Next").click()
        expect(page.locator('[aria-current="step"]')).to_contain_text(step)
    page.get_by_role("button", name="Create run").click()
    run = ProductionRun.objects.get(job=drawers)
    expect(page.get_by_role("alert")).to_contain_text(f"Production run {run.run_number} started for job #{drawers.pk}")
    page.goto(f"/plan-runs/{plan_run.pk}/")
    expect(page.locator(f"#job-{drawers.pk}")).to_contain_text("Active")
    expect(page.locator("h1")).to_contain_text("In progress")

    # Its production run is completed through the API; the page follows on reload.
    api = APIClient()
    api.force_authenticate(admin_user)
    response = api.post(f"/api/v1/production-runs/{run.pk}/complete", {
        "materials": [{"material_id": m.pk, "use_estimate": True} for m in run.materials.all()]}, format="json")
    assert response.status_code == 200, response.content
    page.reload()
    expect(page.locator(f"#job-{drawers.pk}")).to_contain_text("Completed")
    expect(page.locator("h1")).to_contain_text("In progress")
    expect(page.locator(".run-progress")).to_contain_text("1 / 2 completed")
    screenshot(page, f"{viewport}-plan-run-in-progress")

    # The queue shows the other job, open, under its printer; the run list the new status.
    page.goto("/jobs/")
    expect(page.locator("#results tbody tr")).to_have_count(1)
    screenshot(page, f"{viewport}-job-queue")
    page.goto("/plan-runs/")
    expect(page.locator("#results tbody tr").first).to_contain_text("In progress")
    screenshot(page, f"{viewport}-plan-runs")


def test_make_then_buy_asks_first_and_removes_the_step(transactional_db, page_at, log_in, organiser_farm, tenant,
                                                       admin_user):
    from plans import services

    plan = services.production_plan_create(tenant=tenant, name="Organisers", product=organiser_farm.organiser)
    services.production_plan_step_add(parent=plan.steps.get(), product=organiser_farm.drawer)
    page = page_at("desktop")
    log_in(page, admin_user)

    page.goto(f"/plans/{plan.pk}/")
    expect(page.locator(".step-node")).to_have_count(2)
    page.get_by_role("button", name="Buy Drawer").click()
    confirm = page.locator("#confirm-modal")
    expect(confirm).to_contain_text("Buy Drawer instead of making it?")
    confirm.get_by_role("button", name="Cancel").click()
    expect(page.locator(".step-node")).to_have_count(2)

    page.get_by_role("button", name="Buy Drawer").click()
    confirm.get_by_role("button", name="Buy instead").click()
    expect(page.locator(".step-node")).to_have_count(1)
    expect(page.get_by_role("button", name="Make Drawer")).to_be_visible()
    assert plan.steps.count() == 1
