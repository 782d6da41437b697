"""Run numbers ``{short_code}-YYYYMMDD-NNN`` (DESIGN §4): the date in the tenant's time zone, NNN a
per-tenant per-day sequence (django-sequences: a counter row locked in the caller's transaction),
zero-padded to 3 and widening past 999; never reused."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils import timezone
from sequences import get_next_value

from prodtrack.models import Tenant


def run_number_sequence(tenant: Tenant, started_at: datetime) -> tuple[str, str]:
    """``(sequence name, YYYYMMDD)`` of the run numbers of ``started_at``'s day in the tenant's time zone."""
    day = timezone.localtime(started_at, ZoneInfo(tenant.time_zone or "UTC")).strftime("%Y%m%d")
    return f"production_run:{tenant.pk}:{day}", day


def run_number_format(tenant: Tenant, day: str, number: int) -> str:
    """``{short_code}-YYYYMMDD-NNN`` (NNN widens past 999)."""
    code = tenant.short_code or tenant.slug[:4].upper()
    return f"{code}-{day}-{number:03d}"


def run_number_next(tenant: Tenant, started_at: datetime) -> str:
    """``{short_code}-YYYYMMDD-NNN``: the day in the tenant's time zone, NNN from a per-tenant,
    per-day counter row locked until the transaction ends (django-sequences), so concurrent
    creates get consecutive numbers and a rolled-back create gives its number back."""
    name, day = run_number_sequence(tenant, started_at)
    return run_number_format(tenant, day, get_next_value(name))
