"""Fail, cancel (void), delete, edit and reprint rules."""
from __future__ import annotations

from decimal import Decimal

import pytest
from django.db.models import Sum

from inventory.models import InventoryTransaction, StockBalance
from runs import services
from runs.errors import RunStateError
from runs.models import ProductionRun
from runs.services import ItemOutcome, ItemSpec, MaterialActual, MaterialSpec


def complete(run, by, **kwargs):
    return services.production_run_complete(
        run=run, by=by, materials=[MaterialActual(material_id=m.pk, actual_weight_g=m.estimated_weight_g + 7)
                                   for m in run.materials.all()], **kwargs)


def run_ledger(run):
    return InventoryTransaction.objects.filter(reference_type="production_run", reference_id=str(run.pk))


def test_void_restores_every_spool_to_the_gram_and_the_runs_ledger_sums_to_zero(make_run, farm, admin_user):
    run = complete(make_run(quantity=8, purge="3.33"), admin_user)

    services.production_run_cancel(run=run, by=admin_user, note="wrong spool logged")

    for spool in (farm.pla_spool, farm.petg_spool):
        spool.refresh_from_db()
        assert spool.current_weight_g == Decimal("1000.00")
    assert run_ledger(run).aggregate(s=Sum("quantity"))["s"] == 0
    assert StockBalance.objects.get(item_type=farm.stand, location=farm.room).quantity == 0
    run.refresh_from_db()
    assert run.status == "cancelled"


def test_completed_to_failed_keeps_usage_and_reverses_only_output(make_run, farm, admin_user):
    run = complete(make_run(quantity=8), admin_user)

    services.production_run_fail(run=run, by=admin_user, notes="all pieces cracked in QA")

    farm.pla_spool.refresh_from_db()
    assert farm.pla_spool.current_weight_g == Decimal("753.00")            # 1000 − (240 + 7)
    assert run_ledger(run).filter(transaction_type="production").aggregate(s=Sum("quantity"))["s"] == 8
    assert run_ledger(run).filter(transaction_type="reversal").aggregate(s=Sum("quantity"))["s"] == -8
    assert StockBalance.objects.get(item_type=farm.stand, location=farm.room).quantity == 0
    item = run.items.get()
    assert (item.successful_quantity, item.failed_quantity) == (0, 8)


def test_in_progress_to_failed_may_record_actual_usage(make_run, farm, admin_user):
    run = make_run(quantity=4)
    pla = run.materials.order_by("pk").first()

    services.production_run_fail(run=run, by=admin_user, materials=[
        MaterialActual(material_id=pla.pk, actual_weight_g=Decimal("35"), actual_purge_g=Decimal("0"))])

    farm.pla_spool.refresh_from_db()
    assert farm.pla_spool.current_weight_g == Decimal("965.00")
    assert not run_ledger(run).filter(transaction_type="production").exists()
    run.refresh_from_db()
    assert run.status == "failed" and run.items.get().failed_quantity == 4


def test_a_failed_run_with_usage_can_be_voided(make_run, farm, admin_user):
    run = make_run(quantity=4)
    pla = run.materials.order_by("pk").first()
    services.production_run_fail(run=run, by=admin_user,
                                 materials=[MaterialActual(material_id=pla.pk, actual_weight_g=Decimal("35"))])

    services.production_run_cancel(run=run, by=admin_user)

    farm.pla_spool.refresh_from_db()
    assert farm.pla_spool.current_weight_g == Decimal("1000.00")


def test_cancel_twice_is_409_and_a_cancelled_run_cannot_fail(make_run, admin_user):
    run = make_run()
    services.production_run_cancel(run=run, by=admin_user)

    with pytest.raises(RunStateError):
        services.production_run_cancel(run=run, by=admin_user)
    with pytest.raises(RunStateError):
        services.production_run_fail(run=run, by=admin_user)


@pytest.mark.parametrize("ending", ["complete", "fail", "cancel"])
def test_runs_that_ended_cannot_be_edited(make_run, farm, admin_user, ending):
    run = make_run(quantity=4)
    if ending == "complete":
        complete(run, admin_user)
    else:
        getattr(services, f"production_run_{ending}")(run=run, by=admin_user)
    item, material = run.items.get(), run.materials.first()

    attempts = [
        lambda: services.production_run_update(run=run, data={"notes": "x"}),
        lambda: services.production_run_item_add(run=run, item=ItemSpec(product=farm.stand, quantity=1)),
        lambda: services.production_run_item_update(item=item, data={"quantity": 2}),
        lambda: services.production_run_material_update(material=material, data={"estimated_purge_g": Decimal(1)}),
        lambda: services.production_run_material_remove(material=material),
    ]
    for attempt in attempts:
        with pytest.raises(RunStateError) as error:
            attempt()
        assert error.value.http_status == 409


