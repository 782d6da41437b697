"""``manage.py seed_demo [--once]``: a believable print farm, tenant DEMO, built from the real catalog.

What it builds (deterministic: a seeded ``random.Random``; dates relative to now):

* tenant "Demo Print Farm" (``DEMO``); users ``admin`` (admin) and ``operator`` (operator) with
  the password from ``DEMO_PASSWORD`` or a generated one, printed (existing users keep theirs);
* the SpoolmanDB catalog as material item types, a per-gram ``unit_cost`` on the ones in use;
* 3 locations, 8 printers (Prusa / Bambu Lab / Creality / Voron models; the Voron is being rebuilt);
* 12 products with stock counted at the shop and the warehouse, each with a recipe: grams of real
  catalog filaments per plate (two-colour ones with a second filament and a purge), pieces and
  print time per plate;
* 60 days of the farm's life (``runs.demo.replay_history``): the 30 spools of ``MATERIALS``
  delivered (one of each opening the print room, 6 sealed in the warehouse), reorders when the
  print room runs low, a few production runs a day on the 7 working printers — completed with
  believable actual grams (the desk organiser consistently ~15 % over its recipe, the small plant
  pot ~13 % under), some with failed pieces, a few failed mid-print, reprints, two voided, a
  handful still printing — and weigh-ins (remnants thrown away, a tangled spool archived, a
  mis-weighing reversed, a spool that ran out mid-print);
* 7 more products made through two production plans (``PARTS``, ``PLANS``): a desk organiser set
  three levels deep (set ← 2 drawers + a frame; drawer ← a handle, printed 10 per plate) and a
  headphone stand whose weighted base is assembled on a bench in the warehouse from shells printed
  there, then carried to the print room (transport on); an assembly bench in the warehouse;
* 4 plan runs played in the same weeks (``PLAN_RUNS``): generated with ``plans.services``, their
  jobs started deepest first with ``runs.services.job_start`` on idle workstations and spools of
  the history, their runs completed — one plan run done, one done after its last jobs were
  cancelled, one (auto-production) part-way, one generated hours ago and not started;
* stockpile markers (``STOCKPILES``), kept by ``admin``: both planned products in the print room with
  their plan and auto-production on, below target even after their pending jobs — so the first
  auto-production tick (``bin/demo`` ticks every 2 minutes) generates a plan run for each — and
  products at the shop front and filaments in the print room without auto-production (the buy list).

Every ledger row and run goes through ``inventory.services`` / ``runs.services``, in time order,
so spool weights and stock balances agree with the ledger. Everything is one transaction: a
failure leaves nothing behind.
"""
from __future__ import annotations

import os
import random
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import get_random_string

from inventory import services
from inventory.catalog import CatalogEntry, read_catalog
from inventory.management.commands.import_filament_catalog import import_catalog
from inventory.models import ItemType, Location, Spool, Workstation
from plans.models import ProductionPlan, ProductionPlanRun, ProductionPlanStep, TransportJob
from plans.selectors import plan_run_list
from plans.services import InputSpec, production_plan_create, production_plan_step_add, recipe_create
from prodtrack.exceptions import ApplicationError, NotFoundError
from prodtrack.models import Role, Tenant, User
from prodtrack.services import membership_set, tenant_create, user_ensure
from runs.demo import (Delivery, Filament, HistorySummary, Plate, PlanRunStory, Printer, Receive,
                       replay_history)
from stockpiles.models import StockpileMarker
from stockpiles.services import stockpile_marker_upsert

SEED = 20251025
DEMO_NAME = "Demo Print Farm"
DEMO_SHORT_CODE = "DEMO"
PASSWORD_ENV = "DEMO_PASSWORD"
USERS = (("admin", Role.ADMIN), ("operator", Role.OPERATOR))
HISTORY_DAYS = 60

WAREHOUSE, PRINT_ROOM, SHOP = "Main warehouse", "Print room", "Shop front"
LOCATIONS = ((WAREHOUSE, Location.Kind.WAREHOUSE), (PRINT_ROOM, Location.Kind.PRODUCTION), (SHOP, Location.Kind.SHOP))

#: (name, model, location, is_active)
PRINTERS = (
    ("MK4-01", "Prusa MK4", PRINT_ROOM, True),
    ("MK4-02", "Prusa MK4", PRINT_ROOM, True),
    ("MK4S-03", "Prusa MK4S", PRINT_ROOM, True),
    ("XL-01", "Prusa XL 5-toolhead", PRINT_ROOM, True),
    ("P1S-01", "Bambu Lab P1S", PRINT_ROOM, True),
    ("X1C-01", "Bambu Lab X1 Carbon", PRINT_ROOM, True),
    ("K1MAX-01", "Creality K1 Max", WAREHOUSE, True),
    ("VORON-01", "Voron 2.4 R2 (being rebuilt)", WAREHOUSE, False),
)

