"""A three-level plan: desk organiser ← 2 drawers (each ← 1 handle) + PETG; handle ← PLA."""
from __future__ import annotations

from decimal import Decimal

import pytest

from plans import services
from tests.factories import LocationFactory, MaterialFactory, ProductFactory, WorkstationFactory, make_recipe


@pytest.fixture
def shop(tenant):
    room, annex = LocationFactory(tenant=tenant, name="Print room"), LocationFactory(tenant=tenant, name="Annex")
    pla = MaterialFactory(tenant=tenant, name="PLA Black", unit_cost=Decimal("0.0250"))
    petg = MaterialFactory(tenant=tenant, name="PETG White", material="PETG", unit_cost=Decimal("0.0300"))
    organiser = ProductFactory(tenant=tenant, name="Desk organiser")
    drawer = ProductFactory(tenant=tenant, name="Drawer")
    handle = ProductFactory(tenant=tenant, name="Handle")
    recipes = {
        "organiser": make_recipe(tenant=tenant, product=organiser, inputs=[(drawer, "2"), (petg, "150")],
                                 output_quantity=1, duration_s=36000),
        "drawer": make_recipe(tenant=tenant, product=drawer, inputs=[(handle, "1"), (pla, "40")],
                              output_quantity=2, duration_s=7200),
        "handle": make_recipe(tenant=tenant, product=handle, inputs=[(pla, "5")], output_quantity=10,
                              duration_s=3600),
    }
    return {"room": room, "annex": annex, "pla": pla, "petg": petg, "organiser": organiser, "drawer": drawer,
            "handle": handle, "recipes": recipes}


@pytest.fixture
def plan(tenant, shop):
    """Organiser plan with drawer and handle made in-house (three levels)."""
    plan = services.production_plan_create(tenant=tenant, name="Organisers", product=shop["organiser"],
                                           root={"location": shop["room"]})
    root = plan.steps.get(parent__isnull=True)
    drawer = services.production_plan_step_add(parent=root, product=shop["drawer"])
    services.production_plan_step_add(parent=drawer, product=shop["handle"])
    return plan


@pytest.fixture
def printers(tenant, shop):
    return [WorkstationFactory(tenant=tenant, name=f"MK4 #{n}", location=shop["room"]) for n in (1, 2, 3)]
