"""Spoolman's websocket events (DESIGN §7): ``{"type": "added|updated|deleted", "resource", "date",
"payload"}`` sent, once the transaction commits, to the tenant's root feed, the resource's feed and
the object's feed. Upstream Spoolman writes nulls in event payloads (unlike its REST answers)."""
from __future__ import annotations

import asyncio
import json
import threading
from datetime import UTC, datetime
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from inventory.models import Spool
from printers.selectors import vendors
from printers.spoolman import spool_json


def feed_groups(tenant_id: int, resource: str | None = None, object_id: Any = None) -> list[str]:
    """The channel-layer groups of a feed: the tenant's root, a resource, one object."""
    groups = [f"spoolman.{tenant_id}"]
    if resource:
        groups.append(f"spoolman.{tenant_id}.{resource}")
        if object_id is not None:
            groups.append(f"spoolman.{tenant_id}.{resource}.{object_id}")
    return groups


def spoolman_event_send(*, tenant_id: int, resource: str, kind: str, payload: dict[str, Any]) -> None:
    """Queue an event for after the commit (a rolled-back change sends nothing)."""
    text = json.dumps({"type": kind, "resource": resource,
                       "date": datetime.now(UTC).replace(tzinfo=None).isoformat() + "Z", "payload": payload})
    groups = feed_groups(tenant_id, resource, payload.get("id"))

    async def send_all() -> None:
        layer = get_channel_layer()
        for group in groups:
            await layer.group_send(group, {"type": "spoolman.event", "text": text})

    transaction.on_commit(lambda: _run(send_all))


def _run(coroutine_function) -> None:
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


def spools_changed_receiver(*, tenant_id: int, spool_ids: list[int], kind: str, **_: object) -> None:
    """``inventory.signals.spools_changed`` → one Spoolman event per spool after the commit, from
    whatever door changed it (the API, a page, a run). Archived spools go out as ``deleted`` (the
    API no longer knows them), with their last state as payload."""
    def send() -> None:
        spools = Spool.objects.filter(tenant_id=tenant_id, pk__in=spool_ids).select_related("item_type", "location")
        known = vendors(tenant_id=tenant_id)
        for spool in spools:
            event = "deleted" if spool.status == Spool.Status.ARCHIVED else kind
            spoolman_event_send(tenant_id=tenant_id, resource="spool", kind=event,
                                payload=spool_json(spool, known, nulls=True))

    transaction.on_commit(send)