#: (SpoolmanDB catalog id, unit cost per gram, spools bought) — 30 spools in all.
MATERIALS = (
    ("prusament_pla_galaxyblack_1000_175", Decimal("0.0300"), 4),
    ("prusament_pla_prusaorange_1000_175", Decimal("0.0300"), 2),
    ("prusament_petg_jetblack_1000_175", Decimal("0.0300"), 2),
    ("prusament_petg_signalwhite_1000_175", Decimal("0.0300"), 2),
    ("prusament_tpu-95a_natural_500_175", Decimal("0.0500"), 1),
    ("polymaker_pla_polyliteplablack_1000_175", Decimal("0.0250"), 3),
    ("polymaker_pla_polyliteplawhite_1000_175", Decimal("0.0250"), 2),
    ("polymaker_petg_polymaxpetgblack_750_175", Decimal("0.0380"), 1),
    ("polymaker_asa_polyliteasablack_1000_175", Decimal("0.0330"), 2),
    ("esun_pla+_pla+black_1000_175", Decimal("0.0200"), 3),
    ("esun_pla+_pla+white_1000_175", Decimal("0.0200"), 2),
    ("esun_petg_solidblack_1000_175", Decimal("0.0220"), 2),
    ("bambulab_pla_matteivorywhite_1000_175", Decimal("0.0280"), 2),
    ("bambulab_asa_black_1000_175", Decimal("0.0350"), 1),
    ("bambulab_tpu-95a_hfblack_1000_175", Decimal("0.0450"), 1),
)
SEALED_SPOOLS = 6  # delivered in the last two weeks, still sealed in the warehouse

#: printers with an AMS or a tool changer, and the share of an AMS's purge they flush per plate
MULTI_MATERIAL = {"XL-01": Decimal("0.25"), "P1S-01": Decimal("1"), "X1C-01": Decimal("1")}
ENCLOSED = {"P1S-01", "X1C-01", "K1MAX-01"}
#: slicer by the first word of the printer model
SLICERS = {"Prusa": "PrusaSlicer 2.8.1", "Bambu": "Bambu Studio 1.10.1", "Creality": "Creality Print 5.1",
           "Voron": "SuperSlicer 2.5.59"}

#: (name, SKU, production cost per piece)
PRODUCTS = (
    ("Phone stand", "PRD-PHONE-STAND", Decimal("1.10")),
    ("Cable clip (10-pack)", "PRD-CABLE-CLIP-10", Decimal("0.45")),
    ("Desk organiser", "PRD-DESK-ORGANISER", Decimal("3.80")),
    ("Headphone hook", "PRD-HEADPHONE-HOOK", Decimal("1.25")),
    ("Plant pot, small", "PRD-PLANT-POT-S", Decimal("1.60")),
    ("Game controller stand", "PRD-CONTROLLER-STAND", Decimal("1.90")),
    ("Wall hook set (4)", "PRD-WALL-HOOK-4", Decimal("0.95")),
    ("Dice tower", "PRD-DICE-TOWER", Decimal("4.20")),
    ("Keychain (5-pack)", "PRD-KEYCHAIN-5", Decimal("0.60")),
    ("Tablet stand", "PRD-TABLET-STAND", Decimal("2.30")),
    ("Bag clip (4-pack)", "PRD-BAG-CLIP-4", Decimal("0.50")),
    ("Cable management box", "PRD-CABLE-BOX", Decimal("5.10")),
)


GALAXY_BLACK = "prusament_pla_galaxyblack_1000_175"
PRUSA_ORANGE = "prusament_pla_prusaorange_1000_175"
PETG_JET_BLACK = "prusament_petg_jetblack_1000_175"
PETG_SIGNAL_WHITE = "prusament_petg_signalwhite_1000_175"
POLYLITE_BLACK = "polymaker_pla_polyliteplablack_1000_175"
POLYLITE_WHITE = "polymaker_pla_polyliteplawhite_1000_175"
POLYLITE_ASA_BLACK = "polymaker_asa_polyliteasablack_1000_175"
ESUN_BLACK = "esun_pla+_pla+black_1000_175"
ESUN_WHITE = "esun_pla+_pla+white_1000_175"
ESUN_PETG_BLACK = "esun_petg_solidblack_1000_175"
IVORY_WHITE = "bambulab_pla_matteivorywhite_1000_175"
POLYMAX_PETG_BLACK = "polymaker_petg_polymaxpetgblack_750_175"


