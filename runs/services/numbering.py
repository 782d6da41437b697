"""Run numbers ``{short_code}-YYYYMMDD-NNN`` (DESIGN §4): the date in the tenant's time zone, NNN a
per-tenant per-day sequence (django-sequences: a counter row locked in the caller's transaction),
zero-padded to 3 and widening past 999; never reused."""
from __future__ import annotations

from datetime import datetime

from sequences import get_next_value

from prodtrack.models import Tenant
from runs.numbers import run_number_format, run_number_sequence


def run_number_next(tenant: Tenant, started_at: datetime) -> str:
    """``{short_code}-YYYYMMDD-NNN``: the day in the tenant's time zone, NNN from a per-tenant,
    per-day counter row locked until the transaction ends (django-sequences), so concurrent
    creates get consecutive numbers and a rolled-back create gives its number back."""
    name, day = run_number_sequence(tenant, started_at)
    return run_number_format(tenant, day, get_next_value(name))
