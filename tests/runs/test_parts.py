"""Runs consume the parts and components their recipes take (DESIGN §4): usage rows at the run's
location for the plates attempted, prefilled and editable, refused when the location is short,
restored by a void, kept by completed → failed, and costed."""
from __future__ import annotations

from decimal import Decimal

import pytest

from inventory.models import InventoryTransaction
from inventory.selectors import stock_on_hand
from plans import services as plan_services
from prodtrack.exceptions import ValidationError
from runs import services
from runs.models import ProductionRun, ProductionRunPart
from runs.services import ItemOutcome, ItemSpec, MaterialActual, MaterialSpec, PartUse
from tests.factories import ComponentFactory, ProductFactory, make_recipe
from tests.support.pages import page_html

pytestmark = pytest.mark.django_db


def on_hand(tenant, location, *items) -> list[Decimal]:
    stock = stock_on_hand(tenant=tenant, pairs=[(item.pk, location.pk) for item in items])
    return [stock[(item.pk, location.pk)] for item in items]


def part_usage(run) -> dict[str, Decimal]:
    return dict(InventoryTransaction.objects.filter(
        reference_type="production_run", reference_id=str(run.pk), transaction_type="usage", spool__isnull=True)
        .values_list("item_type__name", "quantity"))


def complete_url(run) -> str:
    return f"/api/v1/production-runs/{run.pk}/complete"


def sets_run(shop, print_parts, start_assembly, *, drawers: int, frames: int, sets: int = 2):
    """``drawers`` and ``frames`` printed into the print room, then a run assembling ``sets`` sets
    (each takes 2 drawers and a frame) started."""
    print_parts(shop.drawer, drawers)
    print_parts(shop.frame, frames)
    return start_assembly(shop.organiser_set, sets)


# --- the table: parts made, then consumed by their assembly ---------------------------------

def test_two_organiser_sets_use_the_drawers_and_frames_made_for_them(tenant, admin_user, assembly_shop, print_parts,
                                                                   start_assembly):
    shop = assembly_shop
    before = on_hand(tenant, shop.room, shop.drawer, shop.frame)
    print_parts(shop.drawer, 4)
    print_parts(shop.frame, 2)
    assert on_hand(tenant, shop.room, shop.drawer, shop.frame) == [before[0] + 4, before[1] + 2]

    run = services.production_run_complete(run=start_assembly(shop.organiser_set, 2), by=admin_user)

    assert on_hand(tenant, shop.room, shop.drawer, shop.frame, shop.organiser_set) == [*before, 2]
    assert part_usage(run) == {"Organiser drawer": Decimal("-4"), "Organiser frame": Decimal("-2")}
    parts = {p.item_type.name: (p.estimated_quantity, p.quantity) for p in run.parts.select_related("item_type")}
    assert parts == {"Organiser drawer": (4, 4), "Organiser frame": (2, 2)}
    assert run.actual_cost == run.estimated_cost == Decimal("10.00")      # 4 × 1.50 + 2 × 2.00


def test_four_weighted_bases_use_the_shells_and_steel_shot_in_the_warehouse(tenant, admin_user, assembly_shop,
                                                                           print_parts, start_assembly, buy):
    shop = assembly_shop
    buy(shop.steel_shot, 40, shop.warehouse)
    print_parts(shop.shell, 4)
    assert on_hand(tenant, shop.warehouse, shop.shell, shop.steel_shot) == [4, 40]

    run = services.production_run_complete(run=start_assembly(shop.base, 4), by=admin_user)

    assert on_hand(tenant, shop.warehouse, shop.shell, shop.steel_shot, shop.base) == [0, 36, 4]
    assert part_usage(run) == {"Base shell": Decimal("-4"), "Steel shot, 250 g bag": Decimal("-4")}
    assert run.actual_cost == Decimal("8.00")                               # 4 × 0.90 + 4 × 1.10


# --- how much: plates attempted, the job's material saving ---------------------------------------

