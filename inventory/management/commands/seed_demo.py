"""``manage.py seed_demo [--once]``: a believable print farm, tenant DEMO, built from the real catalog.

What it builds (deterministic: a seeded ``random.Random``; dates relative to now):

* tenant "Demo Print Farm" (``DEMO``); users ``admin`` (admin) and ``operator`` (operator) with
  the password from ``DEMO_PASSWORD`` or a generated one, printed (existing users keep theirs);
* the SpoolmanDB catalog as material item types, a per-gram ``unit_cost`` on the ones in use;
* 3 locations, 8 printers (Prusa / Bambu Lab / Creality / Voron models);
* 30 spools of real filaments received over the past 60 days, then weighed down (a few nearly
  empty, one empty, one archived, one mis-weighing reversed), 6 still sealed in the warehouse;
* 12 products with stock counted at the shop and the warehouse.

Every ledger row goes through ``inventory.services``, so spool weights and stock balances agree
with the ledger. Everything is one transaction: a failure leaves nothing behind.
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
from inventory.models import InventoryTransaction, ItemType, Location, Spool, Workstation
from prodtrack.exceptions import ApplicationError, NotFoundError
from prodtrack.models import Role, Tenant, User
from prodtrack.services import membership_set, tenant_create, user_ensure

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
SEALED_SPOOLS = 6      # the most recent deliveries, still sealed in the warehouse
NEAR_EMPTY_SPOOLS = 3  # among the oldest spools in the print room

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


def _received_at(rng: random.Random, now: datetime, days_ago: float) -> datetime:
    """A delivery ``days_ago`` days back, during working hours (08:00–17:59)."""
    day = now - timedelta(days=days_ago)
    return day.replace(hour=rng.randint(8, 17), minute=rng.randint(0, 59), second=0, microsecond=0)


def _receive_spools(*, tenant: Tenant, by: User, rng: random.Random, now: datetime,
                    materials: dict[str, ItemType], locations: dict[str, Location]) -> list[Spool]:
    """Receive the 30 spools, oldest first; the ``SEALED_SPOOLS`` newest go to the warehouse."""
    orders = [catalog_id for catalog_id, _, count in MATERIALS for _ in range(count)]
    ages = sorted((rng.uniform(1, HISTORY_DAYS) for _ in orders), reverse=True)
    rng.shuffle(orders)
    spools = []
    for index, (catalog_id, days_ago) in enumerate(zip(orders, ages)):
        material = materials[catalog_id]
        at = _received_at(rng, now, days_ago)
        sealed = index >= len(orders) - SEALED_SPOOLS
        price = material.unit_cost * material.net_weight_g * Decimal(str(round(rng.uniform(0.92, 1.08), 3)))
        spools.append(services.spool_receive(
            tenant=tenant, by=by, item_type=material, location=locations[WAREHOUSE if sealed else PRINT_ROOM],
            cost=price.quantize(Decimal("0.01")), received_at=at,
            lot_number=f"{material.manufacturer[:3].upper()}{at:%y%m%d}-{rng.randint(100, 999)}",
            note=f"Delivery of {at:%d %b}"))
    return spools


def _gross(spool: Spool, net_g: int) -> Decimal:
    """What the scale shows for ``net_g`` grams of filament on the spool (net + tare)."""
    return Decimal(net_g) + spool.tare_weight_g


def _weighed_at(spool: Spool, rng: random.Random, now: datetime) -> datetime:
    """A weighing some time between the spool's delivery and ``now``."""
    return spool.received_at + (now - spool.received_at) * rng.uniform(0.5, 0.95)


