"""Runs on the print farm (``tests.fixtures.farm``) in one call, and the pinned query counts of the
run pages."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal as D
from typing import TYPE_CHECKING

from prodtrack.models import Tenant, User
from runs import services
from runs.models import ProductionRun
from runs.services import MaterialActual
from tests.factories import receive_spool

if TYPE_CHECKING:
    from tests.fixtures.farm import PrintFarm

# Queries per run list page, pinned: session, user, memberships (3) + product and printer filter
# choices (2) + count, rows, items with products (3).
LIST_PAGE_QUERIES = 3 + 2 + 3

# Queries of a run's detail page, pinned: session, user, memberships (3) + run, items, materials,
# parts used, reprints (5).
DETAIL_PAGE_QUERIES = 3 + 5


def complete_stand_run(run: ProductionRun, user: User, pla_g: str = "240", petg_g: str = "40",
                       failed: int = 0) -> ProductionRun:
    """Complete a ``make_run`` run of phone stands two hours after its start.

    ``pla_g``/``petg_g`` are the actual grams (no purge) of its PLA and PETG spools; 8 stands are
    estimated at 240 g PLA + 40 g PETG. ``failed`` pieces are wasted as "warped".
    """
    pla, petg = run.materials.order_by("pk")
    item = run.items.get()
    return services.production_run_complete(
        run=run, by=user, completed_at=run.started_at + timedelta(hours=2),
        materials=[MaterialActual(material_id=pla.pk, actual_weight_g=D(pla_g), actual_purge_g=D("0")),
                   MaterialActual(material_id=petg.pk, actual_weight_g=D(petg_g), actual_purge_g=D("0"))],
        items=[services.ItemOutcome(item_id=item.pk, successful_quantity=item.quantity - failed,
                                    failed_quantity=failed, waste_reason="warped" if failed else "")])


def stand_run_on_spools(farm: PrintFarm, tenant: Tenant, admin_user: User, n: int) -> ProductionRun:
    """An in-progress run of 4 phone stands on ``n`` spools, 10 g estimated on each: the farm's PLA
    and PETG spools first, then new 1000 g PLA spools in the print room."""
    spools = [farm.pla_spool, farm.petg_spool][:n]
    spools += [receive_spool(tenant=tenant, by=admin_user, material=farm.pla, location=farm.room, grams="1000",
                             cost=D("25.00")) for _ in range(n - len(spools))]
    return services.production_run_create(
        tenant=tenant, by=admin_user, workstation=farm.printer,
        items=[services.ItemSpec(product=farm.stand, quantity=4)],
        materials=[services.MaterialSpec(spool=spool, estimated_weight_g=D("10")) for spool in spools])
