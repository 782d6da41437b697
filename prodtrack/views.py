"""Core pages: dashboard and the tenant switcher.

The dashboard is the one page that shows every app at once, so it reads from their selectors
(inventory and runs) here, in the project package that already routes to all of them.
"""
from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from inventory import selectors as inventory_selectors
from prodtrack.pages import next_url
from prodtrack.tenancy import SESSION_TENANT_KEY, choose_membership, role_required
from runs import selectors as run_selectors
from runs.variance import variance_band, variance_pct

TREND_DAYS = 30


@role_required()
def dashboard(request: HttpRequest) -> HttpResponse:
    """Landing page: runs in progress, recent completions, spools running low, the filament
    variance of the last 30 days and the newest ledger rows. Eleven queries whatever the number of
    runs and spools: 3 of every page, 3 of ``dashboard_summary``, 4 of ``dashboard_runs``, 1 of
    ``variance_trend``."""
    runs = run_selectors.dashboard_runs(tenant=request.tenant, days=TREND_DAYS)
    now = timezone.now()
    for run in runs["in_progress"]:
        elapsed = (now - run.started_at).total_seconds()
        run.elapsed_pct = (min(Decimal(100), Decimal(elapsed * 100 / run.estimated_duration_s))
                           if run.estimated_duration_s and elapsed > 0 else None)
        run.overdue = bool(run.estimated_duration_s) and elapsed > run.estimated_duration_s
    return render(request, "dashboard.html", {
        **inventory_selectors.dashboard_summary(tenant=request.tenant), **runs,
        "trend": _trend(run_selectors.variance_trend(tenant=request.tenant, days=TREND_DAYS)),
        "trend_days": TREND_DAYS,
    })


def _trend(days: list[dict[str, Any]]) -> dict[str, Any]:
    """The variance trend's chart rows (JSON-ready) and its totals: runs, grams estimated and
    actual, and the total variance (all grams used vs all estimated, %)."""
    done = [day for day in days if day["runs"]]
    estimated = sum((day["estimated_g"] for day in done), Decimal("0"))
    actual = sum((day["actual_g"] for day in done), Decimal("0"))
    total_pct = variance_pct(actual, estimated) if done else None
    return {
        "runs": sum(day["runs"] for day in done), "estimated_g": estimated, "actual_g": actual,
        "total_variance_pct": total_pct, "band": variance_band(total_pct),
        "chart": [{"day": day["day"].isoformat(), "runs": day["runs"],
                   "pct": None if day["average_variance_pct"] is None else str(day["average_variance_pct"]),
                   "band": variance_band(day["average_variance_pct"]),
                   "estimated": None if day["estimated_g"] is None else str(day["estimated_g"]),
                   "actual": None if day["actual_g"] is None else str(day["actual_g"])} for day in days],
    }


@require_POST
def tenant_switch(request: HttpRequest) -> HttpResponse:
    """Make another of the user's tenants the active one (navbar switcher)."""
    membership = choose_membership(request.memberships, tenant_id=_int(request.POST.get("tenant")))
    if membership is not None and str(membership.tenant_id) == request.POST.get("tenant"):
        request.session[SESSION_TENANT_KEY] = membership.tenant_id
    return redirect(next_url(request, reverse("dashboard")))


def _int(value: str | None) -> int | None:
    try:
        return int(value or "")
    except ValueError:
        return None
