"""The Celery beat schedule of the auto-production runner: every interval, never at start-up.

Registered with beat by ``StockpilesConfig.ready`` (no Django import here).

Celery's plain ``schedule(run_every)`` counts the interval from the entry's ``last_run_at``.
A new entry starts with ``last_run_at = now``, so a first start waits one interval; but beat's
default ``PersistentScheduler`` keeps ``last_run_at`` in its schedule file across restarts, so
after a restart that came more than one interval after the last tick, the entry is due at once —
a tick at start-up (``relative=True`` does not help: it only rounds the due time to the
interval's resolution, which can make it earlier). ``every_after_startup`` counts the interval
from the later of the last run and the moment this beat process first looked at the entry, so
the first tick of every beat process comes one interval after it started, never at start-up.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from celery.schedules import schedstate, schedule

AUTO_PRODUCTION_TASK = "stockpiles.tasks.auto_production_tick"
AUTO_PRODUCTION_BEAT_ENTRY = "auto-production"


class every_after_startup(schedule):  # noqa: N801 - named like celery's schedules
    """``schedule(run_every)`` whose interval never starts before this process's first check."""

    def __init__(self, run_every: float | timedelta, nowfun=None, app=None) -> None:
        super().__init__(run_every, relative=False, nowfun=nowfun, app=app)
        self.started_at: datetime | None = None

    def _since(self, last_run_at: datetime) -> datetime:
        if self.started_at is None:
            self.started_at = self.maybe_make_aware(self.now())
        return max(self.maybe_make_aware(last_run_at), self.started_at)

    def remaining_estimate(self, last_run_at: datetime) -> timedelta:
        return super().remaining_estimate(self._since(last_run_at))

    def is_due(self, last_run_at: datetime) -> schedstate:
        return super().is_due(self._since(last_run_at))

    def __repr__(self) -> str:
        return f"<freq: {self.human_seconds}, not at start-up>"

    def __reduce__(self):
        return self.__class__, (self.run_every, self.nowfun)


def auto_production_beat_entry(interval_s: int) -> dict:
    """The beat schedule entry: the tick every ``interval_s`` seconds, first one
    interval after beat starts. A tick message not picked up within the interval expires (the
    next one covers the deficit)."""
    return {"task": AUTO_PRODUCTION_TASK, "schedule": every_after_startup(interval_s),
            "options": {"expires": interval_s}}
