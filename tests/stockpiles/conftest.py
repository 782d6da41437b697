"""A shop that keeps stock: phone stands (4 per plate) and desk organisers (1 per run, from 2 clips
made in-house, 10 per plate), both planned at the shop, where two printers stand."""
from __future__ import annotations

from decimal import Decimal

import pytest

from inventory import services as inventory_services
from plans import services as plan_services
from prodtrack.models import Role
from stockpiles.services import stockpile_marker_upsert
from tests.conftest import _member
from tests.factories import LocationFactory, MaterialFactory, ProductFactory, WorkstationFactory, make_recipe


@pytest.fixture
def manager_user(tenant):
    return _member(tenant, Role.MANAGER, "acme-manager")


@pytest.fixture
def shop(tenant, admin_user):
    shop, window = LocationFactory(tenant=tenant, name="Shop"), LocationFactory(tenant=tenant, name="Window")
    pla = MaterialFactory(tenant=tenant, name="PLA Black")
    stand, organiser, clip = (ProductFactory(tenant=tenant, name=name) for name in ("Phone stand", "Organiser", "Clip"))
    make_recipe(tenant=tenant, product=stand, inputs=[(pla, "30")], output_quantity=4, duration_s=7200)
    make_recipe(tenant=tenant, product=organiser, inputs=[(clip, "2"), (pla, "150")], output_quantity=1)
    make_recipe(tenant=tenant, product=clip, inputs=[(pla, "5")], output_quantity=10)
    stand_plan = plan_services.production_plan_create(tenant=tenant, name="Phone stands", product=stand,
                                                      root={"location": shop})
    organiser_plan = plan_services.production_plan_create(tenant=tenant, name="Organisers", product=organiser,
                                                          root={"location": shop})
    plan_services.production_plan_step_add(parent=organiser_plan.steps.get(), product=clip)
    printers = [WorkstationFactory(tenant=tenant, name=f"MK4 #{n}", location=shop) for n in (1, 2, 3)]
    inventory_services.spool_receive(tenant=tenant, by=admin_user, item_type=pla, location=shop,
                                     initial_weight_g=Decimal("5000"))
    return {"shop": shop, "window": window, "pla": pla, "stand": stand, "organiser": organiser, "clip": clip,
            "stand_plan": stand_plan, "organiser_plan": organiser_plan, "printers": printers}


@pytest.fixture
def put_stock(tenant, admin_user):
    """``put_stock(item, location, qty)``: a stock count through the ledger."""

    def put(item_type, location, quantity):
        inventory_services.stock_adjust(tenant=tenant, by=admin_user, item_type=item_type, location=location,
                                        quantity=Decimal(quantity))

    return put


@pytest.fixture
def keep(tenant, admin_user):
    """``keep(item, location, desired, plan=None, parallelism=0, enabled=None, owner=admin)`` → a marker
    (auto-production on when a plan is given, unless ``enabled`` says otherwise)."""

    def make(item_type, location, desired, plan=None, parallelism=0, enabled=None, owner=None):
        marker, _ = stockpile_marker_upsert(
            tenant=tenant, owner=owner or admin_user, item_type=item_type, location=location,
            desired_quantity=Decimal(desired), plan=plan, auto_production_parallelism=parallelism,
            auto_production_enabled=plan is not None if enabled is None else enabled)
        return marker

    return make
