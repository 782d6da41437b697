"""Filters of the plans lists (API and pages)."""
import django_filters

from inventory.models import ItemType
from plans.models import Recipe
from prodtrack.filters import TenantFilterSet


class RecipeFilter(TenantFilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label="Search")
    product = django_filters.ModelChoiceFilter(queryset=ItemType.objects.filter(kind=ItemType.Kind.PRODUCT))
    is_active = django_filters.BooleanFilter()

    class Meta:
        model = Recipe
        fields = ["q", "product", "is_active"]
