"""Build the demo print farm, tenant DEMO, from the real filament catalog (``demo_seed``).

What it builds (deterministic: a ``random.Random`` seeded with ``demo.data.SEED``; dates relative
to ``now``; the tables are in ``demo.data``):

* tenant "Demo Print Farm" (``DEMO``); users ``admin`` (admin) and ``operator`` (operator) with
  the given password (existing users keep theirs);
* the SpoolmanDB catalog as material item types, a per-gram ``unit_cost`` on the ones in use;
* 3 locations, 8 printers (Prusa / Bambu Lab / Creality / Voron models; the Voron is being rebuilt);
* 12 products with stock counted at the shop and the warehouse, each with a recipe: grams of real
  catalog filaments per plate (two-colour ones with a second filament and a purge), pieces and
  print time per plate;
* 60 days of the farm's life (``demo.simulation.replay_history``): the 30 spools of ``MATERIALS``
  delivered (one of each opening the print room, 6 sealed in the warehouse), reorders when the
  print room runs low, a few production runs a day on the 7 working printers — completed with
  believable actual grams (the desk organiser consistently ~15 % over its recipe, the small plant
  pot ~17 % under: sliced with 4 walls, printed with 3), some with failed pieces, a few failed mid-print, reprints, two voided, a
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

import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction

from demo.data import (
    BENCHES,
    COMPONENTS,
    DEMO_NAME,
    DEMO_SHORT_CODE,
    ENCLOSED,
    HISTORY_DAYS,
    LOCATIONS,
    MATERIALS,
    MULTI_MATERIAL,
    PARTS,
    PLAN_RUNS,
    PLANS,
    PLATES,
    PRINT_ROOM,
    PRINTERS,
    PRODUCTS,
    SEALED_SPOOLS,
    SEED,
    SHOP,
    SLICERS,
    STOCKPILES,
    TOKEN_PRINTERS,
    USERS,
    WAREHOUSE,
    StepSpec,
)
from demo.selectors import PlansSummary, demo_plans_summary
from demo.simulation import Delivery, Filament, HistorySummary, PlanRunStory, Plate, Printer, Receive, replay_history
from inventory import services
from inventory.catalog import CatalogEntry
from inventory.models import ItemType, Location, Spool, Workstation
from plans.models import ProductionPlan, ProductionPlanStep
from plans.services import InputSpec, production_plan_create, production_plan_step_add, recipe_create
from printers import services as printer_services
from prodtrack.exceptions import NotFoundError
from prodtrack.models import Tenant, User
from prodtrack.services import membership_set, tenant_create, user_ensure
from stockpiles.models import StockpileMarker
from stockpiles.services import stockpile_marker_upsert


@dataclass(frozen=True)
class DemoSummary:
    """What ``demo_seed`` created (counts); ``new_users`` lists the usernames whose password was set."""

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
    stocked_days_ago = sorted((rng.uniform(5, HISTORY_DAYS - 3) for _ in stocked), reverse=True)
    for catalog_id, days_ago in zip(stocked, stocked_days_ago, strict=True):
        deliveries.append(Delivery(at=_received_at(rng, now - timedelta(days=days_ago)),
                                   item_type=materials[catalog_id], location=locations[PRINT_ROOM]))
    sealed_days_ago = sorted((rng.uniform(1, 14) for _ in sealed), reverse=True)
    for catalog_id, days_ago in zip(sealed, sealed_days_ago, strict=True):
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
def demo_seed(*, entries: list[CatalogEntry], password: str, now: datetime,
              catalog_progress: Callable[[int], None] | None = None) -> DemoSummary:
    """Create tenant DEMO and its farm (see the module docstring) in one transaction.

    ``entries`` is the parsed filament catalog (``inventory.catalog.read_catalog``); ``password`` is
    set on the demo users created now; ``now`` anchors the ``HISTORY_DAYS`` of history;
    ``catalog_progress(n)`` is called as ``n`` more catalog entries are imported (a progress bar).
    Raises ValidationError (400) when DEMO or one of its parts already exists, NotFoundError
    (404) when the catalog lacks one of the demo filaments (``MATERIALS``).
    """
    rng = random.Random(SEED)
    tenant = tenant_create(name=DEMO_NAME, short_code=DEMO_SHORT_CODE)
    users, new_users = _users(password=password)
    for name, role in USERS:
        membership_set(tenant=tenant, user=users[name], role=role)
    services.item_type_catalog_import(tenant=tenant, entries=entries, progress=catalog_progress)
    locations = {name: services.location_create(tenant=tenant, name=name, kind=kind) for name, kind in LOCATIONS}
    printers: list[Workstation] = [
        services.workstation_create(tenant=tenant, name=name, model_name=model, location=locations[where],
                                    is_active=active, kind=Workstation.Kind.PRINTER, activities=["printing"])
        for name, model, where, active in PRINTERS]
    for printer in printers[:TOKEN_PRINTERS]:        # their Spoolman addresses; bin/demo prints a fresh one
        printer_services.printer_token_create(workstation=printer, by=users["admin"])
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
                       plans=demo_plans_summary(tenant=tenant, plans=plans), markers=len(markers),
                       auto_markers=sum(marker.auto_production_on for marker in markers))
