"""Completing a run: ledger rows, spool deduction, validation — all or nothing."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone

from inventory import selectors as inventory_selectors
from inventory.errors import SpoolShortError
from inventory.models import InventoryTransaction, StockBalance
from prodtrack.exceptions import ValidationError
from runs import services
from runs.errors import RunStateError
from runs.services import ItemOutcome, MaterialActual


def ledger_rows(run):
    return InventoryTransaction.objects.filter(reference_type="production_run", reference_id=str(run.pk))


def test_complete_deducts_actual_plus_purge_from_each_spool(make_run, farm, admin_user):
    run = make_run(quantity=8, purge="5")          # estimates: 240 g PLA + 5 g purge, 40 g PETG
    pla, petg = run.materials.order_by("pk")

    services.production_run_complete(run=run, by=admin_user, materials=[
        MaterialActual(material_id=pla.pk, actual_weight_g=Decimal("250.50"), actual_purge_g=Decimal("6")),
        MaterialActual(material_id=petg.pk, use_estimate=True)])

    farm.pla_spool.refresh_from_db()
    farm.petg_spool.refresh_from_db()
    assert farm.pla_spool.current_weight_g == Decimal("743.50")       # 1000 − 250.50 − 6
    assert farm.petg_spool.current_weight_g == Decimal("960.00")      # 1000 − 40
    usage = ledger_rows(run).filter(transaction_type="usage")
    assert sorted(usage.values_list("quantity", flat=True)) == [Decimal("-256.5"), Decimal("-40")]
    assert inventory_selectors.spool_drift(tenant=run.tenant) == []


def test_complete_posts_good_pieces_to_the_runs_location(make_run, farm, admin_user):
    run = make_run(quantity=8)
    item = run.items.get()

    completed = services.production_run_complete(
        run=run, by=admin_user, materials=[MaterialActual(material_id=m.pk, use_estimate=True)
                                           for m in run.materials.all()],
        items=[ItemOutcome(item_id=item.pk, successful_quantity=7, failed_quantity=1, waste_reason="warped")],
        quality_rating=4)

    output = ledger_rows(run).get(transaction_type="production")
    assert (output.quantity, output.location, output.item_type) == (Decimal("7"), farm.room, farm.stand)
    assert StockBalance.objects.get(item_type=farm.stand, location=farm.room).quantity == 7
    assert completed.status == "completed" and completed.completed_at is not None
    assert completed.variance_pct == Decimal("0.0")
    item.refresh_from_db()
    assert (item.successful_quantity, item.failed_quantity, item.waste_reason) == (7, 1, "warped")


def test_weight_before_and_after_computes_the_actual(make_run, admin_user):
    run = make_run(quantity=4, purge="3")
    pla, petg = run.materials.order_by("pk")

    services.production_run_complete(run=run, by=admin_user, materials=[
        MaterialActual(material_id=pla.pk, weight_before_g=Decimal("1201.00"), weight_after_g=Decimal("1070.00"),
                       actual_purge_g=Decimal("4")),
        MaterialActual(material_id=petg.pk, use_estimate=True)])

    pla.refresh_from_db()
    assert (pla.actual_weight_g, pla.actual_purge_g) == (Decimal("127.00"), Decimal("4.00"))   # 131 − 4


def test_spool_lacking_the_weight_is_a_409_naming_spool_and_shortfall_and_writes_nothing(make_run, farm,
                                                                                         admin_user):
    run = make_run(quantity=4)
    pla, petg = run.materials.order_by("pk")
    rows_before = InventoryTransaction.objects.count()

    with pytest.raises(SpoolShortError) as error:
        services.production_run_complete(run=run, by=admin_user, materials=[
            MaterialActual(material_id=pla.pk, actual_weight_g=Decimal("1010")),
            MaterialActual(material_id=petg.pk, use_estimate=True)])

    assert error.value.http_status == 409
    assert error.value.extra["spool_id"] == farm.pla_spool.pk and error.value.extra["shortfall_g"] == "10.00"
    assert InventoryTransaction.objects.count() == rows_before
    run.refresh_from_db()
    farm.pla_spool.refresh_from_db()
    assert run.status == "in_progress" and farm.pla_spool.current_weight_g == 1000
    assert not run.materials.filter(actual_weight_g__isnull=False).exists()


def test_missing_actual_weight_is_a_400(make_run, admin_user):
    run = make_run()
    pla = run.materials.order_by("pk").first()

    with pytest.raises(ValidationError) as error:
        services.production_run_complete(run=run, by=admin_user,
                                         materials=[MaterialActual(material_id=pla.pk, use_estimate=True)])

    assert "materials" in error.value.fields
    assert ledger_rows(run).count() == 0


@pytest.mark.parametrize("outcome,rating,field", [
    ((5, 4), None, "items[0].failed_quantity"),     # 9 > 8 planned
    ((8, 0), 6, "quality_rating"),
    ((8, 0), 0, "quality_rating"),
])
def test_outcomes_beyond_plan_and_ratings_outside_1_to_5_are_400(make_run, admin_user, outcome, rating, field):
    run = make_run(quantity=8)
    item = run.items.get()

    with pytest.raises(ValidationError) as error:
        services.production_run_complete(
            run=run, by=admin_user, quality_rating=rating,
            materials=[MaterialActual(material_id=m.pk, use_estimate=True) for m in run.materials.all()],
            items=[ItemOutcome(item_id=item.pk, successful_quantity=outcome[0], failed_quantity=outcome[1])])

    assert field in error.value.fields
    assert ledger_rows(run).count() == 0


def test_completing_twice_is_409(make_run, admin_user):
    run = make_run()
    actuals = [MaterialActual(material_id=m.pk, use_estimate=True) for m in run.materials.all()]
    services.production_run_complete(run=run, by=admin_user, materials=actuals)

    with pytest.raises(RunStateError):
        services.production_run_complete(run=run, by=admin_user, materials=actuals)

    assert ledger_rows(run).filter(transaction_type="usage").count() == 2


def test_every_gram_used_is_in_the_ledger(make_run, farm, admin_user):
    runs = [make_run(quantity=q, purge="2") for q in (4, 8, 2)]
    for run in runs:
        services.production_run_complete(run=run, by=admin_user, materials=[
            MaterialActual(material_id=m.pk, actual_weight_g=m.estimated_weight_g * Decimal("1.1"))
            for m in run.materials.all()])

    used = sum((m.actual_total_g for run in runs for m in run.materials.all()), Decimal("0"))
    in_ledger = ledger_rows(runs[0]).model.objects.filter(
        reference_type="production_run", transaction_type="usage").aggregate(s=Sum("quantity"))["s"]
    assert -in_ledger == used


def test_a_completion_before_the_start_is_refused_and_writes_nothing(make_run, admin_user):
    run = make_run(started_at=timezone.now() - timedelta(hours=2))

    with pytest.raises(ValidationError) as refused:
        services.production_run_complete(run=run, by=admin_user, completed_at=run.started_at - timedelta(minutes=5),
                                         materials=[MaterialActual(material_id=m.pk, use_estimate=True)
                                                    for m in run.materials.all()])

    assert "completed_at" in refused.value.fields
    run.refresh_from_db()
    assert run.status == run.Status.IN_PROGRESS and not ledger_rows(run).exists()


def test_a_completion_typed_in_the_starts_own_minute_ends_at_the_start(make_run, admin_user):
    run = make_run(started_at=(timezone.now() - timedelta(hours=2)).replace(second=40))

    done = services.production_run_complete(
        run=run, by=admin_user, completed_at=run.started_at.replace(second=0),
        materials=[MaterialActual(material_id=m.pk, use_estimate=True) for m in run.materials.all()])

    assert done.completed_at == run.started_at and done.actual_duration_s == 0
