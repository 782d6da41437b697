"""What the home page shows, read from the domain apps' selectors."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Exists, OuterRef

from inventory import selectors as inventory_selectors
from inventory.models import ItemType, Location, Spool, Workstation
from plans.models import Recipe
from prodtrack import charts
from prodtrack.models import Tenant
from runs import selectors as run_selectors
from runs.variance import BAND_LIMIT_PCT, variance_band, variance_pct

TREND_DAYS = 30


def dashboard_panels(*, tenant: Tenant, days: int = TREND_DAYS) -> dict[str, Any]:
    """Every panel of the home page, as template context: the inventory summary
    (``inventory.selectors.dashboard_summary``), the runs in progress and recently completed
    (``runs.selectors.dashboard_runs``) and ``trend``, the filament variance of the last ``days``
    days (``variance_trend``). Eight queries whatever the number of runs and spools: 3 of the
    summary, 4 of the runs, 1 of the trend. ``trend_chart`` draws the trend (``variance_trend_chart``)."""
    trend = run_selectors.variance_trend(tenant=tenant, days=days)
    return {
        **inventory_selectors.dashboard_summary(tenant=tenant),
        **run_selectors.dashboard_runs(tenant=tenant, days=days),
        "trend": variance_trend_panel(trend), "trend_chart": variance_trend_chart(trend),
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


def variance_trend_chart(days: list[dict[str, Any]]) -> dict[str, Any]:
    """The variance trend as a line (``prodtrack.charts``): each day's average variance (%), its
    point in its band's colour, dashed limits at ± the band limit; a point's tooltip gives the full
    date and the day's runs with their grams. days: ``runs.selectors.variance_trend`` rows."""
    return charts.chart(
        kind="line", axis="% over (+) / under (−)", from_zero=False,
        value_range=(-2 * BAND_LIMIT_PCT, 2 * BAND_LIMIT_PCT),
        limits=[charts.limit(BAND_LIMIT_PCT, band="over", label=f"+{BAND_LIMIT_PCT} %"),
                charts.limit(-BAND_LIMIT_PCT, band="under", label=f"−{BAND_LIMIT_PCT} %")],
        labels=[f"{day['day']:%m-%d}" for day in days], datasets=[
            charts.series("Average variance (%)", [day["average_variance_pct"] for day in days], color="actual",
                          points=[{"band": variance_band(day["average_variance_pct"]), "title": day["day"].isoformat(),
                                   "note": _runs_note(day)} for day in days])])


def _runs_note(day: dict[str, Any]) -> str | None:
    """"2 runs: 308 g of 280 g" (grams used of estimated, whole); None on a day without runs."""
    if not day["runs"]:
        return None
    actual, estimated = (grams.quantize(Decimal("1"), rounding=ROUND_HALF_UP)
                         for grams in (day["actual_g"], day["estimated_g"]))
    return f"{day['runs']} run{'' if day['runs'] == 1 else 's'}: {actual} g of {estimated} g"


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def onboarding_checklist(*, tenant: Tenant) -> dict[str, Any] | None:
    """The first steps of a new farm, each ``done`` or not, or None once every one is done.

    ``steps``: materials (any filament material, from the catalog or added by hand), places (a
    location and a printer), recipe (any recipe), spool (any spool received); ``catalog_import``:
    the newest import of the filament catalog (None without one). Two queries, one while all done.
    """
    steps = _onboarding_steps(tenant)
    ticks = [steps[name] for name in ("materials", "places", "recipe", "spool")]
    if all(ticks):
        return None
    return {"steps": steps, "done": sum(ticks), "total": len(ticks),
            "catalog_import": inventory_selectors.catalog_import_latest(tenant=tenant)}


def _onboarding_steps(tenant: Tenant) -> dict[str, bool]:
    """Whether the tenant has each first thing, in one query of EXISTS subqueries."""
    def exists(queryset) -> Exists:
        return Exists(queryset.filter(tenant=OuterRef("pk")))

    row = Tenant.objects.filter(pk=tenant.pk).annotate(
        materials=exists(ItemType.objects.filter(kind=ItemType.Kind.MATERIAL)),
        locations=exists(Location.objects.all()),
        printers=exists(Workstation.objects.filter(kind=Workstation.Kind.PRINTER)),
        recipe=exists(Recipe.objects.all()),
        spool=exists(Spool.objects.all()),
    ).values("materials", "locations", "printers", "recipe", "spool").get()
    return {"materials": row["materials"], "places": row["locations"] and row["printers"],
            "locations": row["locations"], "printers": row["printers"],
            "recipe": row["recipe"], "spool": row["spool"]}