@dataclass(frozen=True)
class PlateRecipe:
    """A product's recipe as one plate (0.4 mm nozzle, 0.2 mm layers, ~10–15 g/h): ``pieces`` per
    plate, print ``minutes`` per plate, and per filament (catalog id, grams, purge grams on an AMS).
    ``popularity`` is how often the farm prints it (relative); ``bias`` how far reality is from the
    recipe's grams (0.15: every plate uses ~15 % more)."""

    sku: str
    pieces: int
    minutes: int
    filaments: tuple[tuple[str, int, int], ...]
    popularity: float = 1.0
    bias: float = 0.0
    notes: str = ""


PLATES = (
    PlateRecipe("PRD-PHONE-STAND", 4, 13 * 60 + 50, ((GALAXY_BLACK, 180, 0),), popularity=3),
    PlateRecipe("PRD-CABLE-CLIP-10", 6, 5 * 60 + 30, ((ESUN_BLACK, 72, 0),), popularity=2),
    PlateRecipe("PRD-DESK-ORGANISER", 1, 15 * 60 + 25, ((PETG_JET_BLACK, 185, 0),), popularity=1.4, bias=0.15,
                notes="Sliced without the supports under the drawer rails."),
    PlateRecipe("PRD-HEADPHONE-HOOK", 2, 6 * 60 + 5, ((POLYLITE_BLACK, 76, 0),), popularity=1.5),
    PlateRecipe("PRD-PLANT-POT-S", 3, 12 * 60, ((IVORY_WHITE, 156, 0),), popularity=1.5, bias=-0.13,
                notes="Sliced with 4 walls; the farm prints them with 3."),
    PlateRecipe("PRD-CONTROLLER-STAND", 2, 12 * 60 + 10, ((POLYLITE_BLACK, 116, 18), (PRUSA_ORANGE, 16, 18)),
                popularity=1.2, notes="Two colours: orange accents."),
    PlateRecipe("PRD-WALL-HOOK-4", 3, 8 * 60 + 45, ((ESUN_PETG_BLACK, 96, 0),), popularity=1.2),
    PlateRecipe("PRD-DICE-TOWER", 1, 18 * 60 + 50, ((GALAXY_BLACK, 195, 12), (PRUSA_ORANGE, 22, 20)),
                popularity=1.0, notes="Two colours: orange steps."),
    PlateRecipe("PRD-KEYCHAIN-5", 4, 8 * 60, ((POLYLITE_WHITE, 72, 15), (ESUN_BLACK, 18, 15)), popularity=1.6,
                notes="Two colours: black lettering."),
    PlateRecipe("PRD-TABLET-STAND", 1, 11 * 60 + 40, ((PETG_SIGNAL_WHITE, 140, 0),), popularity=1.0),
    PlateRecipe("PRD-BAG-CLIP-4", 5, 8 * 60 + 10, ((ESUN_WHITE, 110, 0),), popularity=1.2),
    PlateRecipe("PRD-CABLE-BOX", 1, 18 * 60 + 25, ((POLYLITE_ASA_BLACK, 230, 0),), popularity=0.8,
                notes="ASA: enclosed printers only."),
)


#: workstations that are not printers: (name, model, location, kind, activities)
BENCHES = (("Assembly bench", "Workbench with arbor press and scale", WAREHOUSE, Workstation.Kind.ASSEMBLY,
            ["assembly"]),)

#: bought components: (name, SKU, cost per piece, pieces counted in the warehouse)
COMPONENTS = (("Steel shot, 250 g bag", "CMP-STEEL-SHOT-250", Decimal("0.85"), 40),)


@dataclass(frozen=True)
class PartRecipe:
    """A product made through a production plan and its recipe: ``pieces`` per run in ``minutes``
    from ``inputs`` per run — (filament catalog id, grams) or (SKU of a product or component, pieces)."""

    name: str
    sku: str
    cost: Decimal
    pieces: int
    minutes: int
    inputs: tuple[tuple[str, int], ...]
    activity: str = "printing"
    notes: str = ""


