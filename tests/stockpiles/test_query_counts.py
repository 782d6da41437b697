"""A tick's query count does not grow with the markers: the same statements for 1 marker or 200,
in one group or in 200 (generation aside, which costs the same per generated plan run)."""
from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from plans.models import ProductionPlanRun
from plans.services import production_plan_create
from prodtrack.models import Membership, Role, Tenant
from stockpiles.models import StockpileMarker
from stockpiles.services import auto_production_tick
from tests.factories import LocationFactory, MaterialFactory, ProductFactory, TenantFactory, UserFactory, make_recipe

# The lock (1), markers (1), balances (1), plans with steps and last auto run (1), pending output (1),
# owners (1): the SELECTs of a tick that generates nothing. (Inside the test's transaction the lock
# is a transaction lock; outside one, a session lock and one more SELECT to release it.)
TICK_SELECTS = 6


def tenant_with_markers(*, plans: int, markers_per_plan: int, cooldown: bool = False) -> Tenant:
    """A tenant whose ``plans`` plans each have ``markers_per_plan`` markers, 5 pieces short each:
    one per member, all on the shelf the plan delivers to (so the runner nets them once)."""
    tenant = TenantFactory()
    owners = UserFactory.create_batch(markers_per_plan)
    Membership.objects.bulk_create([Membership(user=owner, tenant=tenant, role=Role.MANAGER) for owner in owners])
    shelf = LocationFactory(tenant=tenant)
    pla = MaterialFactory(tenant=tenant)
    made = []
    for n in range(plans):
        product = ProductFactory(tenant=tenant)
        make_recipe(tenant=tenant, product=product, inputs=[(pla, "10")], output_quantity=4)
        made.append(production_plan_create(tenant=tenant, name=f"Plan {n}", product=product,
                                           root={"location": shelf}))
    StockpileMarker.objects.bulk_create([
        StockpileMarker(tenant=tenant, owner=owner, item_type=plan.product, location=shelf,
                        desired_quantity=Decimal("5"), plan=plan, auto_production_enabled=True)
        for plan in made for owner in owners])
    if cooldown:
        ProductionPlanRun.objects.bulk_create([ProductionPlanRun(tenant=tenant, plan=plan, quantity=1, source="auto")
                                               for plan in made])
    return tenant


def tick_queries(tenant) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        (run,) = auto_production_tick(tenant=tenant)
    assert run.status == "succeeded", run.error_message
    return [query["sql"] for query in captured.captured_queries]


def selects(queries: list[str]) -> int:
    return sum(sql.lstrip().upper().startswith("SELECT") for sql in queries)


@pytest.mark.django_db
def test_one_marker_or_200_members_markers_on_one_shelf_cost_the_same_queries():
    one = tenant_with_markers(plans=1, markers_per_plan=1)
    many = tenant_with_markers(plans=1, markers_per_plan=200)

    small, large = tick_queries(one), tick_queries(many)

    assert len(small) == len(large)
    assert selects(small) == selects(large)
    assert ProductionPlanRun.objects.get(tenant=many).quantity == 5      # one shelf, netted once


@pytest.mark.django_db
def test_one_group_or_200_groups_cost_the_same_queries_when_nothing_is_generated():
    one = tenant_with_markers(plans=1, markers_per_plan=1, cooldown=True)
    many = tenant_with_markers(plans=200, markers_per_plan=1, cooldown=True)

    small, large = tick_queries(one), tick_queries(many)

    assert len(small) == len(large)
    assert selects(small) == selects(large) == TICK_SELECTS
