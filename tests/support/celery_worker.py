"""A real Celery worker thread on the test Redis, consuming a queue of this test process only.

With ``pytest -n 2`` every process has its own test database but they share the Redis database,
so a worker must not take another process's tasks: each process sends to and consumes from its
own queue, and the queue is deleted afterwards.
"""
from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from celery.contrib.testing.worker import start_worker

from prodtrack.celery import app

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def process_queue(name: str) -> str:
    """``name`` made unique to this test process."""
    return f"{name}-test-{os.getpid()}"


@contextmanager
def worker_on_redis(queue: str) -> Iterator[None]:
    """Run a solo-pool worker on ``REDIS_URL`` consuming ``queue`` (results stored in Redis)."""
    import redis

    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.exceptions.ConnectionError as error:
        pytest.fail(f"Redis is not reachable at {REDIS_URL}: {error}")
    previous = {key: app.conf[key] for key in ("broker_url", "result_backend", "task_ignore_result")}
    consuming = app.amqp.queues._consume_from      # the worker's queue selection is app-wide: put it back
    app.conf.update(broker_url=REDIS_URL, result_backend=REDIS_URL, task_ignore_result=False)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10, queues=[queue]):
            yield
    finally:
        app.conf.update(previous)
        app.amqp.queues._consume_from = consuming
        redis.Redis.from_url(REDIS_URL).delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
