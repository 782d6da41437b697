"""Concurrent writers on PostgreSQL: real threads, each with its own connection."""
from __future__ import annotations

from decimal import Decimal

import pytest

from inventory import selectors, services
from inventory.models import InventoryTransaction, Spool
from prodtrack.exceptions import ApplicationError
from tests.factories import LocationFactory, MaterialFactory, ProductFactory, receive_spool
from tests.support.threads import run_concurrently

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_postings_to_one_pair_lose_no_update(tenant, admin_user):
    product, shelf = ProductFactory(tenant=tenant), LocationFactory(tenant=tenant)

    run_concurrently(lambda i: services.stock_adjust(
        tenant=tenant, by=admin_user, item_type=product, location=shelf, quantity=Decimal("1.5"), note="Stock count"), 8)

    assert selectors.stock_on_hand(tenant=tenant, pairs=[(product.pk, shelf.pk)])[(product.pk, shelf.pk)] == 12
    assert selectors.stock_drift(tenant=tenant) == []


def test_concurrent_weighings_of_one_spool_keep_it_equal_to_its_ledger(tenant, admin_user):
    spool = receive_spool(tenant=tenant, by=admin_user, grams="1000")

    run_concurrently(lambda i: services.spool_adjust(spool=spool, by=admin_user,
                                                     net_weight_g=Decimal(900 - 10 * i)), 6)

    assert selectors.spool_drift(tenant=tenant) == []
    assert selectors.stock_drift(tenant=tenant) == []


def test_concurrent_reversals_of_one_row_reverse_it_once(tenant, admin_user):
    spool = receive_spool(tenant=tenant, by=admin_user, grams="1000")
    services.spool_adjust(spool=spool, by=admin_user, net_weight_g=Decimal("700"))
    row = InventoryTransaction.objects.get(spool=spool, transaction_type="adjustment")

    results = run_concurrently(lambda i: services.inventory_transaction_reverse(transaction_row=row, by=admin_user), 5)

    assert sum(isinstance(r, InventoryTransaction) for r in results) == 1
    assert all(isinstance(r, ApplicationError) and r.http_status == 409 for r in results
               if not isinstance(r, InventoryTransaction))
    spool.refresh_from_db()
    assert spool.current_weight_g == Decimal("1000")


def test_first_postings_to_a_new_pair_from_many_threads_create_one_balance(tenant, admin_user):
    material, shelf = MaterialFactory(tenant=tenant), LocationFactory(tenant=tenant)

    run_concurrently(lambda i: services.spool_receive(tenant=tenant, by=admin_user, item_type=material,
                                                      location=shelf, initial_weight_g=Decimal("250")), 6)

    assert Spool.objects.filter(tenant=tenant).count() == 6
    assert material.balances.get().quantity == Decimal("1500")
