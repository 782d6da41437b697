"""What the inventory tells the apps above it (which it never imports): spools changed.

``spools_changed`` is sent inside the transaction that changed them, with ``tenant_id``,
``spool_ids`` (weights, status or fields changed), ``kind`` (``"added"`` for spools received,
``"updated"``, ``"deleted"`` for spools archived: gone from use). The printers app turns it into its
Spoolman feed events once the transaction commits."""
from __future__ import annotations

from collections.abc import Iterable

from django.dispatch import Signal

spools_changed = Signal()


def spools_changed_send(*, tenant_id: int, spool_ids: Iterable[int], kind: str = "updated") -> None:
    ids = sorted(set(spool_ids))
    if ids:
        spools_changed.send(sender=None, tenant_id=tenant_id, spool_ids=ids, kind=kind)
