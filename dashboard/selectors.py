"""What the home page shows, read from the domain apps' selectors."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from inventory import selectors as inventory_selectors
from prodtrack.models import Tenant
from runs import selectors as run_selectors
from runs.variance import variance_band, variance_pct

TREND_DAYS = 30


def dashboard_panels(*, tenant: Tenant, days: int = TREND_DAYS) -> dict[str, Any]:
    """Every panel of the home page, as template context: the inventory summary
    (``inventory.selectors.dashboard_summary``), the runs in progress and recently completed
    (``runs.selectors.dashboard_runs``) and ``trend``, the filament variance of the last ``days``
    days (``variance_trend``). Eight queries whatever the number of runs and spools: 3 of the
    summary, 4 of the runs, 1 of the trend."""
    return {
        **inventory_selectors.dashboard_summary(tenant=tenant),
        **run_selectors.dashboard_runs(tenant=tenant, days=days),
        "trend": variance_trend_panel(run_selectors.variance_trend(tenant=tenant, days=days)),
        "trend_days": days,
    }


def variance_trend_panel(days: list[dict[str, Any]]) -> dict[str, Any]:
    """The variance trend's chart rows (JSON-ready: strings for Decimals, ISO dates) and its
    totals: ``runs``, grams ``estimated_g`` and ``actual_g``, and ``total_variance_pct`` (all
    grams used vs all estimated, %, DESIGN §4's formula) with its ``band``."""
    done = [day for day in days if day["runs"]]
    estimated = sum((day["estimated_g"] for day in done), Decimal("0"))
    actual = sum((day["actual_g"] for day in done), Decimal("0"))
    total_pct = variance_pct(actual, estimated) if done else None
    return {
        "runs": sum(day["runs"] for day in done), "estimated_g": estimated, "actual_g": actual,
        "total_variance_pct": total_pct, "band": variance_band(total_pct),
        "chart": [{"day": day["day"].isoformat(), "runs": day["runs"],
                   "pct": _text(day["average_variance_pct"]), "band": variance_band(day["average_variance_pct"]),
                   "estimated": _text(day["estimated_g"]), "actual": _text(day["actual_g"])} for day in days],
    }


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)
