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
  mis-weighing reversed, a spool that ran out mid-print).

Every ledger row and run goes through ``inventory.services`` / ``runs.services``, in time order,
so spool weights and stock balances agree with the ledger. Everything is one transaction: a
failure leaves nothing behind.
"""
from __future__ import annotations

import os
import random
from dataclasses import dataclass
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
from plans.services import InputSpec, recipe_create
from prodtrack.exceptions import ApplicationError, NotFoundError
from prodtrack.models import Role, Tenant, User
from prodtrack.services import membership_set, tenant_create, user_ensure
from runs.demo import Delivery, Filament, HistorySummary, Plate, Printer, Receive, replay_history

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


@dataclass(frozen=True)
class DemoSummary:
    """What ``build_demo_farm`` created; ``new_users`` lists usernames whose password was set."""

    tenant: Tenant
    new_users: list[str]
    materials: int
    locations: int
    printers: int
    spools: int
    products: int
    recipes: int
    history: HistorySummary


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
    materials = _priced_materials(tenant=tenant)
    products = _stock_products(tenant=tenant, by=users["admin"], rng=rng, locations=locations, now=now)
    plates = _plates(tenant=tenant, products=products, materials=materials)
    first_day = (now - timedelta(days=HISTORY_DAYS - 1)).replace(hour=0, minute=0, second=0, microsecond=0)
    history = replay_history(
        tenant=tenant, admin=users["admin"], operator=users["operator"], rng=rng, now=now, start=first_day,
        room=locations[PRINT_ROOM], plates=plates, printers=_printers(printers),
        deliveries=_deliveries(rng=rng, now=now, materials=materials, locations=locations),
        receive=_spool_receiver(tenant=tenant, by=users["admin"], rng=rng))
    return DemoSummary(tenant=tenant, new_users=new_users, materials=len(entries), locations=len(locations),
                       printers=len(printers), spools=Spool.objects.for_tenant(tenant).count(),
                       products=len(products), recipes=len(plates), history=history)


class Command(BaseCommand):
    help = (f"Create the demo tenant {DEMO_SHORT_CODE} ({DEMO_NAME}) with users, the filament catalog, "
            f"printers, products with recipes, and {HISTORY_DAYS} days of spool and production history.")

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
            f"{summary.printers} printers, {summary.spools} spools, {summary.products} products, "
            f"{summary.recipes} recipes."))
        runs = summary.history
        self.stdout.write(
            f"Runs over {HISTORY_DAYS} days: {runs.runs} ({runs.completed} completed, {runs.failed} failed, "
            f"{runs.cancelled} cancelled, {runs.in_progress} in progress; {runs.reprints} reprints); "
            f"{runs.deliveries} spool deliveries and {runs.reorders} reorders.")
        for name, role in USERS:
            if name not in summary.new_users:
                self.stdout.write(f"  {name} ({role}): existing user, password unchanged")
            elif os.environ.get(PASSWORD_ENV):
                self.stdout.write(f"  {name} ({role}): password from ${PASSWORD_ENV}")
            else:
                self.stdout.write(f"  {name} ({role}): password {password}")