def test_parts_are_taken_per_plate_attempted_rounded_up(tenant, admin_user, assembly_shop, buy):
    shop = assembly_shop
    clip, magnet = ProductFactory(tenant=tenant, name="Magnet clip"), ComponentFactory(tenant=tenant, name="Magnet")
    make_recipe(tenant=tenant, product=clip, inputs=[(magnet, "3"), (shop.pla_spool.item_type, "20")],
                output_quantity=4)
    buy(magnet, 20)
    run = services.production_run_create(tenant=tenant, by=admin_user, workstation=shop.printer,
                                         items=[ItemSpec(product=clip, quantity=8)],
                                         materials=[MaterialSpec(spool=shop.pla_spool)])

    # 4 good + 1 failed = 5 attempted of 8 planned: 2 plates of 4, 3 magnets a plate.
    run = services.production_run_complete(
        run=run, by=admin_user, materials=[MaterialActual(material_id=run.materials.get().pk, use_estimate=True)],
        items=[ItemOutcome(item_id=run.items.get().pk, successful_quantity=4, failed_quantity=1,
                           waste_reason="magnet fell out")])

    assert part_usage(run) == {"Magnet": Decimal("-6")}
    assert on_hand(tenant, shop.room, magnet) == [14]


def test_a_job_run_takes_what_the_job_planned_with_its_material_saving(tenant, admin_user, assembly_shop,
                                                                      print_parts):
    shop = assembly_shop
    plan = plan_services.production_plan_create(tenant=tenant, name="Sets", product=shop.organiser_set,
                                                root={"location": shop.room, "material_efficiency": Decimal("25")})
    generated = plan_services.plan_generate(plan=plan, by=admin_user, quantity=4, parallelism=1)
    (job,) = generated.run.jobs.all()
    print_parts(shop.drawer, 6)          # max(4, ⌈4 plates × 2 × 75 %⌉) = 6, not 8
    print_parts(shop.frame, 3)           # max(4, ⌈4 × 1 × 75 %⌉) = 4: one short
    print_parts(shop.frame, 1)

    run = services.job_start(job=job, by=admin_user, workstation=shop.bench)
    run = services.production_run_complete(run=run, by=admin_user)

    assert part_usage(run) == {"Organiser drawer": Decimal("-6"), "Organiser frame": Decimal("-4")}
    assert on_hand(tenant, shop.room, shop.drawer, shop.frame, shop.organiser_set) == [0, 0, 4]


# --- what the operator says wins; what the shelf lacks is refused -----------------------------------

def test_the_parts_given_replace_the_recipes_figure_and_may_add_parts(api, tenant, assembly_shop, print_parts,
                                                                      start_assembly, buy):
    shop = assembly_shop
    buy(shop.steel_shot, 2)
    run = sets_run(shop, print_parts, start_assembly, drawers=4, frames=2)

    response = api.post(complete_url(run), {"parts": [
        {"item_type": shop.drawer.pk, "quantity": "3"},
        {"item_type": shop.steel_shot.pk, "quantity": "1"}]}, format="json")

    assert response.status_code == 200, response.json()
    by_name = {p["item_type"]["name"]: p for p in response.json()["parts"]}
    assert {name: (p["estimated_quantity"], p["quantity"]) for name, p in by_name.items()} == {
        "Organiser drawer": ("4.000", "3.000"), "Organiser frame": ("2.000", "2.000"),
        "Steel shot, 250 g bag": ("0.000", "1.000")}
    assert on_hand(tenant, shop.room, shop.drawer, shop.frame, shop.steel_shot) == [1, 0, 1]
    assert response.json()["actual_cost"] == "9.60"                       # 3 × 1.50 + 2 × 2.00 + 1.10


def test_a_shortfall_is_409_naming_item_location_on_hand_and_needed_and_writes_nothing(
        api, tenant, assembly_shop, print_parts, start_assembly):
    shop = assembly_shop
    run = sets_run(shop, print_parts, start_assembly, drawers=3, frames=2)
    rows = InventoryTransaction.objects.count()

    response = api.post(complete_url(run), {}, format="json")

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "stock_short"
    assert body["message"] == "Print room has 3 pcs of Organiser drawer; this needs 4 pcs."
    extra = body["extra"]
    assert (extra["item_type_id"], extra["location_id"], extra["on_hand"], extra["needed"]) == (
        shop.drawer.pk, shop.room.pk, "3", "4")
    run.refresh_from_db()
    assert run.status == ProductionRun.Status.IN_PROGRESS and not run.parts.exists()
    assert InventoryTransaction.objects.count() == rows
    assert on_hand(tenant, shop.room, shop.drawer, shop.frame) == [3, 2]