def _weigh_spools(*, spools: list[Spool], by: User, rng: random.Random, now: datetime) -> None:
    """Weigh the print-room spools down to believable remaining weights.

    The oldest spools run low (``NEAR_EMPTY_SPOOLS`` under 60 g), the next one is used up and
    marked empty, the one after is archived (tangled), and one spool's first weighing is
    reversed (the scale was not tared) and redone. Others keep 15–90 % depending on age.
    """
    in_use = [s for s in spools if s.location.name == PRINT_ROOM]   # oldest first
    near_empty, (used_up, tangled, misweighed), rest = (
        in_use[:NEAR_EMPTY_SPOOLS], in_use[NEAR_EMPTY_SPOOLS:NEAR_EMPTY_SPOOLS + 3], in_use[NEAR_EMPTY_SPOOLS + 3:])
    for spool in near_empty:
        services.spool_adjust(spool=spool, by=by, gross_weight_g=_gross(spool, rng.randint(12, 60)),
                              at=_weighed_at(spool, rng, now))
    weighed = _weighed_at(used_up, rng, now)
    services.spool_adjust(spool=used_up, by=by, gross_weight_g=_gross(used_up, rng.randint(60, 140)), at=weighed)
    services.spool_mark_empty(spool=used_up, by=by, note="Ran out mid-print", at=weighed + (now - weighed) / 2)
    services.spool_adjust(spool=tangled, by=by, gross_weight_g=_gross(tangled, rng.randint(150, 300)),
                          at=_weighed_at(tangled, rng, now))
    services.spool_archive(spool=tangled, by=by)
    for position, spool in enumerate(rest, start=1):
        share = 1 - position / (len(rest) + 1)                       # older → emptier
        fraction = min(0.9, max(0.15, 0.9 - 0.7 * share + rng.uniform(-0.08, 0.08)))
        services.spool_adjust(spool=spool, by=by, at=_weighed_at(spool, rng, now),
                              gross_weight_g=_gross(spool, int(float(spool.initial_weight_g) * fraction)))
    true_net = int(misweighed.initial_weight_g * Decimal("0.55"))
    weighed = _weighed_at(misweighed, rng, now)
    services.spool_adjust(spool=misweighed, by=by, gross_weight_g=_gross(misweighed, true_net + 85),
                          note="Weighed with the spool holder on", at=weighed)
    wrong = InventoryTransaction.objects.filter(spool=misweighed).latest("created_at", "id")
    services.inventory_transaction_reverse(transaction_row=wrong, by=by, note="Scale was not tared (holder 85 g)",
                                           at=weighed + timedelta(minutes=20))
    services.spool_adjust(spool=misweighed, by=by, gross_weight_g=_gross(misweighed, true_net), note="Re-weighed",
                          at=weighed + timedelta(minutes=25))


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


@transaction.atomic
def build_demo_farm(*, entries: list[CatalogEntry], password: str, now: datetime,
                    show_progress: bool = False) -> DemoSummary:
    """Create tenant DEMO and its farm (see the module docstring) in one transaction.

    ``entries`` is the parsed filament catalog; ``now`` anchors the 60 days of history.
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
    spools = _receive_spools(tenant=tenant, by=users["admin"], rng=rng, now=now, materials=materials,
                             locations=locations)
    _weigh_spools(spools=spools, by=users["operator"], rng=rng, now=now)
    products = _stock_products(tenant=tenant, by=users["admin"], rng=rng, locations=locations, now=now)
    return DemoSummary(tenant=tenant, new_users=new_users, materials=len(entries), locations=len(locations),
                       printers=len(printers), spools=len(spools), products=len(products))


class Command(BaseCommand):
    help = (f"Create the demo tenant {DEMO_SHORT_CODE} ({DEMO_NAME}) with users, the filament catalog, "
            "printers, spools with history and products.")

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
            f"{summary.printers} printers, {summary.spools} spools, {summary.products} products."))
        for name, role in USERS:
            if name not in summary.new_users:
                self.stdout.write(f"  {name} ({role}): existing user, password unchanged")
            elif os.environ.get(PASSWORD_ENV):
                self.stdout.write(f"  {name} ({role}): password from ${PASSWORD_ENV}")
            else:
                self.stdout.write(f"  {name} ({role}): password {password}")
