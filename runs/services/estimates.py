"""Estimates from recipes: grams of each material and cost of the pieces of a run or a job
(DESIGN §5's material efficiency for jobs)."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from inventory.models import ItemType
from plans.models import JobQueueEntry, Recipe
from plans.selectors import recipes_for_products
from prodtrack.exceptions import ValidationError
from prodtrack.models import Tenant
from runs.services.common import (
    ZERO,
    round_grams,
    round_money,
)
from runs.services.inputs import MaterialSpec


@dataclass
class RecipeEstimate:
    """Estimates from recipes for a list of items: grams per material, cost per item, seconds, and
    the items' cost split into filament (at the materials' unit cost) and parts."""

    material_grams: dict[int, Decimal]
    item_costs: list[Decimal | None]
    duration_s: int | None
    filament_cost: Decimal = ZERO
    parts_cost: Decimal = ZERO


def recipe_estimate(*, tenant: Tenant, items: Sequence[tuple[ItemType, int]]) -> RecipeEstimate:
    """Estimate ``(product, pieces)`` items from each product's recipe.

    Per piece a recipe uses ``input quantity / output_quantity`` (so 3 pieces of a 4-per-plate
    recipe use ¾ of its grams); cost = Σ inputs × their unit cost; duration = Σ recipe seconds
    × pieces / output. Products without a recipe estimate nothing (cost None). Two queries.
    """
    recipes = recipes_for_products(tenant=tenant, product_ids=[product.pk for product, _ in items])
    grams: dict[int, Decimal] = defaultdict(Decimal)
    costs: list[Decimal | None] = []
    duration = filament_cost = parts_cost = ZERO
    for product, pieces in items:
        recipe: Recipe | None = recipes.get(product.pk)
        if recipe is None:
            costs.append(None)
            continue
        share = Decimal(pieces) / Decimal(recipe.output_quantity)
        cost = ZERO
        for recipe_input in recipe.inputs.all():
            needed = recipe_input.quantity * share
            input_cost = needed * recipe_input.item_type.unit_cost
            if recipe_input.item_type.kind == ItemType.Kind.MATERIAL:
                grams[recipe_input.item_type_id] += needed
                filament_cost += input_cost
            else:
                parts_cost += input_cost
            cost += input_cost
        costs.append(round_money(cost))
        duration += recipe.duration_s * share
    return RecipeEstimate(material_grams={k: round_grams(v) for k, v in grams.items()}, item_costs=costs,
                          duration_s=int(duration.to_integral_value(ROUND_HALF_UP)) if recipes else None,
                          filament_cost=round_money(filament_cost), parts_cost=round_money(parts_cost))


def material_estimates(materials: Sequence[MaterialSpec], grams: dict[int, Decimal],
                        field: str = "materials") -> list[Decimal]:
    """Each spool's estimated grams: given, or its material's recipe grams (one spool per material)."""
    per_material: dict[int, int] = defaultdict(int)
    for spec in materials:
        if spec.estimated_weight_g is None:
            per_material[spec.spool.item_type_id] += 1
    estimates = []
    for index, spec in enumerate(materials):
        if spec.estimated_weight_g is not None:
            estimates.append(spec.estimated_weight_g)
        elif per_material[spec.spool.item_type_id] > 1:
            raise ValidationError.for_field(
                f"{field}[{index}].estimated_weight_g",
                "is required when several spools of one material share the run.")
        else:
            estimates.append(grams.get(spec.spool.item_type_id, ZERO))
    return estimates


def job_material_grams(job: JobQueueEntry) -> dict[int, Decimal]:
    """Grams of each material (item type id → g) a job's run needs: recipe grams × runs ×
    (100 − material efficiency %) / 100 (DESIGN §5). One query."""
    share = Decimal(job.runs) * (Decimal("100") - job.material_efficiency) / Decimal("100")
    return {line.item_type_id: round_grams(line.quantity * share)
            for line in job.recipe.inputs.select_related("item_type")
            if line.item_type.kind == ItemType.Kind.MATERIAL}
