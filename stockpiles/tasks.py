"""Celery tasks of the stockpiles app: each calls one service."""
from __future__ import annotations

from celery import shared_task
from django.utils.dateparse import parse_datetime

from stockpiles.services import auto_production_tick as tick


@shared_task(ignore_result=False)
def auto_production_tick(now: str | None = None) -> list[dict]:
    """The beat-driven auto-production tick (one run per tenant, at most once per interval window);
    ``now`` (ISO 8601) places the window, default the current time. Returns ``[{"tenant", "run",
    "status", "deduplicated"}]``."""
    runs = tick(now=parse_datetime(now) if now else None)
    return [{"tenant": run.tenant_id, "run": run.pk, "status": run.status, "deduplicated": run.deduplicated}
            for run in runs]
