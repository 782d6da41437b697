"""A small print farm for run tests: a printer in the print room, two spools, a recipe."""
from __future__ import annotations

from decimal import Decimal

import pytest

from runs import services
from tests.factories import LocationFactory, MaterialFactory, ProductFactory, WorkstationFactory, make_recipe, receive_spool


@pytest.fixture
def farm(tenant, admin_user):
    """Phone stand: 4 per plate, 120 g PLA + 20 g PETG per plate, 2 h per plate; PLA costs 0.025/g."""
    room = LocationFactory(tenant=tenant, name="Print room")
    printer = WorkstationFactory(tenant=tenant, name="MK4 #1", location=room)
    pla = MaterialFactory(tenant=tenant, name="Galaxy Black PLA", unit_cost=Decimal("0.0250"))
    petg = MaterialFactory(tenant=tenant, name="Jet Black PETG", material="PETG", unit_cost=Decimal("0.0300"))
    stand = ProductFactory(tenant=tenant, name="Phone stand")
    make_recipe(tenant=tenant, product=stand, inputs=[(pla, "120"), (petg, "20")], output_quantity=4,
                duration_s=7200)
    pla_spool = receive_spool(tenant=tenant, by=admin_user, material=pla, location=room, grams="1000",
                              cost=Decimal("25.00"))
    petg_spool = receive_spool(tenant=tenant, by=admin_user, material=petg, location=room, grams="1000",
                               cost=Decimal("30.00"))
    return {"room": room, "printer": printer, "pla": pla, "petg": petg, "stand": stand,
            "pla_spool": pla_spool, "petg_spool": petg_spool}


@pytest.fixture
def make_run(farm, tenant, admin_user):
    """``make_run(quantity=8, purge="5")`` → an in-progress run of phone stands on both spools."""

    def make(quantity: int = 8, purge: str = "0", **kwargs):
        return services.production_run_create(
            tenant=tenant, by=admin_user, workstation=farm["printer"],
            items=[services.ItemSpec(product=farm["stand"], quantity=quantity)],
            materials=[services.MaterialSpec(spool=farm["pla_spool"], estimated_purge_g=Decimal(purge)),
                       services.MaterialSpec(spool=farm["petg_spool"])], **kwargs)

    return make