PARTS = (
    PartRecipe("Drawer handle", "PRD-DRAWER-HANDLE", Decimal("0.15"), 10, 3 * 60 + 15, ((PRUSA_ORANGE, 40),),
               notes="Ten per plate, printed on their backs."),
    PartRecipe("Organiser drawer", "PRD-ORGANISER-DRAWER", Decimal("1.45"), 2, 10 * 60 + 20,
               (("PRD-DRAWER-HANDLE", 2), (PETG_SIGNAL_WHITE, 128)), notes="The handle is pressed in after printing."),
    PartRecipe("Organiser frame", "PRD-ORGANISER-FRAME", Decimal("2.10"), 1, 13 * 60 + 10, ((ESUN_PETG_BLACK, 165),)),
    PartRecipe("Desk organiser set", "PRD-DESK-SET", Decimal("7.90"), 1, 4 * 60 + 40,
               (("PRD-ORGANISER-DRAWER", 2), ("PRD-ORGANISER-FRAME", 1), (ESUN_PETG_BLACK, 60)),
               notes="Prints the pen tray; the drawers slide into the frame."),
    PartRecipe("Base shell", "PRD-BASE-SHELL", Decimal("0.90"), 2, 11 * 60, ((POLYMAX_PETG_BLACK, 150),),
               notes="Hollow, with a lid; printed in the warehouse."),
    PartRecipe("Weighted base", "PRD-WEIGHTED-BASE", Decimal("2.40"), 4, 50,
               (("PRD-BASE-SHELL", 4), ("CMP-STEEL-SHOT-250", 4)), activity="assembly",
               notes="Fill each shell with a bag of steel shot, glue the lid on, stick on the felt pads."),
    PartRecipe("Headphone stand", "PRD-HEADPHONE-STAND", Decimal("3.20"), 1, 8 * 60 + 50,
               (("PRD-WEIGHTED-BASE", 1), (POLYLITE_BLACK, 112)),
               notes="Upright and hook in one piece, pressed onto a weighted base."),
)


@dataclass(frozen=True)
class StepSpec:
    """A plan step: make ``sku`` at ``location`` on a workstation of ``kind``; ``children`` make its inputs."""

    sku: str
    location: str
    kind: str = Workstation.Kind.PRINTER
    children: tuple[StepSpec, ...] = ()


@dataclass(frozen=True)
class PlanSpec:
    name: str
    root: StepSpec
    notes: str = ""
    transport_cost_per_item: Decimal | None = None   # None: transport off


DESK_SET, HEADPHONE_STAND = "Desk organiser set", "Headphone stand"
PLANS = (
    PlanSpec(DESK_SET, StepSpec("PRD-DESK-SET", PRINT_ROOM, children=(
        StepSpec("PRD-ORGANISER-DRAWER", PRINT_ROOM, children=(StepSpec("PRD-DRAWER-HANDLE", PRINT_ROOM),)),
        StepSpec("PRD-ORGANISER-FRAME", PRINT_ROOM))),
        notes="Handles first (ten per plate), then drawers and frames, then the tray; all in the print room."),
    PlanSpec(HEADPHONE_STAND, StepSpec("PRD-HEADPHONE-STAND", PRINT_ROOM, children=(
        StepSpec("PRD-WEIGHTED-BASE", WAREHOUSE, Workstation.Kind.ASSEMBLY, children=(
            StepSpec("PRD-BASE-SHELL", WAREHOUSE),)),)),
        notes="Bases are printed and filled in the warehouse workshop, then carried to the print room.",
        transport_cost_per_item=Decimal("0.40")),
)

#: (plan, pieces, parallelism, days ago, source, how far it got: "done" | "cancelled after N" | "parts" | "new")
PLAN_RUNS = (
    (DESK_SET, 2, 2, 24, ProductionPlanRun.Source.MANUAL, "done"),
    (HEADPHONE_STAND, 4, 0, 15, ProductionPlanRun.Source.MANUAL, "cancelled after 2"),
    (DESK_SET, 3, 2, 1.5, ProductionPlanRun.Source.AUTO, "parts"),
    (HEADPHONE_STAND, 2, 0, 0.15, ProductionPlanRun.Source.MANUAL, "new"),
)


#: stockpile markers: (SKU or filament catalog id, location, desired quantity, plan, auto-production on,
#: parallelism). The print room holds 2 of each planned product and their plans 3 and 2 pieces of
#: pending jobs, so the auto-production markers are short by 5 and 4 after the pending output.
STOCKPILES = (
    ("PRD-DESK-SET", PRINT_ROOM, 10, DESK_SET, True, 2),
    ("PRD-HEADPHONE-STAND", PRINT_ROOM, 8, HEADPHONE_STAND, True, 0),
    ("PRD-HEADPHONE-STAND", SHOP, 4, None, False, 0),
    ("PRD-PHONE-STAND", SHOP, 30, None, False, 0),
    ("PRD-WALL-HOOK-4", SHOP, 12, None, False, 0),
    ("PRD-DICE-TOWER", SHOP, 15, None, False, 0),
    (GALAXY_BLACK, PRINT_ROOM, 3000, None, False, 0),
    (PETG_JET_BLACK, PRINT_ROOM, 2000, None, False, 0),
)


