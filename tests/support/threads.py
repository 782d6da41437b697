"""Real threads for concurrency tests on PostgreSQL (``django_db(transaction=True)``)."""
from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connection


def run_concurrently(target: Callable[[int], object], count: int) -> list:
    """Start ``count`` threads on ``target(i)`` at once; returns what each returned or raised.

    Each thread uses its own database connection and closes it when done.
    """
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def worker(index):
        barrier.wait()
        try:
            results[index] = target(index)
        except Exception as error:  # noqa: BLE001 - the test inspects it
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results
