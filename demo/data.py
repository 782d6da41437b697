"""The demo print farm as data: who works there, its rooms and printers, what it buys and makes,
its production plans, the plan runs of its recent weeks and the stock it keeps.

``demo.services.demo_seed`` builds tenant DEMO from these tables; ``SEED`` makes its history
repeatable (the same seed and ``now`` give the same farm). Filaments are named by their SpoolmanDB
catalog id (``inventory/data/spoolmandb``), products and parts by SKU, places by location name.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from inventory.models import Location, Workstation
from plans.models import ProductionPlanRun
from prodtrack.models import Role

SEED = 20251025
DEMO_NAME = "Demo Print Farm"
DEMO_SHORT_CODE = "DEMO"
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
    PlateRecipe("PRD-PLANT-POT-S", 3, 12 * 60, ((IVORY_WHITE, 156, 0),), popularity=1.5, bias=-0.17,
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


#: the first printers get a Spoolman address (a printer token) when the demo is seeded
TOKEN_PRINTERS = 2

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
    """A production plan: its ``name`` and step tree from ``root``; ``transport_cost_per_item`` (per
    piece carried between its locations) turns transport on."""

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
