"""Template helpers of the inventory pages."""
from __future__ import annotations

from decimal import Decimal

from django import template

from inventory.models import InventoryTransaction
from inventory.references import reference_url

register = template.Library()


@register.filter
def source_url(row: InventoryTransaction) -> str | None:
    """``{{ row|source_url }}``: the page of a ledger row's source document, or None."""
    return reference_url(row.reference_type, row.reference_id)


@register.filter
def kilograms(grams: Decimal | None) -> Decimal:
    """``{{ 12345|kilograms }}`` → ``12.3``: grams as kilograms with one decimal."""
    return (Decimal(grams or 0) / 1000).quantize(Decimal("0.1"))
