"""Spool weights and balances stay exact decimals on every backend (SQLite adds REALs in SQL)."""
from decimal import Decimal

from inventory import selectors, services
from tests.factories import receive_spool


def test_many_tenth_gram_steps_then_empty_leaves_exactly_zero(tenant, admin_user):
    spool = receive_spool(tenant=tenant, by=admin_user, grams="1000")
    for step in range(1, 14):
        services.spool_adjust(spool=spool, by=admin_user, net_weight_g=Decimal("1000") - Decimal("0.1") * step)

    services.spool_mark_empty(spool=spool, by=admin_user)

    spool.refresh_from_db()
    assert (spool.current_weight_g, spool.status) == (Decimal("0"), "empty")
    assert selectors.spool_drift(tenant=tenant) == [] and selectors.stock_drift(tenant=tenant) == []
