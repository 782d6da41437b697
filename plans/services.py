"""Plans writes: recipes (a product's bill of materials per run)."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Sequence

from django.db import transaction

from inventory.models import ItemType
from plans.models import Recipe, RecipeInput
from prodtrack.exceptions import ValidationError
from prodtrack.models import Tenant
from prodtrack.services import model_save_validated
from prodtrack.telemetry import traced


@dataclass(frozen=True)
class InputSpec:
    """One recipe input: ``quantity`` per run in the item's unit (grams of filament, pieces)."""

    item_type: ItemType
    quantity: Decimal


def _check_recipe(tenant: Tenant, product: ItemType, inputs: Sequence[InputSpec]) -> None:
    if product.tenant_id != tenant.pk:
        raise ValidationError.for_field("product", "not found.")
    if product.kind != ItemType.Kind.PRODUCT:
        raise ValidationError.for_field("product", f"{product.name} is a {product.kind}, not a product.")
    seen: set[int] = set()
    for index, spec in enumerate(inputs):
        field = f"inputs[{index}]"
        if spec.item_type.tenant_id != tenant.pk:
            raise ValidationError.for_field(f"{field}.item_type", "not found.")
        if spec.item_type.pk == product.pk:
            raise ValidationError.for_field(f"{field}.item_type", "a product cannot be an input of itself.")
        if spec.item_type.pk in seen:
            raise ValidationError.for_field(f"{field}.item_type", f"{spec.item_type.name} is listed twice.")
        if spec.quantity <= 0:
            raise ValidationError.for_field(f"{field}.quantity", "must be more than 0.")
        seen.add(spec.item_type.pk)


def _replace_inputs(recipe: Recipe, inputs: Sequence[InputSpec]) -> None:
    recipe.inputs.all().delete()
    RecipeInput.objects.bulk_create(
        [RecipeInput(recipe=recipe, item_type=spec.item_type, quantity=spec.quantity) for spec in inputs])


@traced("recipe.create")
@transaction.atomic
def recipe_create(*, tenant: Tenant, name: str, product: ItemType, inputs: Sequence[InputSpec] = (),
                  output_quantity: int = 1, duration_s: int = 0, activity: str = "printing",
                  is_active: bool = True, notes: str = "") -> Recipe:
    """Create a recipe with its inputs. Raises ValidationError (400) naming the field: a product
    that is not a product of the tenant, an input listed twice or ≤ 0, a taken name."""
    _check_recipe(tenant, product, inputs)
    recipe = model_save_validated(Recipe(
        tenant=tenant, name=name, product=product, output_quantity=output_quantity, duration_s=duration_s,
        activity=activity, is_active=is_active, notes=notes), unique_fields=["name"])
    _replace_inputs(recipe, inputs)
    return recipe


@traced("recipe.update")
@transaction.atomic
def recipe_update(*, recipe: Recipe, data: dict[str, Any], inputs: Sequence[InputSpec] | None = None) -> Recipe:
    """Update fields; when ``inputs`` is given it replaces the whole input list."""
    recipe = Recipe.objects.select_for_update().get(pk=recipe.pk)
    for name, value in data.items():
        setattr(recipe, name, value)
    current = inputs if inputs is not None else [
        InputSpec(item_type=line.item_type, quantity=line.quantity) for line in recipe.inputs.select_related("item_type")]
    _check_recipe(recipe.tenant, recipe.product, current)
    recipe = model_save_validated(recipe, unique_fields=["name"] if "name" in data else [],
                                  update_fields=list(data))
    if inputs is not None:
        _replace_inputs(recipe, inputs)
    return recipe


@traced("recipe.delete")
@transaction.atomic
def recipe_delete(*, recipe: Recipe) -> None:
    """Delete a recipe and its inputs (runs keep their own estimates)."""
    recipe.delete()
