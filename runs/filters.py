"""Filters of the production run list (API and pages share the query-string names)."""
import django_filters
from django.db.models import F

from inventory.models import ItemType, Spool, Workstation
from prodtrack.filters import DayFilter, TenantFilterSet
from runs.models import ProductionRun


class VarianceOrderingFilter(django_filters.OrderingFilter):
    """Sort by date, run number or variance; runs without a variance sort last either way."""

    def filter(self, qs, value):
        if not value:
            return qs
        ordering = []
        for field in value:
            descending = field.startswith("-")
            name = self.param_map.get(field.lstrip("-"), field.lstrip("-"))
            expression = F(name)
            ordering.append(expression.desc(nulls_last=True) if descending else expression.asc(nulls_last=True))
        return qs.order_by(*ordering)


class ProductionRunFilter(TenantFilterSet):
    q = django_filters.CharFilter(field_name="run_number", lookup_expr="icontains", label="Run number")
    status = django_filters.MultipleChoiceFilter(choices=ProductionRun.Status.choices, distinct=False)
    date_from = DayFilter(field_name="started_at", bound="from")
    date_to = DayFilter(field_name="started_at", bound="to")
    product = django_filters.ModelChoiceFilter(queryset=ItemType.objects.filter(kind=ItemType.Kind.PRODUCT),
                                               method="filter_product")
    spool = django_filters.ModelChoiceFilter(queryset=Spool.objects.all(), method="filter_spool")
    workstation = django_filters.ModelChoiceFilter(queryset=Workstation.objects.all())
    ordering = VarianceOrderingFilter(fields=[("started_at", "started_at"), ("run_number", "run_number"),
                                              ("variance_pct", "variance")])

    class Meta:
        model = ProductionRun
        fields = ["q", "status", "date_from", "date_to", "product", "spool", "workstation"]

    def filter_product(self, queryset, name, value):
        return queryset.filter(pk__in=ProductionRun.objects.filter(items__product=value).values("pk"))

    def filter_spool(self, queryset, name, value):
        return queryset.filter(pk__in=ProductionRun.objects.filter(materials__spool=value).values("pk"))
