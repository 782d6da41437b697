"""Spoolman's websocket events (DESIGN §7): ``{"type": "added|updated|deleted", "resource", "date",
"payload"}`` sent, once the transaction commits, to the tenant's root feed, the resource's feed and
the object's feed. Upstream Spoolman writes nulls in event payloads (unlike its REST answers).

Spool changes arrive as ``inventory.signals.spools_changed``, often several per transaction (a
receipt then a weigh-in; a run's completion moving 20 spools). They gather per thread and go out
once, after the commit: one read of the changed spools, one hop to the channel layer."""
from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from inventory.models import Spool
from printers.selectors import vendors
from printers.spoolman import spool_json

_pending = threading.local()


def feed_groups(tenant_id: int, resource: str | None = None, object_id: Any = None) -> list[str]:
    """The channel-layer groups of a feed: the tenant's root, a resource, one object."""
    groups = [f"spoolman.{tenant_id}"]
    if resource:
        groups.append(f"spoolman.{tenant_id}.{resource}")
        if object_id is not None:
            groups.append(f"spoolman.{tenant_id}.{resource}.{object_id}")
    return groups


def spools_changed_receiver(*, tenant_id: int, spool_ids: list[int], kind: str, **_: object) -> None:
    """``inventory.signals.spools_changed``: note the spools (``added`` wins over a later
    ``updated`` of the same spool) and flush them after the commit. A rolled-back change leaves
    its note to the thread's next flush, which sends the spool as it then is (or nothing, for a
    spool that no longer exists)."""
    pending: dict[tuple[int, int], str] = _pending.__dict__.setdefault("spools", {})
    for spool_id in spool_ids:
        key = (tenant_id, spool_id)
        pending[key] = "added" if "added" in (kind, pending.get(key)) else kind
    transaction.on_commit(_flush)


def _flush() -> None:
    """One Spoolman event per noted spool, from whatever door changed it (the API, a page, a run):
    an archived spool goes out as ``deleted`` (the API no longer knows it) with its last state."""
    pending: dict[tuple[int, int], str] = _pending.__dict__.pop("spools", {})
    if not pending:
        return
    spools = Spool.objects.filter(pk__in=[spool_id for _, spool_id in pending]).select_related("item_type", "location")
    messages = []
    for spool in spools:
        kind = "deleted" if spool.status == Spool.Status.ARCHIVED else pending[(spool.tenant_id, spool.pk)]
        payload = spool_json(spool, vendors(tenant_id=spool.tenant_id), nulls=True)
        text = json.dumps({"type": kind, "resource": "spool",
                           "date": datetime.now(UTC).replace(tzinfo=None).isoformat() + "Z", "payload": payload})
        messages += [(group, text) for group in feed_groups(spool.tenant_id, "spool", spool.pk)]

    async def send_all() -> None:
        layer = get_channel_layer()
        for group, text in messages:
            await layer.group_send(group, {"type": "spoolman.event", "text": text})

    _run(send_all)


def _run(coroutine_function: Callable[[], Coroutine]) -> None:
    """Run ``coroutine_function()`` to its end from sync code: here, or — when this thread already
    runs an event loop (asgiref refuses that; e.g. a sync caller inside an async framework) — in a
    short-lived thread that is waited for."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        async_to_sync(coroutine_function)()
        return
    worker = threading.Thread(target=async_to_sync(coroutine_function))
    worker.start()
    worker.join()