@dataclass(frozen=True)
class PlansSummary:
    """The plans (name → steps, levels, locations, transport) and the plan runs at the end."""

    plans: list[tuple[str, int, int, int, bool]]
    plan_runs: dict[str, int]
    jobs: dict[str, int]
    transport_jobs: int


@dataclass(frozen=True)
class DemoSummary:
    """What ``build_demo_farm`` created; ``new_users`` lists usernames whose password was set."""

    tenant: Tenant
    new_users: list[str]
    materials: int
    locations: int
    printers: int
    benches: int
    spools: int
    products: int
    recipes: int
    history: HistorySummary
    plans: PlansSummary
    markers: int
    auto_markers: int


def _users(*, password: str) -> tuple[dict[str, User], list[str]]:
    """``admin`` and ``operator``; only users created now get ``password``."""
    existing = set(User.objects.filter(username__in=[name for name, _ in USERS]).values_list("username", flat=True))
    users = {name: user_ensure(username=name, password=None if name in existing else password)
             for name, _ in USERS}
    return users, [name for name, _ in USERS if name not in existing]


def _priced_materials(*, tenant: Tenant) -> dict[str, ItemType]:
    """The catalog materials the farm buys, by catalog id, with their per-gram ``unit_cost`` set."""
    wanted = {catalog_id: cost for catalog_id, cost, _ in MATERIALS}
    found = {item.catalog_id: item for item in
             ItemType.objects.for_tenant(tenant).filter(catalog_id__in=wanted)}
    missing = sorted(set(wanted) - set(found))
    if missing:
        raise NotFoundError(f"The catalog lacks {len(missing)} demo filaments: {', '.join(missing)}.",
                            catalog_ids=missing)
    return {catalog_id: services.item_type_update(item_type=item, data={"unit_cost": wanted[catalog_id]})
            for catalog_id, item in found.items()}


def _received_at(rng: random.Random, day: datetime, first_hour: int = 8, last_hour: int = 17) -> datetime:
    """A delivery on ``day`` during working hours (``first_hour``:00–``last_hour``:59)."""
    return day.replace(hour=rng.randint(first_hour, last_hour), minute=rng.randint(0, 59), second=0, microsecond=0)


def _deliveries(*, rng: random.Random, now: datetime, materials: dict[str, ItemType],
                locations: dict[str, Location]) -> list[Delivery]:
    """The 30 spools of ``MATERIALS``: one of each material opens the print room the morning before
    production starts, ``SEALED_SPOOLS`` arrive in the last two weeks and stay sealed in the
    warehouse, the others reach the print room in between."""
    opening = [catalog_id for catalog_id, _, _ in MATERIALS]
    later = [catalog_id for catalog_id, _, count in MATERIALS for _ in range(count - 1)]
    rng.shuffle(later)
    first_day = now - timedelta(days=HISTORY_DAYS)
    deliveries = [Delivery(at=_received_at(rng, first_day, last_hour=11), item_type=materials[catalog_id],
                           location=locations[PRINT_ROOM], note="Opening stock") for catalog_id in opening]
    stocked, sealed = later[:-SEALED_SPOOLS], later[-SEALED_SPOOLS:]
    for catalog_id, days_ago in zip(stocked, sorted((rng.uniform(5, HISTORY_DAYS - 3) for _ in stocked), reverse=True)):
        deliveries.append(Delivery(at=_received_at(rng, now - timedelta(days=days_ago)),
                                   item_type=materials[catalog_id], location=locations[PRINT_ROOM]))
    for catalog_id, days_ago in zip(sealed, sorted((rng.uniform(1, 14) for _ in sealed), reverse=True)):
        deliveries.append(Delivery(at=_received_at(rng, now - timedelta(days=days_ago)),
                                   item_type=materials[catalog_id], location=locations[WAREHOUSE],
                                   note="Safety stock, sealed"))
    return deliveries


def _spool_receiver(*, tenant: Tenant, by: User, rng: random.Random) -> Receive:
    """Receive a spool at its list price ± 8 % with a lot number of its maker and day."""

    def receive(material: ItemType, location: Location, at: datetime, note: str) -> Spool:
        price = material.unit_cost * material.net_weight_g * Decimal(str(round(rng.uniform(0.92, 1.08), 3)))
        return services.spool_receive(
            tenant=tenant, by=by, item_type=material, location=location, cost=price.quantize(Decimal("0.01")),
            received_at=at, lot_number=f"{material.manufacturer[:3].upper()}{at:%y%m%d}-{rng.randint(100, 999)}",
            note=note or f"Delivery of {at:%d %b}")

    return receive


