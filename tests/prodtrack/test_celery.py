"""The Celery app runs our tasks through a real Redis broker and a real worker."""
from __future__ import annotations

import os
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.utils import timezone

from prodtrack.celery import app
from prodtrack.models import IdempotencyKey
from prodtrack.tasks import purge_idempotency_keys

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def redis_worker():
    """A worker thread consuming from Redis, with results stored in Redis."""
    import redis

    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.exceptions.ConnectionError as error:
        pytest.fail(f"Redis is not reachable at {REDIS_URL}: {error}")
    previous = {key: app.conf[key] for key in ("broker_url", "result_backend", "task_ignore_result")}
    app.conf.update(broker_url=REDIS_URL, result_backend=REDIS_URL, task_ignore_result=False)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            yield
    finally:
        app.conf.update(previous)


@pytest.mark.django_db(transaction=True)
def test_purge_task_runs_on_a_worker_through_redis(tenant, redis_worker):
    IdempotencyKey.objects.create(tenant=tenant, key="stale", request_hash="x")
    IdempotencyKey.objects.create(tenant=tenant, key="fresh", request_hash="y")
    IdempotencyKey.objects.filter(key="stale").update(created_at=timezone.now() - timedelta(days=2))

    deleted = purge_idempotency_keys.delay().get(timeout=20)

    assert deleted == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["fresh"]


def test_beat_schedules_the_purge_hourly():
    entry = app.conf.beat_schedule["purge-idempotency-keys"]

    assert entry["task"] == purge_idempotency_keys.name and entry["schedule"] == 3600.0
