"""Plans reads: recipes."""
from __future__ import annotations

from typing import Any, Iterable

from django.db.models import Prefetch, QuerySet

from plans.filters import RecipeFilter
from plans.models import Recipe, RecipeInput
from prodtrack.filters import apply_filters
from prodtrack.models import Tenant
from prodtrack.tenancy import get_for_tenant

INPUTS = Prefetch("inputs", queryset=RecipeInput.objects.select_related("item_type"))


def recipe_list(*, tenant: Tenant, filters: Any = None) -> QuerySet[Recipe]:
    """Recipes by name with product and inputs (3 queries for any page: rows, inputs + items)."""
    qs = Recipe.objects.for_tenant(tenant).select_related("product").prefetch_related(INPUTS)
    return apply_filters(RecipeFilter, filters, qs, tenant=tenant)


def recipe_get(*, tenant: Tenant, pk: Any) -> Recipe:
    """One recipe with product and inputs, or NotFoundError (404)."""
    return get_for_tenant(Recipe.objects.select_related("product").prefetch_related(INPUTS), tenant, pk)


def recipes_for_products(*, tenant: Tenant, product_ids: Iterable[int]) -> dict[int, Recipe]:
    """The recipe of each product (its first active recipe by id), inputs prefetched; 2 queries."""
    recipes: dict[int, Recipe] = {}
    qs = (Recipe.objects.for_tenant(tenant).filter(product_id__in=set(product_ids), is_active=True)
          .prefetch_related(INPUTS).order_by("id"))
    for recipe in qs:
        recipes.setdefault(recipe.product_id, recipe)
    return recipes
