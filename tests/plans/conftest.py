"""A three-level plan: desk organiser ← 2 drawers (each ← 1 handle) + PETG; handle ← PLA."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest

from inventory.models import ItemType, Location, Workstation
from plans import services
from plans.models import ProductionPlan, ProductionPlanRun, Recipe
from tests.factories import LocationFactory, MaterialFactory, ProductFactory, WorkstationFactory, make_recipe


@dataclass(frozen=True)
class OrganiserShop:
    room: Location              # "Print room"
    annex: Location             # "Annex"
    pla: ItemType               # "PLA Black", 0.025 per g
    petg: ItemType              # "PETG White", 0.030 per g
    organiser: ItemType         # "Desk organiser"
    drawer: ItemType            # "Drawer"
    handle: ItemType            # "Handle"
    organiser_recipe: Recipe    # 1 organiser from 2 drawers + 150 g PETG, 10 h
    drawer_recipe: Recipe       # 2 drawers from 1 handle + 40 g PLA, 2 h
    handle_recipe: Recipe       # 10 handles from 5 g PLA, 1 h


@pytest.fixture
def organiser_shop(tenant) -> OrganiserShop:
    """Two locations, PLA and PETG, and the recipes of the organiser, its drawer and the drawer's handle."""
    room, annex = LocationFactory(tenant=tenant, name="Print room"), LocationFactory(tenant=tenant, name="Annex")
    pla = MaterialFactory(tenant=tenant, name="PLA Black", unit_cost=Decimal("0.0250"))
    petg = MaterialFactory(tenant=tenant, name="PETG White", material="PETG", unit_cost=Decimal("0.0300"))
    organiser = ProductFactory(tenant=tenant, name="Desk organiser")
    drawer = ProductFactory(tenant=tenant, name="Drawer")
    handle = ProductFactory(tenant=tenant, name="Handle")
    return OrganiserShop(
        room=room, annex=annex, pla=pla, petg=petg, organiser=organiser, drawer=drawer, handle=handle,
        organiser_recipe=make_recipe(tenant=tenant, product=organiser, inputs=[(drawer, "2"), (petg, "150")],
                                     output_quantity=1, duration_s=36000),
        drawer_recipe=make_recipe(tenant=tenant, product=drawer, inputs=[(handle, "1"), (pla, "40")],
                                  output_quantity=2, duration_s=7200),
        handle_recipe=make_recipe(tenant=tenant, product=handle, inputs=[(pla, "5")], output_quantity=10,
                                  duration_s=3600))


@pytest.fixture
def plan(tenant, organiser_shop) -> ProductionPlan:
    """Organiser plan with drawer and handle made in-house (three levels)."""
    plan = services.production_plan_create(tenant=tenant, name="Organisers", product=organiser_shop.organiser,
                                           root={"location": organiser_shop.room})
    root = plan.steps.get(parent__isnull=True)
    drawer = services.production_plan_step_add(parent=root, product=organiser_shop.drawer)
    services.production_plan_step_add(parent=drawer, product=organiser_shop.handle)
    return plan


@pytest.fixture
def plan_run(plan, admin_user) -> ProductionPlanRun:
    """10 organisers generated from ``plan``."""
    return services.plan_generate(plan=plan, by=admin_user, quantity=10).run


@pytest.fixture
def printers(tenant, organiser_shop) -> list[Workstation]:
    """Three printers in the print room: "MK4 #1" to "MK4 #3"."""
    return [WorkstationFactory(tenant=tenant, name=f"MK4 #{n}", location=organiser_shop.room) for n in (1, 2, 3)]
