from decimal import Decimal

from inventory.models import InventoryTransaction, Spool, StockBalance
from tests.factories import LocationFactory, MaterialFactory


def test_receiving_a_spool_creates_the_spool_its_receipt_row_and_the_balance(api, tenant):
    material = MaterialFactory(tenant=tenant)
    shelf = LocationFactory(tenant=tenant)

    response = api.post("/api/v1/spools", {"item_type": material.pk, "location": shelf.pk,
                                           "initial_weight_g": "1000.00"}, format="json")

    assert response.status_code == 201, response.json()
    spool = Spool.objects.get(pk=response.json()["id"])
    assert spool.current_weight_g == Decimal("1000.00")
    receipt = InventoryTransaction.objects.get(spool=spool)
    assert receipt.transaction_type == "receipt" and receipt.quantity == Decimal("1000")
    assert StockBalance.objects.get(item_type=material, location=shelf).quantity == Decimal("1000")
