"""Generation: runs per step, exact ME rounding, merging, sort order, skips, parallelism."""
from __future__ import annotations

from decimal import Decimal

import pytest

from plans import services
from plans.generation import plan_generation_compute
from plans.models import JobQueueEntry, ProductionPlanRun, TransportJob
from prodtrack.exceptions import ValidationError
from tests.factories import ProductFactory, make_recipe


def runs_by_product(generation):
    totals: dict[str, int] = {}
    for job in generation.jobs:
        totals[job.recipe.product.name] = totals.get(job.recipe.product.name, 0) + job.runs
    return totals


@pytest.mark.parametrize("quantity,expected", [
    (1, {"Desk organiser": 1, "Drawer": 1, "Handle": 1}),     # 2 drawers = 1 run; 1 handle ≥ runs → 1 run
    (10, {"Desk organiser": 10, "Drawer": 10, "Handle": 1}),  # 20 drawers = 10 runs; 10 handles = 1 run
    (11, {"Desk organiser": 11, "Drawer": 11, "Handle": 2}),  # 22 drawers = 11 runs; 11 handles = 2 runs
])
def test_runs_per_step(plan, quantity, expected):
    assert runs_by_product(plan_generation_compute(plan=plan, quantity=quantity)) == expected


def test_raw_materials_are_summed_with_material_efficiency(plan, organiser_shop):
    root = plan.steps.get(parent__isnull=True)
    services.production_plan_step_update(step=root, data={"material_efficiency": Decimal("10")})

    generation = plan_generation_compute(plan=plan, quantity=10)

    needs = {need.item_type.name: need.quantity for need in generation.materials}
    # organiser: 10 runs × 150 g × 0.9 = 1350 g PETG; drawers: 2 × 10 × 0.9 = 18 → 18 drawers = 9 runs
    # × 40 g = 360 g PLA; handles: max(9, 9) = 9 → 1 run × 5 g = 5 g PLA
    assert needs == {"PETG White": Decimal("1350.0"), "PLA Black": Decimal("365")}
    assert runs_by_product(generation) == {"Desk organiser": 10, "Drawer": 9, "Handle": 1}


@pytest.mark.parametrize("runs,per_run,me,expected", [
    (7, "10", "10", 63),      # 7 × 10 × 0.9 = 63 exactly; binary floats give 63.00000000000001 → 64
    (3, "10", "10", 27),
    (10, "1.1", "0", 11),     # 10 × 1.1 = 11 exactly (floats: 11.000000000000002 → 12)
    (3, "1", "50", 3),        # 1.5 → 2, but never fewer than one per run: max(3, 2) = 3
    (9, "1.1", "0", 10),      # 9.9 → 10
])
def test_me_rounding_is_exact_decimal(tenant, organiser_shop, runs, per_run, me, expected):
    widget, part = ProductFactory(tenant=tenant, name="Widget"), ProductFactory(tenant=tenant, name="Part")
    make_recipe(tenant=tenant, product=widget, inputs=[(part, per_run)], output_quantity=1)
    make_recipe(tenant=tenant, product=part, inputs=[(organiser_shop.pla, "1")], output_quantity=1)
    plan = services.production_plan_create(tenant=tenant, name="Widgets", product=widget,
                                           root={"material_efficiency": Decimal(me)})
    services.production_plan_step_add(parent=plan.steps.get(), product=part)

    generation = plan_generation_compute(plan=plan, quantity=runs)

    assert runs_by_product(generation)["Part"] == expected


def test_identical_jobs_from_two_branches_merge_keeping_the_deepest_depth(tenant, organiser_shop):
    kit = ProductFactory(tenant=tenant, name="Kit")
    make_recipe(tenant=tenant, product=kit, inputs=[(organiser_shop.drawer, "1"), (organiser_shop.handle, "3")])
    plan = services.production_plan_create(tenant=tenant, name="Kits", product=kit)
    root = plan.steps.get()
    drawer = services.production_plan_step_add(parent=root, product=organiser_shop.drawer)
    services.production_plan_step_add(parent=drawer, product=organiser_shop.handle)     # depth 2
    services.production_plan_step_add(parent=root, product=organiser_shop.handle)       # depth 1

    generation = plan_generation_compute(plan=plan, quantity=20)

    handles = [job for job in generation.jobs if job.recipe.product == organiser_shop.handle]
    assert len(handles) == 1
    assert handles[0].runs == 1 + 6          # 10 handles for 10 drawer runs → 1 run; 60 handles → 6 runs
    assert handles[0].depth == 2 and handles[0].sort_order == 4
    assert [job.sort_order for job in generation.jobs] == sorted((j.sort_order for j in generation.jobs), reverse=True)


def test_steps_without_a_usable_recipe_are_skipped_with_a_reason(plan, organiser_shop):
    organiser_shop.handle_recipe.is_active = False
    organiser_shop.handle_recipe.save()

    generation = plan_generation_compute(plan=plan, quantity=4)

    assert [(s.product_name, s.reason) for s in generation.skipped] == [
        ("Handle", "recipe 'Handle plate' is inactive")]
    assert runs_by_product(generation) == {"Desk organiser": 4, "Drawer": 4}


def test_parallelism_splits_runs_over_the_least_loaded_printers(plan, printers):
    generation = plan_generation_compute(plan=plan, quantity=10, parallelism=2)

    organiser_jobs = [job for job in generation.jobs if job.recipe.product.name == "Desk organiser"]
    assert sorted(job.runs for job in organiser_jobs) == [5, 5]
    assert len({job.workstation.pk for job in organiser_jobs}) == 2
    assert sum(job.estimated_cost for job in organiser_jobs) == Decimal("45.00")   # 10 × 150 g × 0.03


