"""The seeded demo farm is complete: printers, products with recipes, spools with a believable
history, and books that reconcile with the ledger."""
from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from inventory.models import InventoryTransaction, ItemType, Location, Spool, StockBalance, Workstation
from inventory.selectors import spool_drift, stock_drift
from plans.models import Recipe
from plans.selectors import recipes_for_products
from printers.models import PrinterToken


def test_builds_a_print_farm(demo):
    assert demo.name == "Demo Print Farm"
    assert Recipe.objects.for_tenant(demo).count() == 19
    assert Location.objects.for_tenant(demo).count() == 3
    printers = Workstation.objects.for_tenant(demo).filter(kind=Workstation.Kind.PRINTER)
    assert printers.count() == 8 and all(p.model_name for p in printers)
    bench = Workstation.objects.for_tenant(demo).get(kind=Workstation.Kind.ASSEMBLY)
    assert (bench.location.name, bench.activities) == ("Main warehouse", ["assembly"])
    assert ItemType.objects.for_tenant(demo).filter(kind=ItemType.Kind.PRODUCT).count() == 19
    assert ItemType.objects.for_tenant(demo).filter(kind=ItemType.Kind.COMPONENT).count() == 1
    assert ItemType.objects.for_tenant(demo).filter(kind=ItemType.Kind.MATERIAL).count() == 2978
    spools = Spool.objects.for_tenant(demo).select_related("item_type", "location")
    assert spools.count() > 30   # the 30 bought up front and the reorders
    sealed = [s for s in spools if s.location.name == "Main warehouse"]
    assert len(sealed) == 6 and all(s.current_weight_g == s.initial_weight_g for s in sealed)
    assert {s.item_type.material for s in spools} >= {"PLA", "PETG", "ASA", "TPU-95A"}
    assert spools.filter(item_type__name="Prusament PLA Galaxy Black").exists()


def test_spools_have_a_believable_history(demo):
    spools = Spool.objects.for_tenant(demo).select_related("item_type")
    now = timezone.now()

    assert all(now - timedelta(days=61) <= s.received_at < now for s in spools)
    assert all(Decimal("0.018") <= s.cost_per_gram <= Decimal("0.055") for s in spools)
    assert spools.filter(status=Spool.Status.EMPTY).count() >= 1
    assert spools.filter(status=Spool.Status.ARCHIVED).count() == 1
    assert spools.filter(status=Spool.Status.ACTIVE, current_weight_g__lt=60).count() >= 3
    assert len({s.current_weight_g for s in spools}) > 15
    ledger = InventoryTransaction.objects.for_tenant(demo)
    receipts = ledger.filter(transaction_type="receipt")
    assert all(r.created_at == r.spool.received_at for r in receipts.select_related("spool"))
    assert ledger.filter(transaction_type="receipt", note="Reorder: running low").exists()
    assert ledger.filter(transaction_type="reversal", reference_type="spool").count() == 1  # the untared scale
    assert ledger.filter(transaction_type="adjustment", note__startswith="Ran out mid-print").count() == 1


def test_books_reconcile_with_the_ledger(demo):
    assert spool_drift(tenant=demo) == []
    assert stock_drift(tenant=demo) == []
    products = StockBalance.objects.for_tenant(demo).filter(item_type__kind=ItemType.Kind.PRODUCT)
    # A voided or failed plate can leave a pair at exactly 0; stock is never negative.
    assert products.count() >= 12 and all(b.quantity >= 0 for b in products)


def test_spools_never_go_below_zero_in_time_order(demo):
    """The history is played in time order: each spool's running balance stays ≥ 0 row by row."""
    balances: dict[int, Decimal] = defaultdict(Decimal)
    rows = (InventoryTransaction.objects.for_tenant(demo).filter(spool__isnull=False)
            .order_by("created_at", "pk").values_list("spool_id", "quantity"))
    for spool_id, quantity in rows:
        balances[spool_id] += quantity
        assert balances[spool_id] >= 0, f"spool {spool_id} below 0 g"


def test_gives_every_product_a_recipe(demo):
    products = ItemType.objects.for_tenant(demo).filter(kind=ItemType.Kind.PRODUCT)
    recipes = recipes_for_products(tenant=demo, product_ids=products.values_list("pk", flat=True))

    assert set(recipes) == set(products.values_list("pk", flat=True))
    for recipe in recipes.values():
        inputs = list(recipe.inputs.all())
        filaments = [i for i in inputs if i.item_type.kind == ItemType.Kind.MATERIAL]
        assert recipe.output_quantity >= 1 and inputs
        assert all(i.item_type.spools.exists() for i in filaments)
        if recipe.activity == "printing":     # a plate: 3–20 h at 10–15 g of filament an hour
            assert filaments and 3 * 3600 <= recipe.duration_s <= 20 * 3600
            grams_per_hour = sum(i.quantity for i in filaments) / Decimal(recipe.duration_s) * 3600
            assert 10 <= grams_per_hour <= 15, recipe.name
        else:                                 # assembly from parts and components
            assert not filaments and recipe.activity == "assembly" and recipe.duration_s <= 2 * 3600
    assert any(len(recipe.inputs.all()) == 2 and all(i.item_type.kind == ItemType.Kind.MATERIAL
                                                     for i in recipe.inputs.all()) for recipe in recipes.values())
    assert sum(any(i.item_type.kind == ItemType.Kind.PRODUCT for i in recipe.inputs.all())
               for recipe in recipes.values()) == 4   # drawer, set, weighted base, stand


def test_two_printers_have_spoolman_addresses(demo):
    live = PrinterToken.objects.filter(tenant=demo, revoked_at__isnull=True).select_related("workstation")

    assert sorted(token.workstation.name for token in live) == ["MK4-01", "MK4-02"]
