"""Idempotency-Key on create endpoints, tested on spool receipt."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from inventory.models import InventoryTransaction, Spool
from prodtrack.idempotency import idempotency_keys_purge
from prodtrack.models import IdempotencyKey
from tests.factories import LocationFactory, MaterialFactory


@pytest.fixture
def receive_body(tenant):
    return {"item_type": MaterialFactory(tenant=tenant).pk, "location": LocationFactory(tenant=tenant).pk,
            "initial_weight_g": "1000"}


def test_same_key_and_body_replays_the_response_and_writes_one_spool(api, receive_body):
    first = api.post("/api/v1/spools", receive_body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    second = api.post("/api/v1/spools", receive_body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert Spool.objects.count() == 1 and InventoryTransaction.objects.count() == 1


def test_same_key_with_another_body_is_422(api, receive_body):
    api.post("/api/v1/spools", receive_body, format="json", HTTP_IDEMPOTENCY_KEY="k-2")

    response = api.post("/api/v1/spools", {**receive_body, "initial_weight_g": "750"}, format="json",
                        HTTP_IDEMPOTENCY_KEY="k-2")

    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert Spool.objects.count() == 1


def test_without_a_key_every_post_creates(api, receive_body):
    api.post("/api/v1/spools", receive_body, format="json")
    api.post("/api/v1/spools", receive_body, format="json")

    assert Spool.objects.count() == 2


def test_a_failed_request_does_not_burn_the_key(api, receive_body):
    bad = api.post("/api/v1/spools", {**receive_body, "initial_weight_g": "-1"}, format="json",
                   HTTP_IDEMPOTENCY_KEY="k-3")
    good = api.post("/api/v1/spools", receive_body, format="json", HTTP_IDEMPOTENCY_KEY="k-3")

    assert bad.status_code == 400 and good.status_code == 201
    assert Spool.objects.count() == 1


def test_keys_are_per_tenant(api, api_as, other_admin, other_tenant, receive_body):
    other_body = {"item_type": MaterialFactory(tenant=other_tenant).pk,
                  "location": LocationFactory(tenant=other_tenant).pk, "initial_weight_g": "1000"}

    mine = api.post("/api/v1/spools", receive_body, format="json", HTTP_IDEMPOTENCY_KEY="shared")
    theirs = api_as(other_admin).post("/api/v1/spools", other_body, format="json", HTTP_IDEMPOTENCY_KEY="shared")

    assert mine.status_code == theirs.status_code == 201
    assert Spool.objects.count() == 2


def test_keys_older_than_the_ttl_are_purged(api, receive_body):
    api.post("/api/v1/spools", receive_body, format="json", HTTP_IDEMPOTENCY_KEY="old")
    IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(hours=25))

    assert idempotency_keys_purge() == 1
    assert not IdempotencyKey.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_with_one_key_create_one_spool(admin_user, tenant):
    material, shelf = MaterialFactory(tenant=tenant), LocationFactory(tenant=tenant)
    body = {"item_type": material.pk, "location": shelf.pk, "initial_weight_g": "1000"}
    barrier = threading.Barrier(4)
    statuses: list[int] = []

    def post():
        client = APIClient()
        client.force_authenticate(admin_user)
        barrier.wait()
        try:
            statuses.append(client.post("/api/v1/spools", body, format="json",
                                        HTTP_IDEMPOTENCY_KEY="race").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert Spool.objects.count() == 1
    assert statuses.count(201) >= 1
    assert set(statuses) <= {201, 409}, statuses


@pytest.mark.django_db(transaction=True)
def test_a_key_in_flight_answers_409(admin_user, tenant):
    """While the first request holds the key (its transaction is open), a second one gets 409."""
    from django.db import transaction

    material, shelf = MaterialFactory(tenant=tenant), LocationFactory(tenant=tenant)
    body = {"item_type": material.pk, "location": shelf.pk, "initial_weight_g": "1000"}
    IdempotencyKey.objects.create(tenant=tenant, key="busy", request_hash="x")
    holding, release = threading.Event(), threading.Event()

    def hold_the_key():
        try:
            with transaction.atomic():
                IdempotencyKey.objects.select_for_update().get(tenant=tenant, key="busy")
                holding.set()
                release.wait(10)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_key)
    holder.start()
    holding.wait(10)
    client = APIClient()
    client.force_authenticate(admin_user)
    try:
        response = client.post("/api/v1/spools", body, format="json", HTTP_IDEMPOTENCY_KEY="busy")
    finally:
        release.set()
        holder.join()

    assert response.status_code == 409 and response.json()["code"] == "idempotency_in_flight"
    assert Spool.objects.count() == 0
