"""The auto-production run log: one append-only ``AutoProductionRun`` per tenant and tick, its
window key, its forward-only status moves and the tenant's advisory lock (DESIGN §6)."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from django.db import IntegrityError, connection, transaction

from prodtrack.models import Tenant, User
from stockpiles.errors import AutoProductionRunStateError
from stockpiles.models import AutoProductionRun

Status = AutoProductionRun.Status


def beat_window(now: datetime, interval_s: int) -> tuple[datetime, str]:
    """The interval window ``now`` falls in (windows start at multiples of the interval since the
    epoch, UTC) and its key ``beat:2025-03-01T10:30:00Z/PT1800S``.

    Beat sends each tick one interval (or more) after the previous one was sent, so two ticks of
    one beat process never fall in the same window.
    """
    start = datetime.fromtimestamp(int(now.timestamp()) // interval_s * interval_s, tz=UTC)
    return start, f"beat:{start:%Y-%m-%dT%H:%M:%SZ}/PT{interval_s}S"


def _lock_name(tenant_id: int) -> str:
    return f"prodtrack.auto_production:{tenant_id}"


@contextmanager
def auto_production_lock(*, tenant_id: int) -> Iterator[bool]:
    """Try to take the tenant's auto-production advisory lock (PostgreSQL; elsewhere always True).

    Yields whether it was taken. Outside a transaction it is a session lock released on exit;
    inside one (a request wrapped in ``Idempotency-Key`` handling) a transaction lock, held until
    the outer transaction commits, so no other tick reads before this one's plan runs are visible.
    """
    if connection.vendor != "postgresql":
        yield True
        return
    scoped = connection.in_atomic_block
    function = "pg_try_advisory_xact_lock" if scoped else "pg_try_advisory_lock"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}(hashtextextended(%s, 0))", [_lock_name(tenant_id)])
        acquired = cursor.fetchone()[0]
    try:
        yield acquired
    finally:
        if acquired and not scoped:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))", [_lock_name(tenant_id)])


def auto_production_run_open(*, tenant: Tenant, key: str, triggered_by: str, by: User | None,
                window_start: datetime | None) -> tuple[AutoProductionRun, bool]:
    """Insert the tick's row (committed at once outside a transaction); ``(existing row, False)``
    when the key is taken — by an earlier tick of the window, or a concurrent one that won."""
    try:
        with transaction.atomic():
            return AutoProductionRun.objects.create(
                tenant=tenant, idempotency_key=key, triggered_by=triggered_by, requested_by=by,
                window_start=window_start), True
    except IntegrityError:
        return AutoProductionRun.objects.get(tenant=tenant, idempotency_key=key), False


def auto_production_run_move(run: AutoProductionRun, status: str, **fields: Any) -> AutoProductionRun:
    """Move ``run`` forward to ``status`` (``AutoProductionRun.TRANSITIONS``), writing ``fields``:
    a compare-and-set UPDATE on the current status. AutoProductionRunStateError (409) if another writer moved it."""
    unknown = set(fields) - AutoProductionRun.MUTABLE_FIELDS
    if unknown:
        raise ValueError(f"auto-production runs cannot change {sorted(unknown)}")
    sources = [old for old, targets in AutoProductionRun.TRANSITIONS.items() if status in targets]
    if not AutoProductionRun.objects.filter(pk=run.pk, status__in=sources).update(status=status, **fields):
        raise AutoProductionRunStateError(run_id=run.pk, status=status)
    run.status = status
    for name, value in fields.items():
        setattr(run, name, value)
    return run


def auto_production_runs_abandoned_fail(run: AutoProductionRun, at: datetime) -> int:
    """Holding the tenant's lock, any other ``running`` row of the tenant is a tick whose process
    died (a live tick holds the lock): mark those failed. PostgreSQL only (elsewhere there is no lock)."""
    if connection.vendor != "postgresql":
        return 0
    return (AutoProductionRun.objects.filter(tenant_id=run.tenant_id, status=Status.RUNNING).exclude(pk=run.pk)
            .update(status=Status.FAILED, finished_at=at, error_code="abandoned",
                    error_message="The tick stopped before it finished (its worker died); a later tick found it."))
