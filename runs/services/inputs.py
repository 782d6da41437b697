"""The inputs of the run services: what to print (``ItemSpec``), with which spools
(``MaterialSpec``), what was really used (``MaterialActual``) and how the pieces came out
(``ItemOutcome``). Grams and money are Decimal."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from inventory.models import ItemType, Spool
from runs.services.common import (
    ZERO,
)


@dataclass(frozen=True)
class ItemSpec:
    """A product to print: ``quantity`` pieces; ``estimated_cost`` None → from its recipe."""

    product: ItemType
    quantity: int
    bed_position: str = ""
    estimated_cost: Decimal | None = None


@dataclass(frozen=True)
class MaterialSpec:
    """A spool to print with; ``estimated_weight_g`` None → the recipes' grams of its material."""

    spool: Spool
    estimated_weight_g: Decimal | None = None
    estimated_purge_g: Decimal = ZERO


@dataclass(frozen=True)
class ItemOutcome:
    """How many pieces of a run item came out right and wrong (and why, when any failed)."""

    item_id: int
    successful_quantity: int
    failed_quantity: int = 0
    waste_reason: str = ""
