"""Concurrent state changes of one run on PostgreSQL: real threads, own connections."""
from __future__ import annotations

from decimal import Decimal

import pytest
from django.db.models import Sum

from inventory import selectors as inventory_selectors
from inventory import services as inventory_services
from inventory.errors import StockShortError
from inventory.models import InventoryTransaction
from inventory.services import StockLine
from runs import services
from runs.errors import RunStateError
from runs.models import ProductionRun
from runs.services import MaterialActual
from tests.support.threads import run_concurrently

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_concurrent_completes_one_succeeds_and_the_ledger_is_written_once(make_run, farm, admin_user):
    run = make_run(quantity=8)
    actuals = [MaterialActual(material_id=m.pk, actual_weight_g=m.estimated_weight_g) for m in run.materials.all()]

    results = run_concurrently(lambda i: services.production_run_complete(run=run, by=admin_user,
                                                                          materials=actuals), 2)

    assert sum(isinstance(r, ProductionRun) for r in results) == 1
    assert sum(isinstance(r, RunStateError) for r in results) == 1
    rows = InventoryTransaction.objects.filter(reference_type="production_run", reference_id=str(run.pk))
    assert rows.filter(transaction_type="usage").count() == 2
    assert rows.filter(transaction_type="production").aggregate(s=Sum("quantity"))["s"] == 8
    farm.pla_spool.refresh_from_db()
    assert farm.pla_spool.current_weight_g == Decimal("760.00")
    assert inventory_selectors.spool_drift(tenant=run.tenant) == []


def test_concurrent_completes_of_runs_sharing_spools_deduct_each_once(make_run, farm, admin_user):
    runs = [make_run(quantity=4) for _ in range(6)]

    run_concurrently(lambda i: services.production_run_complete(
        run=runs[i], by=admin_user, materials=[MaterialActual(material_id=m.pk, use_estimate=True)
                                               for m in runs[i].materials.all()]), 6)

    farm.pla_spool.refresh_from_db()
    farm.petg_spool.refresh_from_db()
    assert farm.pla_spool.current_weight_g == Decimal("280.00")          # 1000 − 6 × 120
    assert farm.petg_spool.current_weight_g == Decimal("880.00")         # 1000 − 6 × 20
    assert inventory_selectors.stock_drift(tenant=farm.pla.tenant) == []


def test_a_void_racing_a_fail_reverses_the_output_once(make_run, farm, admin_user):
    run = make_run(quantity=8)
    services.production_run_complete(run=run, by=admin_user, materials=[
        MaterialActual(material_id=m.pk, use_estimate=True) for m in run.materials.all()])

    run_concurrently(lambda i: (services.production_run_cancel if i == 0 else services.production_run_fail)(
        run=run, by=admin_user), 2)

    rows = InventoryTransaction.objects.filter(reference_type="production_run", reference_id=str(run.pk),
                                               transaction_type="production")
    reversed_ids = InventoryTransaction.objects.filter(reverses__in=rows).values_list("reverses_id", flat=True)
    assert len(reversed_ids) == len(set(reversed_ids)) == rows.count()
    assert inventory_selectors.stock_drift(tenant=run.tenant) == []


def test_a_run_deleted_while_another_request_changes_it_is_a_404_for_that_request(make_run, api_as, admin_user):
    outcomes = set()
    for _ in range(12):
        run = make_run(quantity=4)
        url = f"/api/v1/production-runs/{run.pk}"
        clients = [api_as(admin_user), api_as(admin_user)]

        deleted, edited = run_concurrently(lambda i, clients=clients, url=url: (
            clients[i].delete(url) if i == 0 else clients[i].patch(url, {"notes": "re-sliced"}, format="json")
        ).status_code, 2)

        outcomes.add((deleted, edited))
    assert outcomes <= {(204, 200), (204, 404)}      # never a 500: the loser is told the run is gone
    assert ProductionRun.objects.filter(deleted_at__isnull=True).count() == 0


def test_a_change_to_a_run_deleted_meanwhile_is_not_found(make_run):
    from prodtrack.exceptions import NotFoundError

    run = make_run(quantity=4)
    stale = ProductionRun.objects.get(pk=run.pk)          # what the other request read before the delete
    services.production_run_delete(run=run)

    with pytest.raises(NotFoundError) as gone:
        services.production_run_update(run=stale, data={"notes": "re-sliced"})

    assert gone.value.http_status == 404 and gone.value.message == f"Production run {run.run_number} was deleted."


# --- parts: assemblies racing for the last pieces on a shelf ----------------------------------------

def test_two_assemblies_racing_for_the_last_three_drawers_one_completes_one_is_refused(
        tenant, admin_user, assembly_shop, print_parts, start_assembly):
    shop = assembly_shop
    print_parts(shop.drawer, 3)
    print_parts(shop.frame, 2)
    runs = [start_assembly(shop.organiser_set, 1), start_assembly(shop.organiser_set, 1)]   # 2 drawers each

    results = run_concurrently(lambda i: services.production_run_complete(run=runs[i], by=admin_user), 2)

    assert sorted(type(result).__name__ for result in results) == ["ProductionRun", "StockShortError"]
    refused = results[0] if isinstance(results[0], StockShortError) else results[1]
    assert (refused.extra["on_hand"], refused.extra["needed"]) == ("1", "2")
    stock = inventory_selectors.stock_on_hand(tenant=tenant, pairs=[(shop.drawer.pk, shop.room.pk),
                                                                    (shop.frame.pk, shop.room.pk)])
    assert list(stock.values()) == [Decimal("1"), Decimal("1")]
    assert sorted(ProductionRun.objects.filter(pk__in=[r.pk for r in runs]).values_list("status", flat=True)) == [
        "completed", "in_progress"]
    assert inventory_selectors.stock_drift(tenant=tenant) == []


def test_a_transfer_racing_a_complete_for_the_same_drawers_leaves_consistent_books(
        tenant, admin_user, assembly_shop, print_parts, start_assembly):
    shop = assembly_shop
    print_parts(shop.drawer, 4)
    print_parts(shop.frame, 2)
    run = start_assembly(shop.organiser_set, 2)                                            # needs all 4

    def act(i):
        if i == 0:
            return services.production_run_complete(run=run, by=admin_user)
        return inventory_services.stock_transfer(tenant=tenant, by=admin_user, origin=shop.room,
                                                 destination=shop.warehouse,
                                                 items=[StockLine(item_type=shop.drawer, quantity=Decimal(2))])

    results = run_concurrently(act, 2)

    refused = [result for result in results if isinstance(result, Exception)]
    assert len(refused) == 1 and isinstance(refused[0], StockShortError), results
    stock = inventory_selectors.stock_on_hand(tenant=tenant, pairs=[(shop.drawer.pk, shop.room.pk),
                                                                    (shop.drawer.pk, shop.warehouse.pk)])
    if isinstance(results[0], ProductionRun):       # the complete won: no drawer left to move
        assert list(stock.values()) == [Decimal("0"), Decimal("0")]
    else:                                           # the transfer won: 2 left, too few to assemble 2 sets
        assert list(stock.values()) == [Decimal("2"), Decimal("2")]
        run.refresh_from_db()
        assert run.status == ProductionRun.Status.IN_PROGRESS
    assert inventory_selectors.stock_drift(tenant=tenant) == []
