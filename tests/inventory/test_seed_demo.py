"""``seed_demo``: the demo print farm is complete, its books reconcile, and ``--once`` is a no-op."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from inventory.models import InventoryTransaction, ItemType, Location, Spool, StockBalance, Workstation
from inventory.selectors import spool_drift, stock_drift
from prodtrack.models import Membership, Tenant, User


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def counts(tenant: Tenant) -> dict[str, int]:
    return {model.__name__: model.objects.for_tenant(tenant).count()
            for model in (ItemType, Location, Workstation, Spool, InventoryTransaction, StockBalance)}


@pytest.fixture
def demo(db, monkeypatch) -> Tenant:
    monkeypatch.setenv("DEMO_PASSWORD", "demo farm password")
    seed()
    return Tenant.objects.get(short_code="DEMO")


def test_seed_demo_builds_a_print_farm(demo):
    assert demo.name == "Demo Print Farm"
    assert Location.objects.for_tenant(demo).count() == 3
    printers = Workstation.objects.for_tenant(demo).filter(kind=Workstation.Kind.PRINTER)
    assert printers.count() == 8 and all(p.model_name for p in printers)
    assert ItemType.objects.for_tenant(demo).filter(kind=ItemType.Kind.PRODUCT).count() == 12
    assert ItemType.objects.for_tenant(demo).filter(kind=ItemType.Kind.MATERIAL).count() == 2978
    spools = Spool.objects.for_tenant(demo).select_related("item_type")
    assert spools.count() == 30
    assert {s.item_type.material for s in spools} >= {"PLA", "PETG", "ASA", "TPU-95A"}
    assert spools.filter(item_type__name="Prusament PLA Galaxy Black").exists()


def test_seed_demo_spools_have_a_believable_history(demo):
    spools = Spool.objects.for_tenant(demo).select_related("item_type")
    now = timezone.now()

    assert all(now - timedelta(days=61) <= s.received_at < now for s in spools)
    assert all(Decimal("0.018") <= s.cost_per_gram <= Decimal("0.055") for s in spools)
    assert spools.filter(status=Spool.Status.EMPTY).count() == 1
    assert spools.filter(status=Spool.Status.ARCHIVED).count() == 1
    assert spools.filter(status=Spool.Status.ACTIVE, current_weight_g__lt=60).count() >= 3
    assert len({s.current_weight_g for s in spools}) > 15
    receipts = InventoryTransaction.objects.for_tenant(demo).filter(transaction_type="receipt")
    assert all(r.created_at == r.spool.received_at for r in receipts.select_related("spool"))
    assert InventoryTransaction.objects.for_tenant(demo).filter(transaction_type="reversal").count() == 1


def test_seed_demo_books_reconcile_with_the_ledger(demo):
    assert spool_drift(tenant=demo) == []
    assert stock_drift(tenant=demo) == []
    products = StockBalance.objects.for_tenant(demo).filter(item_type__kind=ItemType.Kind.PRODUCT)
    assert products.count() >= 12 and all(b.quantity > 0 for b in products)


def test_seed_demo_creates_admin_and_operator_with_the_demo_password(demo):
    roles = dict(Membership.objects.filter(tenant=demo).values_list("user__username", "role"))

    assert roles == {"admin": "admin", "operator": "operator"}
    assert all(User.objects.get(username=name).check_password("demo farm password") for name in roles)


def test_seed_demo_once_changes_nothing_when_demo_exists(demo):
    before = counts(demo)

    output = seed("--once")

    assert "already exists; nothing to do" in output
    assert counts(demo) == before
    assert Tenant.objects.filter(short_code="DEMO").count() == 1


def test_seed_demo_without_once_refuses_an_existing_demo(demo):
    with pytest.raises(CommandError, match="--once"):
        seed()


def test_seed_demo_prints_a_generated_password_and_keeps_existing_users_passwords(db, monkeypatch):
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    admin = User.objects.create_user(username="admin", password="the admin's own password")

    output = seed()

    admin.refresh_from_db()
    assert admin.check_password("the admin's own password")
    assert "admin (admin): existing user, password unchanged" in output
    generated = output.split("operator (operator): password ")[1].strip()
    assert User.objects.get(username="operator").check_password(generated)
