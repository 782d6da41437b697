"""An assembly shop for the tests of parts that runs consume: desk organiser sets assembled from
printed drawers and frames in the print room, weighted bases from printed shells and bought bags
of steel shot in the warehouse (the ``assembly_shop`` fixture; built directly where fixtures cannot
reach, as in a hypothesis test)."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from inventory.models import ItemType, Location, Spool, Workstation
from prodtrack.models import Tenant, User
from tests.factories import (
    ComponentFactory,
    LocationFactory,
    MaterialFactory,
    ProductFactory,
    WorkstationFactory,
    make_recipe,
    receive_spool,
)


@dataclass(frozen=True)
class AssemblyShop:
    room: Location          # "Print room": printer and the organiser bench
    warehouse: Location     # "Warehouse": shell printer and the base bench
    printer: Workstation    # "MK4 #1" in the print room
    shell_printer: Workstation  # "MK4 #2" in the warehouse
    bench: Workstation      # "Bench" in the print room (assembly)
    base_bench: Workstation  # "Base bench" in the warehouse (assembly)
    pla_spool: Spool        # 5000 g of PLA in the print room, 0.025 per g
    petg_spool: Spool       # 5000 g of PETG in the warehouse, 0.030 per g
    organiser_set: ItemType  # 1 per run from 2 drawers + 1 frame, nothing else
    drawer: ItemType        # 2 per plate from 40 g PLA; unit cost 1.50
    frame: ItemType         # 1 per plate from 80 g PLA; unit cost 2.00
    base: ItemType          # "Weighted base": 1 per run from 1 shell + 1 bag of steel shot
    shell: ItemType         # "Base shell": 2 per plate from 75 g PETG; unit cost 0.90
    steel_shot: ItemType    # "Steel shot, 250 g bag", a bought component; unit cost 1.10


def assembly_shop_build(*, tenant: Tenant, by: User) -> AssemblyShop:
    """The shop above for ``tenant``, its spools received by ``by`` (no stock of parts yet)."""
    room, warehouse = (LocationFactory(tenant=tenant, name="Print room"),
                       LocationFactory(tenant=tenant, name="Warehouse"))
    pla = MaterialFactory(tenant=tenant, name="PLA Black", unit_cost=Decimal("0.0250"))
    petg = MaterialFactory(tenant=tenant, name="PETG Black", material="PETG", unit_cost=Decimal("0.0300"))
    organiser_set = ProductFactory(tenant=tenant, name="Desk organiser set", unit_cost=Decimal("12.00"))
    drawer = ProductFactory(tenant=tenant, name="Organiser drawer", unit_cost=Decimal("1.50"))
    frame = ProductFactory(tenant=tenant, name="Organiser frame", unit_cost=Decimal("2.00"))
    base = ProductFactory(tenant=tenant, name="Weighted base", unit_cost=Decimal("3.00"))
    shell = ProductFactory(tenant=tenant, name="Base shell", unit_cost=Decimal("0.90"))
    steel_shot = ComponentFactory(tenant=tenant, name="Steel shot, 250 g bag", unit_cost=Decimal("1.10"))
    make_recipe(tenant=tenant, product=organiser_set, inputs=[(drawer, "2"), (frame, "1")], duration_s=600)
    make_recipe(tenant=tenant, product=drawer, inputs=[(pla, "40")], output_quantity=2)
    make_recipe(tenant=tenant, product=frame, inputs=[(pla, "80")])
    make_recipe(tenant=tenant, product=base, inputs=[(shell, "1"), (steel_shot, "1")], duration_s=300)
    make_recipe(tenant=tenant, product=shell, inputs=[(petg, "75")], output_quantity=2)
    return AssemblyShop(
        room=room, warehouse=warehouse,
        printer=WorkstationFactory(tenant=tenant, name="MK4 #1", location=room),
        shell_printer=WorkstationFactory(tenant=tenant, name="MK4 #2", location=warehouse),
        bench=WorkstationFactory(tenant=tenant, name="Bench", location=room, kind=Workstation.Kind.ASSEMBLY),
        base_bench=WorkstationFactory(tenant=tenant, name="Base bench", location=warehouse,
                                      kind=Workstation.Kind.ASSEMBLY),
        pla_spool=receive_spool(tenant=tenant, by=by, material=pla, location=room, grams="5000",
                                cost=Decimal("125.00")),
        petg_spool=receive_spool(tenant=tenant, by=by, material=petg, location=warehouse, grams="5000",
                                 cost=Decimal("150.00")),
        organiser_set=organiser_set, drawer=drawer, frame=frame, base=base, shell=shell, steel_shot=steel_shot)