def _stock_products(*, tenant: Tenant, by: User, rng: random.Random, locations: dict[str, Location],
                    now: datetime) -> list[ItemType]:
    """Create the products and count their stock at the shop and in the warehouse."""
    products = []
    for name, sku, cost in PRODUCTS:
        product = services.item_type_create(tenant=tenant, name=name, sku=sku, kind=ItemType.Kind.PRODUCT,
                                            unit_cost=cost)
        services.stock_adjust(tenant=tenant, by=by, item_type=product, location=locations[SHOP],
                              quantity=Decimal(rng.randint(4, 40)), note="Opening count",
                              at=now - timedelta(days=HISTORY_DAYS))
        if rng.random() < 0.6:
            services.stock_adjust(tenant=tenant, by=by, item_type=product, location=locations[WAREHOUSE],
                                  quantity=Decimal(rng.randint(10, 80)), note="Opening count",
                                  at=now - timedelta(days=HISTORY_DAYS))
        products.append(product)
    services.stock_adjust(tenant=tenant, by=by, item_type=products[0], location=locations[SHOP],
                          quantity=Decimal(-2), note="2 damaged on the display", at=now - timedelta(days=3))
    return products


def _plates(*, tenant: Tenant, products: list[ItemType], materials: dict[str, ItemType]) -> list[Plate]:
    """Create each product's recipe (one plate per run) and describe how the farm prints it."""
    by_sku = {product.sku: product for product in products}
    plates = []
    for spec in PLATES:
        product = by_sku[spec.sku]
        filaments = tuple(Filament(item_type=materials[catalog_id], grams=Decimal(grams), purge_g=Decimal(purge))
                          for catalog_id, grams, purge in spec.filaments)
        purge = sum(f.purge_g for f in filaments)
        notes = " ".join(filter(None, [spec.notes, f"Purge on an AMS: {purge} g per plate." if purge else ""]))
        recipe = recipe_create(
            tenant=tenant, name=f"{product.name}, {spec.pieces} per plate", product=product,
            inputs=[InputSpec(item_type=f.item_type, quantity=f.grams) for f in filaments],
            output_quantity=spec.pieces, duration_s=spec.minutes * 60, notes=notes)
        plates.append(Plate(recipe=recipe, filaments=filaments, popularity=spec.popularity, bias=spec.bias))
    return plates


def _parts(*, tenant: Tenant, by: User, locations: dict[str, Location], materials: dict[str, ItemType],
           now: datetime) -> dict[str, ItemType]:
    """Create the components (counted in the warehouse) and ``PARTS`` with their recipes; by SKU."""
    items: dict[str, ItemType] = {}
    for name, sku, cost, count in COMPONENTS:
        items[sku] = services.item_type_create(tenant=tenant, name=name, sku=sku, kind=ItemType.Kind.COMPONENT,
                                               unit_cost=cost)
        services.stock_adjust(tenant=tenant, by=by, item_type=items[sku], location=locations[WAREHOUSE],
                              quantity=Decimal(count), note="Opening count", at=now - timedelta(days=HISTORY_DAYS))
    for part in PARTS:
        items[part.sku] = services.item_type_create(tenant=tenant, name=part.name, sku=part.sku,
                                                    kind=ItemType.Kind.PRODUCT, unit_cost=part.cost)
    for part in PARTS:
        what = "per run" if part.activity != "printing" else "per plate"
        recipe_create(
            tenant=tenant, name=f"{part.name}, {part.pieces} {what}", product=items[part.sku],
            inputs=[InputSpec(item_type=materials[key] if key in materials else items[key], quantity=Decimal(qty))
                    for key, qty in part.inputs],
            output_quantity=part.pieces, duration_s=part.minutes * 60, activity=part.activity, notes=part.notes)
    return items


def _plans(*, tenant: Tenant, items: dict[str, ItemType], locations: dict[str, Location]) -> dict[str, ProductionPlan]:
    """Create ``PLANS`` through ``plans.services``: the root step, then each child under its parent."""

    def add_children(parent: ProductionPlanStep, spec: StepSpec) -> None:
        for child in spec.children:
            step = production_plan_step_add(parent=parent, product=items[child.sku], data={
                "location": locations[child.location], "workstation_kind": child.kind})
            add_children(step, child)

    plans = {}
    for spec in PLANS:
        plan = production_plan_create(
            tenant=tenant, name=spec.name, product=items[spec.root.sku], notes=spec.notes,
            transport_enabled=spec.transport_cost_per_item is not None,
            transport_cost_per_item=spec.transport_cost_per_item or Decimal("0"),
            root={"location": locations[spec.root.location], "workstation_kind": spec.root.kind})
        add_children(plan.steps.get(parent__isnull=True), spec.root)
        plans[spec.name] = plan
    return plans


