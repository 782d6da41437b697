"""Ledger invariants: spools and balances always agree with the append-only ledger."""
from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import DatabaseError, transaction
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from inventory import selectors, services
from inventory.errors import AlreadyReversedError, SpoolShortError
from inventory.models import InventoryTransaction, Spool, StockBalance
from prodtrack.exceptions import ApplicationError
from tests.factories import (
    LocationFactory,
    MaterialFactory,
    MembershipFactory,
    ProductFactory,
    TenantFactory,
    receive_spool,
)


def ledger_sum(**filters) -> Decimal:
    return InventoryTransaction.objects.filter(**filters).aggregate(s=Sum("quantity"))["s"] or Decimal("0")


def test_weighing_posts_the_difference_between_scale_and_books(tenant, admin_user):
    spool = receive_spool(tenant=tenant, by=admin_user, grams="1000", tare_weight_g=Decimal("201"))

    services.spool_adjust(spool=spool, by=admin_user, gross_weight_g=Decimal("851.50"))

    spool.refresh_from_db()
    assert spool.current_weight_g == Decimal("650.50")
    adjustment = InventoryTransaction.objects.get(spool=spool, transaction_type="adjustment")
    assert adjustment.quantity == Decimal("-349.50")
    assert ledger_sum(spool=spool) == spool.current_weight_g


def test_weighing_the_weight_already_on_the_books_writes_nothing(tenant, admin_user):
    spool = receive_spool(tenant=tenant, by=admin_user, grams="1000", tare_weight_g=Decimal("200"))

    services.spool_adjust(spool=spool, by=admin_user, gross_weight_g=Decimal("1200"))

    assert InventoryTransaction.objects.filter(spool=spool).count() == 1


def test_mark_empty_writes_off_the_rest_and_archive_keeps_the_weight(tenant, admin_user):
    first = receive_spool(tenant=tenant, by=admin_user, grams="1000")
    second = receive_spool(tenant=tenant, by=admin_user, grams="500")

    services.spool_mark_empty(spool=first, by=admin_user)
    services.spool_archive(spool=second, by=admin_user)

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.current_weight_g, ledger_sum(spool=first)) == ("empty", 0, 0)
    assert (second.status, second.current_weight_g) == ("archived", Decimal("500"))


def test_an_archived_spool_cannot_be_weighed(tenant, admin_user):
    spool = receive_spool(tenant=tenant, by=admin_user)
    services.spool_archive(spool=spool, by=admin_user)

    with pytest.raises(ApplicationError) as error:
        services.spool_adjust(spool=spool, by=admin_user, net_weight_g=Decimal("10"))

    assert error.value.http_status == 409


def test_reversal_restores_spool_and_balance_and_can_happen_once(tenant, admin_user):
    spool = receive_spool(tenant=tenant, by=admin_user, grams="1000")
    services.spool_adjust(spool=spool, by=admin_user, net_weight_g=Decimal("400"))
    adjustment = InventoryTransaction.objects.get(spool=spool, transaction_type="adjustment")

    reversal = services.inventory_transaction_reverse(transaction_row=adjustment, by=admin_user)

    spool.refresh_from_db()
    assert reversal.reverses == adjustment and reversal.quantity == Decimal("600")
    assert spool.current_weight_g == Decimal("1000")
    assert StockBalance.objects.get(item_type=spool.item_type, location=spool.location).quantity == 1000
    with pytest.raises(AlreadyReversedError):
        services.inventory_transaction_reverse(transaction_row=adjustment, by=admin_user)
    with pytest.raises(AlreadyReversedError):
        services.inventory_transaction_reverse(transaction_row=reversal, by=admin_user)


def test_reversing_a_reversed_row_over_the_api_is_409(api, tenant, admin_user):
    spool = receive_spool(tenant=tenant, by=admin_user, grams="1000")
    services.spool_adjust(spool=spool, by=admin_user, net_weight_g=Decimal("900"))
    row = InventoryTransaction.objects.get(spool=spool, transaction_type="adjustment")

    first = api.post(f"/api/v1/transactions/{row.pk}/reverse", {}, format="json")
    second = api.post(f"/api/v1/transactions/{row.pk}/reverse", {}, format="json")

    assert first.status_code == 201 and first.json()["reverses"] == row.pk
    assert second.status_code == 409 and second.json()["code"] == "already_reversed"
    assert InventoryTransaction.objects.filter(transaction_type="reversal").count() == 1


