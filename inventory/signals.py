"""What the inventory tells the apps above it (which it never imports): spools changed.

``spools_changed`` is sent inside the transaction that changed them, with ``tenant_id``,
``spool_ids`` (weights, status or fields changed), ``kind`` (``"added"`` for spools received,
``"updated"``, ``"deleted"`` for spools archived: gone from use), and ``spools``: the rows as just
written, with material and location, when the sender has them (a receiver then need not read them
again), else None. The printers app turns it into its Spoolman feed events once the transaction
commits."""
from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.dispatch import Signal

if TYPE_CHECKING:
    from inventory.models import Spool

spools_changed = Signal()


def spools_changed_send(*, tenant_id: int, spool_ids: Iterable[int], kind: str = "updated",
                        spools: list[Spool] | None = None) -> None:
    ids = sorted(set(spool_ids))
    if ids:
        spools_changed.send(sender=None, tenant_id=tenant_id, spool_ids=ids, kind=kind, spools=spools)
