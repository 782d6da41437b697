"""Stockpile writes (DESIGN §6), one module per concern: ``markers`` (upsert, update, delete),
``run_log`` (the append-only auto-production run log, its window keys and the tenant lock) and
``runner`` (the auto-production tick). This package exposes them as one API."""
from stockpiles.services.markers import stockpile_marker_delete, stockpile_marker_update, stockpile_marker_upsert
from stockpiles.services.run_log import auto_production_lock, beat_window
from stockpiles.services.runner import (
    SKIP_MESSAGES,
    auto_production_run_now,
    auto_production_tenant_tick,
    auto_production_tick,
)

__all__ = [
    "SKIP_MESSAGES", "auto_production_lock", "auto_production_run_now", "auto_production_tenant_tick",
    "auto_production_tick", "beat_window", "stockpile_marker_delete", "stockpile_marker_update",
    "stockpile_marker_upsert",
]
