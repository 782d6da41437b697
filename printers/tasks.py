"""Celery tasks of the printers app: each calls one service."""
from __future__ import annotations

from celery import shared_task

from printers import services


@shared_task
def close_idle_usage_sessions() -> int:
    """Post the usage sessions no printer has reported to for ``services.IDLE_AFTER`` (beat, every
    minute); returns how many were posted."""
    return services.usage_sessions_close_idle()
