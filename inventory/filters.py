"""Filters of the inventory lists; shared by the API and the pages (query-string names)."""
from __future__ import annotations

import django_filters
from django.db.models import Exists, OuterRef, Q

from inventory.models import InventoryTransaction, ItemType, Location, Spool, StockBalance, Workstation
from prodtrack.filters import DayFilter, TenantFilterSet, words_filter

ITEM_SEARCH_FIELDS = ["name", "sku", "manufacturer", "material", "color_name"]


# A filament of the imported catalog that the farm never received a spool of.
CATALOG_ONLY = ~Q(catalog_id="") & Q(kind=ItemType.Kind.MATERIAL) & ~Exists(Spool.objects.filter(item_type=OuterRef("pk")))
CATALOG_CHOICES = [("hide", "Without catalog filaments"), ("all", "With catalog filaments"),
                   ("only", "Catalog filaments only")]


class ItemTypeFilter(TenantFilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    kind = django_filters.ChoiceFilter(choices=ItemType.Kind.choices)
    material = django_filters.CharFilter(field_name="material", lookup_expr="iexact")
    is_active = django_filters.BooleanFilter()
    catalog = django_filters.ChoiceFilter(choices=CATALOG_CHOICES, method="catalog_filter")
    ordering = django_filters.OrderingFilter(fields=["name", "sku", "kind", "unit_cost", "created_at"])

    class Meta:
        model = ItemType
        fields = ["q", "kind", "material", "is_active", "catalog"]

    def catalog_filter(self, queryset, name, value):
        """``hide``: leave out catalog filaments never received; ``only``: just those; ``all``: both."""
        if value == "hide":
            return queryset.exclude(CATALOG_ONLY)
        return queryset.filter(CATALOG_ONLY) if value == "only" else queryset

    def search(self, queryset, name, value):
        return words_filter(queryset, ITEM_SEARCH_FIELDS, value)


class LocationFilter(TenantFilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label="Search")
    kind = django_filters.ChoiceFilter(choices=Location.Kind.choices)

    class Meta:
        model = Location
        fields = ["q", "kind"]


class WorkstationFilter(TenantFilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label="Search")
    kind = django_filters.ChoiceFilter(choices=Workstation.Kind.choices)
    location = django_filters.ModelChoiceFilter(queryset=Location.objects.all())
    is_active = django_filters.BooleanFilter()

    class Meta:
        model = Workstation
        fields = ["q", "kind", "location", "is_active"]


class SpoolFilter(TenantFilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    status = django_filters.ChoiceFilter(choices=Spool.Status.choices)
    item_type = django_filters.ModelChoiceFilter(queryset=ItemType.objects.filter(kind=ItemType.Kind.MATERIAL))
    location = django_filters.ModelChoiceFilter(queryset=Location.objects.all())
    material = django_filters.CharFilter(field_name="item_type__material", lookup_expr="iexact")
    ordering = django_filters.OrderingFilter(
        fields=[("received_at", "received_at"), ("current_weight_g", "current_weight_g"), ("id", "id"),
                ("item_type__name", "item")])

    class Meta:
        model = Spool
        fields = ["q", "status", "item_type", "location", "material"]

    def search(self, queryset, name, value):
        if value.strip().lstrip("#").isdigit():
            return queryset.filter(pk=int(value.strip().lstrip("#")))
        return words_filter(queryset, [f"item_type__{f}" for f in ITEM_SEARCH_FIELDS] + ["lot_number"], value)


class InventoryTransactionFilter(TenantFilterSet):
    item_type = django_filters.ModelChoiceFilter(queryset=ItemType.objects.all())
    location = django_filters.ModelChoiceFilter(queryset=Location.objects.all())
    spool = django_filters.ModelChoiceFilter(queryset=Spool.objects.all())
    transaction_type = django_filters.ChoiceFilter(choices=InventoryTransaction.Type.choices)
    reference_type = django_filters.CharFilter()
    reference_id = django_filters.CharFilter()
    reference = django_filters.CharFilter(field_name="reference_label", lookup_expr="icontains",
                                          label="Reference contains")
    date_from = DayFilter(field_name="created_at", bound="from")
    date_to = DayFilter(field_name="created_at", bound="to")

    class Meta:
        model = InventoryTransaction
        fields = ["item_type", "location", "spool", "transaction_type", "reference_type", "reference_id",
                  "reference", "date_from", "date_to"]


class StockBalanceFilter(TenantFilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    item_type = django_filters.ModelChoiceFilter(queryset=ItemType.objects.all())
    location = django_filters.ModelChoiceFilter(queryset=Location.objects.all())
    kind = django_filters.ChoiceFilter(field_name="item_type__kind", choices=ItemType.Kind.choices)
    nonzero = django_filters.BooleanFilter(method="filter_nonzero", label="Only non-zero")
    ordering = django_filters.OrderingFilter(
        fields=[("item_type__name", "item"), ("location__name", "location"), ("quantity", "quantity")])

    class Meta:
        model = StockBalance
        fields = ["q", "item_type", "location", "kind", "nonzero"]

    def search(self, queryset, name, value):
        return words_filter(queryset, [f"item_type__{f}" for f in ITEM_SEARCH_FIELDS], value)

    def filter_nonzero(self, queryset, name, value):
        return queryset.exclude(quantity=0) if value else queryset
