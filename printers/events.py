"""Spoolman's websocket events (DESIGN §7): ``{"type": "added|updated|deleted", "resource", "date",
"payload"}`` sent, once the transaction commits, to the tenant's root feed, the resource's feed and
the object's feed. Upstream Spoolman writes nulls in event payloads (unlike its REST answers).

Spool changes arrive as ``inventory.signals.spools_changed``, often several per transaction (a
receipt then a weigh-in; a run's completion moving 20 spools). They gather per thread and go out
once, after the commit: one read of the changed spools (none when each came with its row as last
written, as a printer's ``use`` does), one hop to the channel layer."""
from __future__ import annotations

import asyncio
import json
import logging
import os
import threading
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import Any, NamedTuple

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.db import transaction

from inventory.models import Manufacturer, Spool
from printers.selectors import vendors
from printers.spoolman import spool_json

_pending = threading.local()
logger = logging.getLogger(__name__)


class SpoolEvent(NamedTuple):
    """A spool event to send: its kind (``added``/``updated``/``deleted``), the spool as it then
    was (with material and location), the tenant's vendors (to write the payload), and when."""

    kind: str
    spool: Spool
    vendors: dict[str, Manufacturer]
    date: str

    def messages(self) -> list[tuple[str, str]]:
        """``(group, text)`` for the tenant's root feed, the spool feed and the spool's own feed,
        in Spoolman's payload (nulls kept)."""
        text = json.dumps({"type": self.kind, "resource": "spool", "date": self.date,
                           "payload": spool_json(self.spool, self.vendors, nulls=True)})
        return [(group, text) for group in feed_groups(self.spool.tenant_id, "spool", self.spool.pk)]


def coalesced(events: list[SpoolEvent]) -> list[SpoolEvent]:
    """``events`` in order, less every ``updated`` event of a spool that a later ``updated`` event
    of the same spool replaces (each carries the whole spool, so the last one says it all). An
    ``added`` or ``deleted`` event is never dropped, nor moved past."""
    def key(event: SpoolEvent) -> tuple[int, int]:
        return event.spool.tenant_id, event.spool.pk

    last = {key(event): index for index, event in enumerate(events) if event.kind == "updated"}
    return [event for index, event in enumerate(events) if event.kind != "updated" or last[key(event)] == index]


def feed_groups(tenant_id: int, resource: str | None = None, object_id: Any = None) -> list[str]:
    """The channel-layer groups of a feed: the tenant's root, a resource, one object."""
    groups = [f"spoolman.{tenant_id}"]
    if resource:
        groups.append(f"spoolman.{tenant_id}.{resource}")
        if object_id is not None:
            groups.append(f"spoolman.{tenant_id}.{resource}.{object_id}")
    return groups


def spools_changed_receiver(*, tenant_id: int, spool_ids: list[int], kind: str, spools: list[Spool] | None = None,
                            **_: object) -> None:
    """``inventory.signals.spools_changed``: note the spools (``added`` wins over a later
    ``updated`` of the same spool), with their rows when given (a later change without its row
    drops the earlier row), and flush them after the commit. A rolled-back change leaves its note
    to the thread's next flush, which sends the spool as it then is (or nothing, for a spool that
    no longer exists)."""
    pending: dict[tuple[int, int], str] = _pending.__dict__.setdefault("spools", {})
    rows: dict[int, Spool] = _pending.__dict__.setdefault("rows", {})
    given = {spool.pk: spool for spool in spools or ()}
    for spool_id in spool_ids:
        key = (tenant_id, spool_id)
        pending[key] = "added" if "added" in (kind, pending.get(key)) else kind
        if spool_id in given:
            rows[spool_id] = given[spool_id]
        else:
            rows.pop(spool_id, None)
    transaction.on_commit(_flush)


def _flush() -> None:
    """One Spoolman event per noted spool, from whatever door changed it (the API, a page, a run):
    an archived spool goes out as ``deleted`` (the API no longer knows it) with its last state."""
    pending: dict[tuple[int, int], str] = _pending.__dict__.pop("spools", {})
    rows: dict[int, Spool] = _pending.__dict__.pop("rows", {})
    if not pending:
        return
    spools = [row for row in rows.values() if (row.tenant_id, row.pk) in pending]
    unread = [spool_id for _, spool_id in pending if spool_id not in rows]
    if unread:
        spools += Spool.objects.filter(pk__in=unread).select_related("item_type", "location")
    date = datetime.now(UTC).replace(tzinfo=None).isoformat() + "Z"
    _send([SpoolEvent("deleted" if spool.status == Spool.Status.ARCHIVED else pending[(spool.tenant_id, spool.pk)],
                      spool, vendors(tenant_id=spool.tenant_id), date) for spool in spools])


def _send(events: list[SpoolEvent]) -> None:
    """Hand the events to the channel layer. The in-memory layer (the demo) lives in the ASGI
    server's event loop, so they go there, waited for; any other layer (channels-redis) gets them
    from this process's sender loop, in order, without holding up the request."""
    if isinstance(get_channel_layer(), InMemoryChannelLayer):
        async def send_all() -> None:
            await _group_send_all(events)

        _run(send_all)
    else:
        _sender.send(events)


async def _group_send_all(events: list[SpoolEvent]) -> None:
    layer = get_channel_layer()
    for group, text in (message for event in events for message in event.messages()):
        await layer.group_send(group, {"type": "spoolman.event", "text": text})


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


class _Sender:
    """One event loop per process, in a daemon thread, sending feed messages in the order they were
    handed over: the Redis layer's connections stay open across requests, and no request waits for
    Redis. What piled up while a send was under way goes out next as one batch, ``coalesced``, and
    is written out as JSON only then: a printer reporting many times a second on one spool costs
    one event per send, not one per report, and its feed still ends on the spool's last state. A failed send is logged and the
    next one goes on. Started on first use (after a fork, anew in the child)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pid: int | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._queue: asyncio.Queue | None = None

    def send(self, events: list[SpoolEvent]) -> None:
        loop, queue = self._started()
        loop.call_soon_threadsafe(queue.put_nowait, events)

    def _started(self) -> tuple[asyncio.AbstractEventLoop, asyncio.Queue]:
        with self._lock:
            if self._pid != os.getpid():
                self._pid, self._loop = os.getpid(), asyncio.new_event_loop()
                self._queue = asyncio.Queue()
                threading.Thread(target=self._loop.run_forever, name="spoolman-feed-sender", daemon=True).start()
                asyncio.run_coroutine_threadsafe(self._drain(self._queue), self._loop)
            return self._loop, self._queue

    @staticmethod
    async def _drain(queue: asyncio.Queue) -> None:
        while True:
            batches = [await queue.get()]
            while not queue.empty():
                batches.append(queue.get_nowait())
            events = coalesced([event for batch in batches for event in batch])
            try:
                await _group_send_all(events)
            except Exception:   # the feed must not die with one failed send
                logger.exception("Spoolman feed: sending %d events failed", len(events))
            finally:
                for _ in batches:
                    queue.task_done()


_sender = _Sender()
