"""The Spoolman websocket feeds as Moonraker uses them: it connects to ``…/api/v1/spool`` before it
reports anything, reads spool events, and forgets its spool on a ``deleted`` event for it."""
from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import connection
from jsonschema import Draft202012Validator
from rest_framework.test import APIClient

from inventory import services as inventory_services
from inventory.models import Spool
from printers import selectors, services
from printers.events import SpoolEvent, coalesced
from prodtrack.asgi import application
from tests.support.celery_worker import REDIS_URL
from tests.support.spoolman import components

pytestmark = pytest.mark.django_db(transaction=True)


def run_async(coroutine_function, *args):
    """Run a coroutine in its own thread and event loop: the browser tests leave Playwright's loop
    in this thread, where asgiref's async_to_sync refuses to run. The database connection that
    the coroutine's sync calls opened (in asgiref's one thread for them) is closed after it."""

    async def run_and_close():
        try:
            return await coroutine_function(*args)
        finally:
            await sync_to_async(lambda: connection.close())()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, run_and_close()).result()


def event_check(event: dict) -> None:
    """The event fits Spoolman's ``SpoolEvent`` schema."""
    Draft202012Validator({"$ref": "#/components/schemas/SpoolEvent", "components": components()}).validate(event)


@pytest.fixture
def token(farm, admin_user) -> str:
    return services.printer_token_create(workstation=farm.printer, by=admin_user)[1]


def test_moonraker_connects_gets_an_event_per_report_and_forgets_a_deleted_spool(token, farm):
    client = APIClient()
    base = f"/spoolman/{token}/api/v1"

    async def moonraker() -> list[dict]:
        feed = WebsocketCommunicator(application, f"{base[1:]}/spool")
        connected, _ = await feed.connect()
        assert connected
        await feed.send_to(text_data="ping")
        assert json.loads(await feed.receive_from()) == {"status": "healthy"}
        response = await sync_to_async(client.put)(f"{base}/spool/{farm.pla_spool.pk}/use", {"use_length": 500.0},
                                                   format="json")
        assert response.status_code == 200
        updated = json.loads(await feed.receive_from())
        await sync_to_async(client.delete)(f"{base}/spool/{farm.pla_spool.pk}")
        deleted = json.loads(await feed.receive_from())
        await feed.disconnect()
        return [updated, deleted]

    updated, deleted = run_async(moonraker)

    assert (updated["type"], updated["resource"], updated["payload"]["id"]) == ("updated", "spool", farm.pla_spool.pk)
    assert updated["payload"]["remaining_weight"] == 998.51 and updated["date"].endswith("Z")
    assert updated["payload"]["comment"] is None                       # events keep their nulls
    assert (deleted["type"], deleted["payload"]["id"]) == ("deleted", farm.pla_spool.pk)
    event_check(updated)
    event_check(deleted)


def test_a_feed_under_a_revoked_or_unknown_token_is_refused(token, farm):
    services.printer_token_revoke(printer_token=selectors.printer_token_resolve(token=token))

    async def connect(path: str) -> bool:
        feed = WebsocketCommunicator(application, path)
        connected, _ = await feed.connect()
        await feed.disconnect()
        return connected

    assert run_async(connect, f"spoolman/{token}/api/v1/spool") is False
    assert run_async(connect, "spoolman/nope/api/v1/") is False


def test_a_spool_archived_in_prodtrack_is_deleted_on_the_feed(token, farm, admin_user):
    async def moonraker() -> dict:
        feed = WebsocketCommunicator(application, f"spoolman/{token}/api/v1/spool/{farm.petg_spool.pk}")
        assert (await feed.connect())[0]
        await sync_to_async(inventory_services.spool_archive)(spool=farm.petg_spool, by=admin_user)
        event = json.loads(await feed.receive_from())
        await feed.disconnect()
        return event

    event = run_async(moonraker)

    assert (event["type"], event["resource"], event["payload"]["id"]) == ("deleted", "spool", farm.petg_spool.pk)
    event_check(event)


def test_with_the_redis_layer_events_reach_the_feed_from_the_sender_loop(token, farm, settings, worker_id):
    """Production: several server processes share channels-redis; a report's event goes out from the
    process's sender loop, after the request, and reaches a feed served elsewhere."""
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {
        "hosts": [REDIS_URL], "prefix": f"test-feeds-{worker_id}"}}}
    client = APIClient()
    base = f"/spoolman/{token}/api/v1"

    async def moonraker() -> list[dict]:
        feed = WebsocketCommunicator(application, f"{base[1:]}/spool/{farm.pla_spool.pk}")
        assert (await feed.connect())[0]
        for length in (500.0, 1000.0):
            response = await sync_to_async(client.put)(f"{base}/spool/{farm.pla_spool.pk}/use",
                                                       {"use_length": length}, format="json")
            assert response.status_code == 200
        events = [json.loads(await feed.receive_from(timeout=5))]
        while events[-1]["payload"]["remaining_weight"] != 995.53:   # the second may supersede the first
            events.append(json.loads(await feed.receive_from(timeout=5)))
        await feed.disconnect()
        return events

    events = run_async(moonraker)

    assert len(events) in (1, 2) and [event["type"] for event in events] == ["updated"] * len(events)
    assert events[0]["payload"]["remaining_weight"] in (998.51, 995.53)
    for event in events:
        event_check(event)


def test_updates_waiting_to_be_sent_collapse_to_the_last_but_added_and_deleted_stay():
    def event(kind: str, spool: int, n: int, tenant: int = 1) -> SpoolEvent:
        return SpoolEvent(kind, Spool(pk=spool, tenant_id=tenant), {}, f"#{n}")

    waiting = [event("added", 1, 1), event("updated", 1, 2), event("updated", 2, 3), event("updated", 1, 2, tenant=2),
               event("updated", 1, 4), event("deleted", 1, 5), event("updated", 2, 6)]

    assert [(e.kind, e.spool.tenant_id, e.spool.pk, e.date) for e in coalesced(waiting)] == [
        ("added", 1, 1, "#1"), ("updated", 2, 1, "#2"), ("updated", 1, 1, "#4"), ("deleted", 1, 1, "#5"),
        ("updated", 1, 2, "#6")]
