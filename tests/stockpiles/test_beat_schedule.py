"""Celery beat ticks the runner every interval and never at start-up — proved with celery's own
``PersistentScheduler`` (the scheduler ``celery beat`` runs, with its schedule file), real time and
an in-memory broker; a plain ``schedule`` entry beside ours shows what the wrapper prevents."""
from __future__ import annotations

import time
from datetime import timedelta

import pytest
from celery.beat import PersistentScheduler
from celery.schedules import schedule

from prodtrack.celery import app
from stockpiles.schedules import AUTO_PRODUCTION_TASK, auto_production_beat_entry, every_after_startup
from stockpiles.tasks import auto_production_tick

INTERVAL = 1.0
OURS, PLAIN = "auto-production", "plain-interval"


@pytest.fixture
def schedule_file(tmp_path):
    """Beat configured with our entry and a plain celery interval of the same length."""
    previous = {key: app.conf[key] for key in ("beat_schedule", "broker_url")}
    app.conf.update(broker_url="memory://", beat_schedule={
        OURS: auto_production_beat_entry(INTERVAL),
        PLAIN: {"task": AUTO_PRODUCTION_TASK, "schedule": schedule(INTERVAL)},
    })
    try:
        yield str(tmp_path / "beat-schedule")
    finally:
        app.conf.update(previous)


def sent(beat: PersistentScheduler, name: str) -> int:
    return beat.schedule[name].total_run_count


def tick_until(beat: PersistentScheduler, name: str, count: int, timeout: float = 5.0) -> float:
    """Run beat's loop until ``name`` was sent ``count`` times; returns when (monotonic)."""
    deadline = time.monotonic() + timeout
    while sent(beat, name) < count:
        assert time.monotonic() < deadline, f"{name} was not sent in {timeout} s"
        delay = beat.tick()
        if sent(beat, name) < count and delay:
            time.sleep(max(0.0, min(delay, 0.02)))
    return time.monotonic()


def drain(beat: PersistentScheduler) -> None:
    """What beat does at start-up: tick until nothing is due right now."""
    while beat.tick() == 0:
        pass


def test_the_first_tick_comes_one_interval_after_start_up(schedule_file):
    started = time.monotonic()
    beat = PersistentScheduler(app=app, schedule_filename=schedule_file)

    drain(beat)
    assert sent(beat, OURS) == 0                                   # not at start-up
    at = tick_until(beat, OURS, 1)
    beat.close()

    assert INTERVAL - 0.05 <= at - started <= INTERVAL + 0.5


def test_after_a_restart_beat_waits_one_interval_again(schedule_file):
    first = PersistentScheduler(app=app, schedule_filename=schedule_file)
    tick_until(first, OURS, 1)
    tick_until(first, PLAIN, 1)
    first.close()                                                  # last runs kept in the schedule file
    time.sleep(INTERVAL * 1.5)                                     # beat was down for more than an interval

    restarted_at = time.monotonic()
    second = PersistentScheduler(app=app, schedule_filename=schedule_file)
    drain(second)

    assert sent(second, PLAIN) == 2                                # a plain interval fires at start-up…
    assert sent(second, OURS) == 1                                 # …ours does not
    at = tick_until(second, OURS, 2)
    second.close()
    assert INTERVAL - 0.05 <= at - restarted_at <= INTERVAL + 0.5


def test_consecutive_ticks_are_at_least_one_interval_apart(schedule_file):
    beat = PersistentScheduler(app=app, schedule_filename=schedule_file)

    first = tick_until(beat, OURS, 1)
    second = tick_until(beat, OURS, 2)
    beat.close()

    assert second - first >= INTERVAL - 0.05       # so two ticks of one beat never share a window


def test_the_stockpiles_app_schedules_the_runner_every_configured_interval(settings):
    entry = app.conf.beat_schedule["auto-production"]

    assert entry["task"] == AUTO_PRODUCTION_TASK == auto_production_tick.name
    assert isinstance(entry["schedule"], every_after_startup) and not entry["schedule"].relative
    assert entry["schedule"].run_every == timedelta(seconds=settings.AUTO_PRODUCTION_INTERVAL_SEC)
    assert entry["options"] == {"expires": settings.AUTO_PRODUCTION_INTERVAL_SEC}