def test_parallelism_zero_uses_every_able_printer_and_none_leaves_jobs_unassigned(plan, printers, tenant):
    every = plan_generation_compute(plan=plan, quantity=10, parallelism=0)
    assert sorted(j.runs for j in every.jobs if j.recipe.product.name == "Desk organiser") == [3, 3, 4]

    for printer in printers:
        printer.is_active = False
        printer.save()
    none = plan_generation_compute(plan=plan, quantity=10, parallelism=0)
    assert all(job.workstation is None for job in none.jobs) and len(none.jobs) == 3


def test_transport_jobs_take_the_odd_sort_orders_between_child_and_parent(tenant, plan, organiser_shop, admin_user):
    plan.transport_enabled, plan.transport_cost_per_item = True, Decimal("0.10")
    plan.save()
    for product in ("drawer", "handle"):                     # drawers (with their handles) come from the annex
        services.production_plan_step_update(step=plan.steps.get(product=getattr(organiser_shop, product)),
                                             data={"location": organiser_shop.annex})

    result = services.plan_generate(plan=plan, by=admin_user, quantity=5)

    (transport,) = result.transport_jobs
    assert (transport.origin, transport.destination) == (organiser_shop.annex, organiser_shop.room)
    assert transport.items == [{"item_type_id": organiser_shop.drawer.pk, "name": "Drawer", "quantity": 10}]
    assert transport.sort_order == 1 and transport.estimated_cost == Decimal("1.00")
    orders = [job.sort_order for job in result.jobs]
    assert orders == [4, 2, 0]
    assert JobQueueEntry.objects.get(product=organiser_shop.drawer).transport_job == transport


def test_generate_writes_one_run_with_its_jobs_in_a_fixed_number_of_queries(plan, printers, admin_user,
                                                                             django_assert_max_num_queries):
    with django_assert_max_num_queries(14):
        result = services.plan_generate(plan=plan, by=admin_user, quantity=40, parallelism=0)

    assert ProductionPlanRun.objects.count() == 1
    assert result.run.jobs.count() == len(result.jobs) == 9       # 40 + 40 + 4 runs, each over 3 printers
    assert TransportJob.objects.count() == 0


@pytest.mark.parametrize("quantity,parallelism,field", [
    (0, 0, "quantity"), (-3, 0, "quantity"), ("5", 0, "quantity"), (2.5, 0, "quantity"), (5, -1, "parallelism"),
])
def test_bad_quantities_are_refused_and_nothing_is_written(plan, admin_user, quantity, parallelism, field):
    with pytest.raises(ValidationError) as error:
        services.plan_generate(plan=plan, by=admin_user, quantity=quantity, parallelism=parallelism)

    assert field in error.value.fields
    assert ProductionPlanRun.objects.count() == 0 and JobQueueEntry.objects.count() == 0


def test_a_plan_without_a_root_step_is_refused(plan, admin_user):
    plan.steps.all().delete()

    with pytest.raises(ValidationError) as error:
        services.plan_generate(plan=plan, by=admin_user, quantity=1)

    assert "plan" in error.value.fields and ProductionPlanRun.objects.count() == 0


def test_a_child_that_is_no_longer_an_input_is_refused(plan, organiser_shop, admin_user):
    from plans.services import InputSpec, recipe_update

    recipe_update(recipe=organiser_shop.organiser_recipe, data={},
                  inputs=[InputSpec(item_type=organiser_shop.petg, quantity=Decimal("150"))])

    with pytest.raises(ValidationError):
        services.plan_generate(plan=plan, by=admin_user, quantity=1)
    assert ProductionPlanRun.objects.count() == 0


@pytest.mark.parametrize("change,field", [
    ({"material_efficiency": Decimal("101")}, "material_efficiency"),
    ({"time_efficiency": Decimal("-1")}, "time_efficiency"),
])
def test_efficiencies_outside_0_to_100_are_refused(plan, change, field):
    with pytest.raises(ValidationError) as error:
        services.production_plan_step_update(step=plan.steps.get(parent__isnull=True), data=change)
    assert field in error.value.fields


def test_a_step_must_make_an_input_of_its_parent_and_never_its_ancestor(plan, organiser_shop, tenant):
    root = plan.steps.get(parent__isnull=True)
    handle_step = plan.steps.get(product=organiser_shop.handle)
    make_recipe(tenant=tenant, product=organiser_shop.handle, inputs=[(organiser_shop.organiser, "1")],
                name="Odd handle")

    with pytest.raises(ValidationError):
        services.production_plan_step_add(parent=root, product=organiser_shop.handle)   # not an input of organiser
    services.production_plan_step_update(step=handle_step, data={"recipe": organiser_shop.handle.recipes.get(
        name="Odd handle")})
    with pytest.raises(ValidationError) as error:
        services.production_plan_step_add(parent=handle_step, product=organiser_shop.organiser)  # a cycle
    assert "cycle" in error.value.message


def test_materials_are_bought_never_made(plan, organiser_shop):
    root = plan.steps.get(parent__isnull=True)

    with pytest.raises(ValidationError) as error:
        services.production_plan_step_add(parent=root, product=organiser_shop.petg)

    assert "product" in error.value.fields and plan.steps.count() == 3


def test_quantities_beyond_the_limit_are_refused(plan, admin_user):
    with pytest.raises(ValidationError) as error:
        services.plan_generate(plan=plan, by=admin_user, quantity=1_000_001)

    assert "quantity" in error.value.fields and ProductionPlanRun.objects.count() == 0
