"""Template helpers of the plans pages: durations, job-summary progress, status labels."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

from inventory.models import Workstation

register = template.Library()

STATUS_LABELS = {"pending": "Pending", "in_progress": "In progress", "completed": "Completed"}


@register.filter
def duration(seconds: int | None) -> str:
    """``{{ 9000|duration }}`` → ``2 h 30 min``; days past 48 hours; ``—`` for nothing."""
    if not seconds:
        return "—"
    minutes = -(-int(seconds) // 60)
    hours, minutes = divmod(minutes, 60)
    if hours >= 48:
        days, hours = divmod(hours, 24)
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes:02d} min" if minutes else f"{hours} h"
    return f"{minutes} min"


@register.filter
def job_progress(run: Any) -> dict[str, Any]:
    """A plan run's job summary as bar segments: percent completed, active and cancelled of all
    jobs, and ``done`` (completed + cancelled) for the label."""
    total = run.job_total or 0
    if not total:
        return {"completed": 0, "active": 0, "cancelled": 0, "total": 0}

    def pct(n: int) -> Decimal:
        return Decimal(100 * n) / total

    return {"completed": pct(run.job_completed), "active": pct(run.job_active), "cancelled": pct(run.job_cancelled),
            "total": total}


@register.filter
def plan_run_status(status: str) -> str:
    """The label of a plan run's derived status."""
    return STATUS_LABELS.get(status, status)


@register.filter
def quantity(value: Decimal | None, unit: str = "") -> str:
    """``{{ 12.500|quantity:"g" }}`` → ``12.5 g``; pieces as whole numbers, thousands grouped."""
    if value is None:
        return "—"
    value = Decimal(value)
    text = f"{value:,.0f}" if value == value.to_integral_value() else f"{value.normalize():,f}"
    return f"{text} {unit}".strip()


@register.filter
def workstation_kind(kind: str) -> str:
    """A step's workstation kind as its label ("3D printer"); empty → ``any``."""
    if not kind:
        return "any"
    try:
        return Workstation.Kind(kind).label
    except ValueError:
        return kind


@register.filter
def sum_of(rows: Any, attribute: str) -> Any:
    """``{{ jobs|sum_of:"estimated_cost" }}``: the sum of one attribute over ``rows``."""
    return sum((getattr(row, attribute) for row in rows), start=0)