def _plan_run_stories(plans: dict[str, ProductionPlan]) -> list[PlanRunStory]:
    stories = []
    for name, pieces, parallelism, days_ago, source, progress in PLAN_RUNS:
        story = PlanRunStory(plan=plans[name], quantity=pieces, parallelism=parallelism, days_ago=days_ago,
                             source=source)
        if progress == "parts":
            story = replace(story, root_jobs=0)
        elif progress == "new":
            story = replace(story, work=False)
        elif progress.startswith("cancelled after "):
            story = replace(story, root_jobs=int(progress.rsplit(" ", 1)[1]), cancel_rest=True)
        stories.append(story)
    return stories


def _levels(steps: list[ProductionPlanStep]) -> int:
    """Levels of a step tree (a root alone: 1)."""
    parents = {step.pk: step.parent_id for step in steps}

    def depth(pk: int | None) -> int:
        return 0 if pk is None else 1 + depth(parents[pk])

    return max(depth(pk) for pk in parents)


def _plans_summary(*, tenant: Tenant, plans: dict[str, ProductionPlan]) -> PlansSummary:
    described = []
    for name, plan in plans.items():
        steps = list(plan.steps.all())
        described.append((name, len(steps), _levels(steps), len({step.location_id for step in steps}),
                          plan.transport_enabled))
    runs = list(plan_run_list(tenant=tenant))
    statuses = {status: sum(run.status == status for run in runs) for status in ("pending", "in_progress",
                                                                                 "completed")}
    jobs = {status: sum(getattr(run, f"job_{status}") for run in runs)
            for status in ("planned", "active", "completed", "cancelled")}
    return PlansSummary(plans=described, plan_runs=statuses, jobs=jobs,
                        transport_jobs=TransportJob.objects.for_tenant(tenant).count())


def _stockpiles(*, tenant: Tenant, owner: User, items: dict[str, ItemType], locations: dict[str, Location],
                plans: dict[str, ProductionPlan]) -> list[StockpileMarker]:
    """Create ``STOCKPILES`` through ``stockpiles.services``; ``items`` by SKU or catalog id."""
    return [stockpile_marker_upsert(tenant=tenant, owner=owner, item_type=items[key], location=locations[where],
                                    desired_quantity=Decimal(desired), plan=plans[plan] if plan else None,
                                    auto_production_enabled=auto, auto_production_parallelism=parallelism)[0]
            for key, where, desired, plan, auto, parallelism in STOCKPILES]


def _printers(workstations: list[Workstation]) -> list[Printer]:
    """The working printers with what they can print (the one being rebuilt is left out)."""
    return [Printer(workstation=w, slicer=SLICERS[w.model_name.split()[0]], multi_material=w.name in MULTI_MATERIAL,
                    enclosed=w.name in ENCLOSED, purge_factor=MULTI_MATERIAL.get(w.name, Decimal("1")))
            for w in workstations if w.is_active]


@transaction.atomic
def build_demo_farm(*, entries: list[CatalogEntry], password: str, now: datetime,
                    show_progress: bool = False) -> DemoSummary:
    """Create tenant DEMO and its farm (see the module docstring) in one transaction.

    ``entries`` is the parsed filament catalog; ``now`` anchors the ``HISTORY_DAYS`` of history.
    Raises ValidationError (400) when DEMO or one of its parts already exists, NotFoundError
    (404) when the catalog lacks one of the demo filaments (``MATERIALS``).
    """
    rng = random.Random(SEED)
    tenant = tenant_create(name=DEMO_NAME, short_code=DEMO_SHORT_CODE)
    users, new_users = _users(password=password)
    for name, role in USERS:
        membership_set(tenant=tenant, user=users[name], role=role)
    import_catalog(tenant=tenant, entries=entries, show_progress=show_progress)
    locations = {name: services.location_create(tenant=tenant, name=name, kind=kind) for name, kind in LOCATIONS}
    printers: list[Workstation] = [
        services.workstation_create(tenant=tenant, name=name, model_name=model, location=locations[where],
                                    is_active=active, kind=Workstation.Kind.PRINTER, activities=["printing"])
        for name, model, where, active in PRINTERS]
    benches = [services.workstation_create(tenant=tenant, name=name, model_name=model, location=locations[where],
                                           kind=kind, activities=activities)
               for name, model, where, kind, activities in BENCHES]
    materials = _priced_materials(tenant=tenant)
    products = _stock_products(tenant=tenant, by=users["admin"], rng=rng, locations=locations, now=now)
    plates = _plates(tenant=tenant, products=products, materials=materials)
    parts = _parts(tenant=tenant, by=users["admin"], locations=locations, materials=materials, now=now)
    plans = _plans(tenant=tenant, items=parts, locations=locations)
    first_day = (now - timedelta(days=HISTORY_DAYS - 1)).replace(hour=0, minute=0, second=0, microsecond=0)
    history = replay_history(
        tenant=tenant, admin=users["admin"], operator=users["operator"], rng=rng, now=now, start=first_day,
        room=locations[PRINT_ROOM], plates=plates, printers=_printers(printers),
        deliveries=_deliveries(rng=rng, now=now, materials=materials, locations=locations),
        receive=_spool_receiver(tenant=tenant, by=users["admin"], rng=rng),
        benches=benches, plan_runs=_plan_run_stories(plans))
    made = [item for item in parts.values() if item.kind == ItemType.Kind.PRODUCT]
    markers = _stockpiles(tenant=tenant, owner=users["admin"], locations=locations, plans=plans,
                          items={**{p.sku: p for p in products}, **parts, **materials})
    return DemoSummary(tenant=tenant, new_users=new_users, materials=len(entries), locations=len(locations),
                       printers=len(printers), benches=len(benches),
                       spools=Spool.objects.for_tenant(tenant).count(),
                       products=len(products) + len(made), recipes=len(plates) + len(PARTS), history=history,
                       plans=_plans_summary(tenant=tenant, plans=plans), markers=len(markers),
                       auto_markers=sum(marker.auto_production_on for marker in markers))


