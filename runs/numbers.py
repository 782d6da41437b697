"""Run numbers ``{short_code}-YYYYMMDD-NNN`` (DESIGN §4): their per-day sequence name and their
format. Pure: the write side (``runs.services.numbering``) takes the next value of the sequence,
the read side (``runs.selectors.run_number_preview``) peeks at it."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils import timezone

from prodtrack.models import Tenant


def run_number_sequence(tenant: Tenant, started_at: datetime) -> tuple[str, str]:
    """``(sequence name, YYYYMMDD)`` of the run numbers of ``started_at``'s day in the tenant's time zone."""
    day = timezone.localtime(started_at, ZoneInfo(tenant.time_zone or "UTC")).strftime("%Y%m%d")
    return f"production_run:{tenant.pk}:{day}", day


def run_number_format(tenant: Tenant, day: str, number: int) -> str:
    """``{short_code}-YYYYMMDD-NNN`` (NNN widens past 999)."""
    code = tenant.short_code or tenant.slug[:4].upper()
    return f"{code}-{day}-{number:03d}"
