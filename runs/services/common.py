"""What every run service shares: the ledger reference of a run, Decimal rounding, and the run
row lock taken before any status check."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from prodtrack.exceptions import NotFoundError
from runs.errors import RunStateError
from runs.models import ProductionRun

ZERO = Decimal("0")
CENT = Decimal("0.01")
Status = ProductionRun.Status


def round_money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def round_grams(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def lock_run(run: ProductionRun) -> ProductionRun:
    """Re-read the run under a row lock (the status check must come after this). Raises
    NotFoundError (404) when the run was deleted meanwhile (another request's delete won)."""
    try:
        return (ProductionRun.objects.select_for_update(of=("self",)).select_related("tenant", "location")
                .live().get(pk=run.pk))
    except ProductionRun.DoesNotExist:
        raise NotFoundError(f"Production run {run.run_number} was deleted.", model="productionrun",
                            id=str(run.pk)) from None


def lock_run_in_progress(run: ProductionRun, action: str) -> ProductionRun:
    run = lock_run(run)
    if run.status != Status.IN_PROGRESS:
        raise RunStateError(run=run, action=action, hint="Only in-progress runs can be changed.")
    return run