@pytest.mark.parametrize(("line", "field", "message"), [
    ({"item_type": "pla", "quantity": "1"}, "parts[0].item_type", "PLA Black is filament: record it on the run's spools."),
    ({"item_type": "drawer", "quantity": "-1"}, "parts[0].quantity", None),
    ({"item_type": "other", "quantity": "1"}, "parts[0].item_type", None),
])
def test_bad_parts_are_400_naming_the_line_and_write_nothing(api, tenant, other_tenant, assembly_shop, print_parts,
                                                             start_assembly, line, field, message):
    shop = assembly_shop
    run = sets_run(shop, print_parts, start_assembly, drawers=4, frames=2)
    items = {"pla": shop.pla_spool.item_type, "drawer": shop.drawer,
             "other": ProductFactory(tenant=other_tenant, name="Their drawer")}
    rows = InventoryTransaction.objects.count()

    response = api.post(complete_url(run), {"parts": [{**line, "item_type": items[line["item_type"]].pk}]},
                        format="json")

    assert response.status_code == 400, response.json()
    assert field in response.json()["extra"]["fields"]
    if message:
        assert response.json()["extra"]["fields"][field] == [message]
    assert InventoryTransaction.objects.count() == rows


def test_naming_a_part_twice_is_400(tenant, admin_user, assembly_shop, print_parts, start_assembly):
    shop = assembly_shop
    run = sets_run(shop, print_parts, start_assembly, drawers=4, frames=2)

    with pytest.raises(ValidationError) as refused:
        services.production_run_complete(run=run, by=admin_user, parts=[
            PartUse(item_type=shop.drawer, quantity=Decimal(4)), PartUse(item_type=shop.drawer, quantity=Decimal(3))])

    assert refused.value.fields == {"parts[1].item_type": ["Organiser drawer is named twice."]}


# --- a run records what it used ---------------------------------------------------------------------

def test_completing_with_nothing_used_is_refused_while_the_recipes_take_inputs(tenant, admin_user, assembly_shop,
                                                                              print_parts, start_assembly):
    shop = assembly_shop
    no_filament = services.production_run_create(tenant=tenant, by=admin_user, workstation=shop.printer,
                                                 items=[ItemSpec(product=shop.drawer, quantity=4)])
    with pytest.raises(ValidationError) as refused:
        services.production_run_complete(run=no_filament, by=admin_user)
    assert list(refused.value.fields) == ["materials"]
    assert "Organiser drawer takes inputs" in refused.value.fields["materials"][0]

    print_parts(shop.drawer, 2)
    print_parts(shop.frame, 1)
    assembly = start_assembly(shop.organiser_set, 1)
    with pytest.raises(ValidationError):
        services.production_run_complete(run=assembly, by=admin_user, parts=[
            PartUse(item_type=shop.drawer, quantity=Decimal(0)), PartUse(item_type=shop.frame, quantity=Decimal(0))])

    no_recipe = ProductFactory(tenant=tenant, name="Hand-made sign")
    run = services.production_run_create(tenant=tenant, by=admin_user, workstation=shop.bench,
                                         items=[ItemSpec(product=no_recipe, quantity=1)])
    with pytest.raises(ValidationError) as refused:
        services.production_run_complete(run=run, by=admin_user)
    assert "Hand-made sign takes inputs (or has no recipe" in refused.value.fields["materials"][0]
    assert InventoryTransaction.objects.filter(reference_type="production_run").count() == 2 * 2   # the parts printed


def test_a_product_whose_recipe_takes_nothing_completes_with_nothing_used(tenant, admin_user, assembly_shop):
    shop = assembly_shop
    sample = ProductFactory(tenant=tenant, name="Showroom sample")
    plan_recipe = make_recipe(tenant=tenant, product=sample, inputs=[])
    assert not plan_recipe.inputs.exists()
    run = services.production_run_create(tenant=tenant, by=admin_user, workstation=shop.bench,
                                         items=[ItemSpec(product=sample, quantity=2)])

    run = services.production_run_complete(run=run, by=admin_user)

    assert run.status == ProductionRun.Status.COMPLETED
    assert on_hand(tenant, shop.room, sample) == [2]


# --- after completion: void, completed → failed; failing in progress --------------------------------

def test_a_void_restores_the_parts_and_completed_to_failed_keeps_them_used(tenant, admin_user, assembly_shop,
                                                                          print_parts, start_assembly):
    shop = assembly_shop
    print_parts(shop.drawer, 8)
    print_parts(shop.frame, 4)
    voided = services.production_run_complete(run=start_assembly(shop.organiser_set, 2), by=admin_user)
    failed = services.production_run_complete(run=start_assembly(shop.organiser_set, 2), by=admin_user)
    assert on_hand(tenant, shop.room, shop.drawer, shop.frame, shop.organiser_set) == [0, 0, 4]

    services.production_run_cancel(run=voided, by=admin_user)
    services.production_run_fail(run=failed, by=admin_user)

    assert on_hand(tenant, shop.room, shop.drawer, shop.frame, shop.organiser_set) == [4, 2, 0]
    assert part_usage(failed) == {"Organiser drawer": Decimal("-4"), "Organiser frame": Decimal("-2")}
    failed.refresh_from_db()
    assert failed.actual_cost == Decimal("10.00")


