"""The Celery app runs our tasks through a real Redis broker and a real worker."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from prodtrack.celery import app
from prodtrack.models import IdempotencyKey
from prodtrack.tasks import purge_idempotency_keys
from tests.support.celery_worker import process_queue, worker_on_redis

QUEUE = process_queue("prodtrack")


@pytest.fixture
def redis_worker():
    """A worker thread consuming this process's queue on Redis, with results stored in Redis."""
    with worker_on_redis(QUEUE):
        yield


@pytest.mark.django_db(transaction=True)
def test_purge_task_runs_on_a_worker_through_redis(tenant, redis_worker):
    IdempotencyKey.objects.create(tenant=tenant, key="stale", request_hash="x")
    IdempotencyKey.objects.create(tenant=tenant, key="fresh", request_hash="y")
    IdempotencyKey.objects.filter(key="stale").update(created_at=timezone.now() - timedelta(days=2))

    deleted = purge_idempotency_keys.apply_async(queue=QUEUE).get(timeout=20)

    assert deleted == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["fresh"]


def test_beat_schedules_the_purge_hourly():
    entry = app.conf.beat_schedule["purge-idempotency-keys"]

    assert entry["task"] == purge_idempotency_keys.name and entry["schedule"] == 3600.0