def test_delete_is_soft_and_refused_for_completed_runs(make_run, admin_user):
    done, open_run = complete(make_run(), admin_user), make_run()

    with pytest.raises(RunStateError):
        services.production_run_delete(run=done)
    services.production_run_delete(run=open_run)

    assert ProductionRun.objects.filter(pk=open_run.pk, deleted_at__isnull=False).exists()
    assert list(ProductionRun.objects.for_tenant(done.tenant)) == [done]


def test_reprint_makes_a_linked_run_for_the_failed_pieces(make_run, admin_user):
    run = make_run(quantity=8, purge="4")
    item = run.items.get()
    complete(run, admin_user, items=[ItemOutcome(item_id=item.pk, successful_quantity=6, failed_quantity=2,
                                                waste_reason="layer shift")])

    reprint = services.production_run_reprint(run=run, by=admin_user)

    assert reprint.original_run == run and reprint.status == "in_progress"
    assert [(i.product_id, i.quantity) for i in reprint.items.all()] == [(item.product_id, 2)]
    pla, petg = reprint.materials.order_by("pk")
    assert (pla.estimated_weight_g, pla.estimated_purge_g, petg.estimated_weight_g) == (
        Decimal("60.00"), Decimal("1.00"), Decimal("10.00"))                # a quarter of the plate
    assert reprint.run_number != run.run_number


def test_reprint_without_failed_pieces_is_409(make_run, admin_user):
    run = complete(make_run(), admin_user)

    with pytest.raises(RunStateError):
        services.production_run_reprint(run=run, by=admin_user)


def test_items_and_materials_change_while_in_progress_and_totals_follow(make_run, farm, tenant, admin_user):
    from tests.factories import receive_spool

    run = make_run(quantity=4)
    extra = receive_spool(tenant=tenant, by=admin_user, material=farm.pla, location=farm.room)

    added = services.production_run_item_add(run=run, item=ItemSpec(product=farm.stand, quantity=2))
    material = services.production_run_material_add(
        run=run, material=MaterialSpec(spool=extra, estimated_weight_g=Decimal("12.5")))
    services.production_run_item_update(item=added, data={"quantity": 3})
    services.production_run_material_update(material=material, data={"estimated_purge_g": Decimal("2")})

    run.refresh_from_db()
    assert added.estimated_cost == Decimal("2.70")     # 2 of 4 cost 60 g × 0.025 + 10 g × 0.03 = 1.80; ×3/2
    assert run.estimated_weight_g == Decimal("152.50") and run.estimated_purge_g == Decimal("2.00")
    services.production_run_material_remove(material=material)
    services.production_run_item_remove(item=added)
    run.refresh_from_db()
    assert run.estimated_weight_g == Decimal("140.00") and run.items.count() == 1


def test_a_void_restores_grams_even_to_a_spool_archived_since(make_run, farm, admin_user):
    from inventory import services as inventory_services

    run = complete(make_run(quantity=4), admin_user)
    inventory_services.spool_archive(spool=farm.pla_spool, by=admin_user)

    services.production_run_cancel(run=run, by=admin_user)

    farm.pla_spool.refresh_from_db()
    assert (farm.pla_spool.current_weight_g, farm.pla_spool.status) == (Decimal("1000.00"), "archived")


def test_a_run_that_uses_a_spool_up_empties_it_and_a_void_reopens_it(make_run, farm, admin_user):
    run = make_run(quantity=4)
    pla, petg = run.materials.order_by("pk")
    services.production_run_complete(run=run, by=admin_user, materials=[
        MaterialActual(material_id=pla.pk, actual_weight_g=Decimal("1000"), actual_purge_g=Decimal("0")),
        MaterialActual(material_id=petg.pk, use_estimate=True)])
    farm.pla_spool.refresh_from_db()
    assert (farm.pla_spool.current_weight_g, farm.pla_spool.status) == (0, "empty")

    services.production_run_cancel(run=run, by=admin_user)

    farm.pla_spool.refresh_from_db()
    assert (farm.pla_spool.current_weight_g, farm.pla_spool.status) == (Decimal("1000.00"), "active")