def test_reversing_a_receipt_whose_filament_was_used_is_refused(tenant, admin_user):
    spool = receive_spool(tenant=tenant, by=admin_user, grams="1000")
    services.spool_adjust(spool=spool, by=admin_user, net_weight_g=Decimal("300"))
    receipt = InventoryTransaction.objects.get(spool=spool, transaction_type="receipt")

    with pytest.raises(SpoolShortError):
        services.inventory_transaction_reverse(transaction_row=receipt, by=admin_user)

    assert InventoryTransaction.objects.filter(spool=spool).count() == 2


def test_product_stock_adjustments_move_the_balance(tenant, admin_user):
    product, shop = ProductFactory(tenant=tenant), LocationFactory(tenant=tenant)

    services.stock_adjust(tenant=tenant, by=admin_user, item_type=product, location=shop, quantity=Decimal("12"), note="Stock count")
    services.stock_adjust(tenant=tenant, by=admin_user, item_type=product, location=shop, quantity=Decimal("-5"), note="Stock count")

    assert selectors.stock_on_hand(tenant=tenant, pairs=[(product.pk, shop.pk)]) == {(product.pk, shop.pk): 7}


def test_the_database_refuses_to_update_or_delete_ledger_rows(tenant, admin_user):
    spool = receive_spool(tenant=tenant, by=admin_user)

    with pytest.raises(DatabaseError), transaction.atomic():
        InventoryTransaction.objects.filter(spool=spool).update(quantity=1)
    with pytest.raises(DatabaseError), transaction.atomic():
        InventoryTransaction.objects.filter(spool=spool)._raw_delete(InventoryTransaction.objects.db)
    with pytest.raises(RuntimeError):
        InventoryTransaction.objects.get(spool=spool).delete()


# --- property: any sequence of receipts, weighings and reversals keeps the books -------------

operation = st.one_of(
    st.tuples(st.just("receive"), st.decimals("0.01", "3000", places=2)),
    st.tuples(st.just("weigh"), st.integers(0, 9), st.decimals("0", "3500", places=2)),
    st.tuples(st.just("reverse"), st.integers(0, 40)),
    st.tuples(st.just("empty"), st.integers(0, 9)),
)


class LedgerPropertyTests(TestCase):
    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(operation, min_size=1, max_size=25))
    def test_spool_weight_equals_initial_plus_every_later_row(self, operations):
        tenant = TenantFactory()
        user = MembershipFactory(tenant=tenant).user
        material, shelf = MaterialFactory(tenant=tenant), LocationFactory(tenant=tenant)
        spools: list[Spool] = []
        for op in operations:
            rows_before = InventoryTransaction.objects.count()
            try:
                if op[0] == "receive":
                    spools.append(services.spool_receive(tenant=tenant, by=user, item_type=material,
                                                         location=shelf, initial_weight_g=op[1]))
                elif op[0] == "weigh" and spools:
                    services.spool_adjust(spool=spools[op[1] % len(spools)], by=user, net_weight_g=op[2])
                elif op[0] == "empty" and spools:
                    services.spool_mark_empty(spool=spools[op[1] % len(spools)], by=user)
                elif op[0] == "reverse":
                    rows = list(InventoryTransaction.objects.filter(tenant=tenant).order_by("pk"))
                    if rows:
                        services.inventory_transaction_reverse(transaction_row=rows[op[1] % len(rows)], by=user)
            except ApplicationError as error:
                # 409 for a state conflict; 400 only for weighing more than the spool ever held
                weighed_over = op[0] == "weigh" and op[2] > spools[op[1] % len(spools)].initial_weight_g
                assert error.http_status == (400 if weighed_over else 409), error
                assert InventoryTransaction.objects.count() == rows_before, "a refused operation wrote rows"

        for spool in Spool.objects.filter(tenant=tenant):
            receipt = InventoryTransaction.objects.get(spool=spool, transaction_type="receipt")
            later = ledger_sum(spool=spool) - receipt.quantity
            assert spool.current_weight_g == spool.initial_weight_g + later
            assert spool.current_weight_g >= 0
        assert selectors.stock_drift(tenant=tenant) == []
        assert selectors.spool_drift(tenant=tenant) == []
        reversed_ids = list(InventoryTransaction.objects.filter(tenant=tenant, reverses__isnull=False)
                            .values_list("reverses_id", flat=True))
        assert len(reversed_ids) == len(set(reversed_ids))