def test_failing_a_run_in_progress_uses_only_the_parts_given(tenant, admin_user, assembly_shop, print_parts,
                                                            start_assembly):
    shop = assembly_shop
    print_parts(shop.drawer, 4)
    print_parts(shop.frame, 2)
    nothing = services.production_run_fail(run=start_assembly(shop.organiser_set, 1), by=admin_user)
    broken = services.production_run_fail(run=start_assembly(shop.organiser_set, 1), by=admin_user,
                                          parts=[PartUse(item_type=shop.drawer, quantity=Decimal(1))])

    assert part_usage(nothing) == {}
    assert part_usage(broken) == {"Organiser drawer": Decimal("-1")}
    assert on_hand(tenant, shop.room, shop.drawer, shop.frame) == [3, 2]
    assert {p.item_type_id: (p.estimated_quantity, p.quantity) for p in ProductionRunPart.objects.filter(run=broken)} == {
        shop.drawer.pk: (2, 1), shop.frame.pk: (1, 0)}


# --- the complete page --------------------------------------------------------------------------------

def _items_form(run) -> dict:
    return {f"item-{item.pk}-{name}": value for item in run.items.all()
            for name, value in (("successful_quantity", item.quantity), ("failed_quantity", 0), ("waste_reason", ""))}


def test_the_complete_page_prefills_the_parts_with_the_stock_beside_them(operator_client, assembly_shop, print_parts,
                                                                       start_assembly):
    shop = assembly_shop
    run = sets_run(shop, print_parts, start_assembly, drawers=3, frames=2)

    html = page_html(operator_client.get(f"/runs/{run.pk}/complete/"))

    assert 'id="complete-parts"' in html
    assert f'name="part-{shop.drawer.pk}-quantity" value="4"' in html
    assert f'name="part-{shop.frame.pk}-quantity" value="2"' in html
    drawer_row = html[html.index(f'id="part-{shop.drawer.pk}"'):html.index(f'id="part-{shop.frame.pk}"')]
    assert "table-warning" in drawer_row and "(short)" in drawer_row         # 3 on hand, 4 needed


def test_the_complete_page_records_the_parts_typed_and_shows_them_on_the_run(operator_client, tenant, assembly_shop,
                                                                           print_parts, start_assembly):
    shop = assembly_shop
    run = sets_run(shop, print_parts, start_assembly, drawers=3, frames=2)

    response = operator_client.post(f"/runs/{run.pk}/complete/", {
        **_items_form(run), f"part-{shop.drawer.pk}-quantity": "3", f"part-{shop.frame.pk}-quantity": "2"})

    assert response.status_code == 302
    assert on_hand(tenant, shop.room, shop.drawer, shop.frame, shop.organiser_set) == [0, 0, 2]
    html = page_html(operator_client.get(f"/runs/{run.pk}/"))
    table = html[html.index('id="run-parts"'):]
    assert "Organiser drawer" in table and "Organiser frame" in table


def test_a_short_shelf_comes_back_on_the_part_row_and_nothing_is_written(operator_client, tenant, assembly_shop,
                                                                        print_parts, start_assembly):
    shop = assembly_shop
    run = sets_run(shop, print_parts, start_assembly, drawers=3, frames=2)

    response = operator_client.post(f"/runs/{run.pk}/complete/", {
        **_items_form(run), f"part-{shop.drawer.pk}-quantity": "4", f"part-{shop.frame.pk}-quantity": "bad"})
    assert response.status_code == 400
    assert "Used must be a number." in page_html(response)

    response = operator_client.post(f"/runs/{run.pk}/complete/", {
        **_items_form(run), f"part-{shop.drawer.pk}-quantity": "4", f"part-{shop.frame.pk}-quantity": "2"})

    assert response.status_code == 409
    html = page_html(response)
    drawer_row = html[html.index(f'id="part-{shop.drawer.pk}"'):html.index(f'id="part-{shop.frame.pk}"')]
    assert "Print room has 3 pcs of Organiser drawer; this needs 4 pcs." in drawer_row
    assert f'name="part-{shop.drawer.pk}-quantity" value="4"' in html
    run.refresh_from_db()
    assert run.status == ProductionRun.Status.IN_PROGRESS
    assert on_hand(tenant, shop.room, shop.drawer, shop.frame) == [3, 2]
