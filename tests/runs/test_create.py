"""Creating production runs: numbers, recipe estimates, validation."""
from __future__ import annotations

import threading
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import connection

from prodtrack.exceptions import ValidationError
from runs import services
from runs.models import ProductionRun, ProductionRunItem


def test_estimates_come_from_the_recipe_times_quantity(make_run, farm):
    run = make_run(quantity=6, purge="5")               # 6 pieces = 1.5 plates of 4

    pla, petg = run.materials.order_by("pk")
    assert (pla.estimated_weight_g, petg.estimated_weight_g) == (Decimal("180.00"), Decimal("30.00"))
    item = run.items.get()
    assert item.estimated_cost == Decimal("5.40")       # 180 g × 0.025 + 30 g × 0.03
    assert run.estimated_duration_s == 10800            # 1.5 × 2 h
    assert run.estimated_weight_g == Decimal("210.00") and run.estimated_purge_g == Decimal("5.00")
    assert run.estimated_cost == Decimal("5.53")        # 185 g × 0.025 + 30 g × 0.03 = 5.525, at the spools' prices
    assert run.location == farm.room and run.printer_name == "MK4 #1"


def test_given_estimates_win_over_the_recipe(tenant, admin_user, farm):
    run = services.production_run_create(
        tenant=tenant, by=admin_user, location=farm.room, estimated_duration_s=60,
        items=[services.ItemSpec(product=farm.stand, quantity=4, estimated_cost=Decimal("1.00"))],
        materials=[services.MaterialSpec(spool=farm.pla_spool, estimated_weight_g=Decimal("99.5"))])

    assert run.materials.get().estimated_weight_g == Decimal("99.50")
    assert run.items.get().estimated_cost == Decimal("1.00") and run.estimated_duration_s == 60


def test_run_number_uses_short_code_and_the_day_in_the_tenants_time_zone(make_run, tenant):
    tenant.time_zone = "Pacific/Auckland"
    tenant.save()
    started = datetime(2026, 3, 1, 12, 30, tzinfo=UTC)  # already 2 March in Auckland

    first, second = make_run(started_at=started), make_run(started_at=started)

    assert (first.run_number, second.run_number) == ("ACME-20260302-001", "ACME-20260302-002")


def test_run_numbers_widen_past_999(make_run, tenant):
    from sequences.models import Sequence

    started = datetime(2026, 5, 5, 9, tzinfo=UTC)
    Sequence.objects.create(name=f"production_run:{tenant.pk}:20260505", last=999)

    assert make_run(started_at=started).run_number == "ACME-20260505-1000"


def test_numbers_are_never_reused_after_soft_delete(make_run):
    started = datetime(2026, 6, 1, 9, tzinfo=UTC)
    first = make_run(started_at=started)
    services.production_run_delete(run=first)

    assert make_run(started_at=started).run_number.endswith("-002")
    assert ProductionRun.objects.for_tenant(first.tenant).count() == 1


@pytest.mark.parametrize("change,field", [
    ({"items": []}, "items"),
    ({"quantity": 0}, "items[0].quantity"),
    ({"product": "pla"}, "items[0].product"),
    ({"spool_twice": True}, "materials[1].spool"),
    ({"negative_purge": True}, "materials[0].estimated_purge_g"),
])
def test_bad_input_is_refused_and_nothing_is_written(tenant, admin_user, farm, change, field):
    product = getattr(farm, change.get("product", "stand"))
    items = [services.ItemSpec(product=product, quantity=change.get("quantity", 2))]
    materials = [services.MaterialSpec(spool=farm.pla_spool,
                                       estimated_purge_g=Decimal("-1" if change.get("negative_purge") else "0"))]
    if change.get("spool_twice"):
        materials.append(services.MaterialSpec(spool=farm.pla_spool))

    with pytest.raises(ValidationError) as error:
        services.production_run_create(tenant=tenant, by=admin_user, items=change.get("items", items),
                                       materials=materials)

    assert field in error.value.fields
    assert ProductionRun.objects.count() == 0 and ProductionRunItem.objects.count() == 0


def test_another_tenants_spool_is_refused(tenant, admin_user, farm, other_tenant, other_admin):
    from tests.factories import receive_spool

    theirs = receive_spool(tenant=other_tenant, by=other_admin)

    with pytest.raises(ValidationError) as error:
        services.production_run_create(tenant=tenant, by=admin_user,
                                       items=[services.ItemSpec(product=farm.stand, quantity=1)],
                                       materials=[services.MaterialSpec(spool=theirs)])
    assert "materials[0].spool" in error.value.fields


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_creates_get_twenty_consecutive_numbers(tenant, admin_user, farm):
    started = datetime(2026, 7, 7, 10, tzinfo=UTC)
    barrier = threading.Barrier(20)
    errors: list[Exception] = []

    def create():
        barrier.wait()
        try:
            services.production_run_create(tenant=tenant, by=admin_user, started_at=started,
                                           items=[services.ItemSpec(product=farm.stand, quantity=1)])
        except Exception as error:  # noqa: BLE001 - collected and asserted below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=create) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    numbers = sorted(ProductionRun.objects.filter(tenant=tenant).values_list("run_number", flat=True))
    assert numbers == [f"ACME-20260707-{n:03d}" for n in range(1, 21)]