class Command(BaseCommand):
    help = (f"Create the demo tenant {DEMO_SHORT_CODE} ({DEMO_NAME}) with users, the filament catalog, "
            f"printers, products with recipes, production plans, and {HISTORY_DAYS} days of spool, production "
            f"and plan-run history.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true",
                            help=f"Do nothing (successfully) when tenant {DEMO_SHORT_CODE} already exists.")

    def handle(self, *args, once: bool, **options) -> None:
        if Tenant.objects.filter(short_code=DEMO_SHORT_CODE).exists():
            if once:
                self.stdout.write(f"Tenant {DEMO_SHORT_CODE} already exists; nothing to do.")
                return
            raise CommandError(f"Tenant {DEMO_SHORT_CODE} already exists. Run with --once to skip seeding "
                               f"when it exists.")
        password = os.environ.get(PASSWORD_ENV) or get_random_string(16)
        try:
            summary = build_demo_farm(entries=read_catalog(), password=password, now=timezone.now(),
                                      show_progress=self.stdout.isatty())
        except ApplicationError as error:
            raise CommandError(error.message) from error
        self.stdout.write(self.style.SUCCESS(
            f"Created {summary.tenant}: {summary.materials} catalog materials, {summary.locations} locations, "
            f"{summary.printers} printers, {summary.benches} assembly bench, {summary.spools} spools, "
            f"{summary.products} products, {summary.recipes} recipes."))
        runs = summary.history
        self.stdout.write(
            f"Runs over {HISTORY_DAYS} days: {runs.runs} ({runs.completed} completed, {runs.failed} failed, "
            f"{runs.cancelled} cancelled, {runs.in_progress} in progress; {runs.reprints} reprints); "
            f"{runs.deliveries} spool deliveries and {runs.reorders} reorders.")
        plans = summary.plans
        described = "; ".join(
            f"{name}: {steps} steps, {levels} levels" + (f", {places} locations" if places > 1 else "")
            + (", transport" if transport else "") for name, steps, levels, places, transport in plans.plans)
        statuses, jobs = plans.plan_runs, plans.jobs
        self.stdout.write(
            f"Plans: {len(plans.plans)} ({described}). Plan runs: {sum(statuses.values())} "
            f"({statuses['pending']} pending, {statuses['in_progress']} in progress, {statuses['completed']} "
            f"completed) with {sum(jobs.values())} jobs ({jobs['planned']} planned, {jobs['active']} active, "
            f"{jobs['completed']} completed, {jobs['cancelled']} cancelled) and {plans.transport_jobs} "
            f"transport jobs.")
        self.stdout.write(
            f"Stockpile markers: {summary.markers} ({summary.auto_markers} with auto-production on: the first "
            f"auto-production tick generates their plan runs).")
        for name, role in USERS:
            if name not in summary.new_users:
                self.stdout.write(f"  {name} ({role}): existing user, password unchanged")
            elif os.environ.get(PASSWORD_ENV):
                self.stdout.write(f"  {name} ({role}): password from ${PASSWORD_ENV}")
            else:
                self.stdout.write(f"  {name} ({role}): password {password}")
