"""A shop that keeps stock: phone stands (4 per plate) and desk organisers (1 per run, from 2 clips
made in-house, 10 per plate), both planned at the shop, where three printers stand."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import pytest

from inventory import services as inventory_services
from inventory.models import ItemType, Location, Workstation
from plans import services as plan_services
from plans.models import ProductionPlan
from stockpiles.models import StockpileMarker
from stockpiles.services import stockpile_marker_upsert
from tests.factories import LocationFactory, MaterialFactory, ProductFactory, WorkstationFactory, make_recipe


@dataclass(frozen=True)
class StockShop:
    shop: Location                  # "Shop": both plans start here; a 5,000 g spool of PLA
    window: Location                # "Window": a second location
    pla: ItemType                   # "PLA Black"
    stand: ItemType                 # "Phone stand": 4 per plate of 30 g PLA, 2 h
    organiser: ItemType             # "Organiser": 1 per run, from 2 clips + 150 g PLA
    clip: ItemType                  # "Clip": 10 per plate of 5 g PLA
    stand_plan: ProductionPlan      # "Phone stands", one step at the shop
    window_stand_plan: ProductionPlan   # "Phone stands for the window", one step at the window
    organiser_plan: ProductionPlan  # "Organisers", its clips made in-house (two steps)
    printers: tuple[Workstation, ...]  # "MK4 #1" to "MK4 #3", at the shop


@pytest.fixture
def stock_shop(tenant, admin_user) -> StockShop:
    shop, window = LocationFactory(tenant=tenant, name="Shop"), LocationFactory(tenant=tenant, name="Window")
    pla = MaterialFactory(tenant=tenant, name="PLA Black")
    stand, organiser, clip = (ProductFactory(tenant=tenant, name=name) for name in ("Phone stand", "Organiser", "Clip"))
    make_recipe(tenant=tenant, product=stand, inputs=[(pla, "30")], output_quantity=4, duration_s=7200)
    make_recipe(tenant=tenant, product=organiser, inputs=[(clip, "2"), (pla, "150")], output_quantity=1)
    make_recipe(tenant=tenant, product=clip, inputs=[(pla, "5")], output_quantity=10)
    stand_plan = plan_services.production_plan_create(tenant=tenant, name="Phone stands", product=stand,
                                                      root={"location": shop})
    window_stand_plan = plan_services.production_plan_create(tenant=tenant, name="Phone stands for the window",
                                                             product=stand, root={"location": window})
    organiser_plan = plan_services.production_plan_create(tenant=tenant, name="Organisers", product=organiser,
                                                          root={"location": shop})
    plan_services.production_plan_step_add(parent=organiser_plan.steps.get(), product=clip)
    printers = tuple(WorkstationFactory(tenant=tenant, name=f"MK4 #{n}", location=shop) for n in (1, 2, 3))
    inventory_services.spool_receive(tenant=tenant, by=admin_user, item_type=pla, location=shop,
                                     initial_weight_g=Decimal("5000"))
    return StockShop(shop=shop, window=window, pla=pla, stand=stand, organiser=organiser, clip=clip,
                     stand_plan=stand_plan, window_stand_plan=window_stand_plan, organiser_plan=organiser_plan,
                     printers=printers)


@pytest.fixture
def put_stock(tenant, admin_user) -> Callable[[ItemType, Location, str], None]:
    """``put_stock(item, location, qty)``: a stock count through the ledger."""

    def put(item_type, location, quantity):
        inventory_services.stock_adjust(tenant=tenant, by=admin_user, item_type=item_type, location=location,
                                        quantity=Decimal(quantity), note="Stock count")

    return put


@pytest.fixture
def keep(tenant, admin_user) -> Callable[..., StockpileMarker]:
    """``keep(item, location, desired, plan=None, parallelism=0, enabled=None, owner=admin)`` → a marker
    (auto-production on when a plan is given, unless ``enabled`` says otherwise)."""

    def make(item_type, location, desired, plan=None, parallelism=0, enabled=None, owner=None):
        marker, _ = stockpile_marker_upsert(
            tenant=tenant, owner=owner or admin_user, item_type=item_type, location=location,
            desired_quantity=Decimal(desired), plan=plan, auto_production_parallelism=parallelism,
            auto_production_enabled=plan is not None if enabled is None else enabled)
        return marker

    return make
