"""Celery tasks of the core: housekeeping only; each calls one service."""
from celery import shared_task

from prodtrack.idempotency import idempotency_keys_purge


@shared_task(ignore_result=False)
def purge_idempotency_keys() -> int:
    """Delete Idempotency-Key rows past their TTL; returns the number deleted."""
    return idempotency_keys_purge()
