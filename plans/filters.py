"""Filters of the plans lists (API and pages)."""
import django_filters

from inventory.models import ItemType, Location, Workstation
from plans.models import JobQueueEntry, ProductionPlan, ProductionPlanRun, Recipe, TransportJob
from prodtrack.filters import DayFilter, TenantFilterSet


class RecipeFilter(TenantFilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label="Search")
    product = django_filters.ModelChoiceFilter(queryset=ItemType.objects.filter(kind=ItemType.Kind.PRODUCT))
    is_active = django_filters.BooleanFilter()

    class Meta:
        model = Recipe
        fields = ["q", "product", "is_active"]


class PlanFilter(TenantFilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label="Search")
    product = django_filters.ModelChoiceFilter(queryset=ItemType.objects.filter(kind=ItemType.Kind.PRODUCT))

    class Meta:
        model = ProductionPlan
        fields = ["q", "product"]


class PlanRunFilter(TenantFilterSet):
    plan = django_filters.ModelChoiceFilter(queryset=ProductionPlan.objects.all())
    source = django_filters.ChoiceFilter(choices=ProductionPlanRun.Source.choices)
    date_from = DayFilter(field_name="created_at", bound="from")
    date_to = DayFilter(field_name="created_at", bound="to")

    class Meta:
        model = ProductionPlanRun
        fields = ["plan", "source", "date_from", "date_to"]


class JobFilter(TenantFilterSet):
    status = django_filters.MultipleChoiceFilter(choices=JobQueueEntry.Status.choices, distinct=False)
    plan_run = django_filters.ModelChoiceFilter(queryset=ProductionPlanRun.objects.all())
    workstation = django_filters.ModelChoiceFilter(queryset=Workstation.objects.all())
    location = django_filters.ModelChoiceFilter(queryset=Location.objects.all())

    class Meta:
        model = JobQueueEntry
        fields = ["status", "plan_run", "workstation", "location"]


class TransportJobFilter(TenantFilterSet):
    status = django_filters.MultipleChoiceFilter(choices=TransportJob.Status.choices, distinct=False)
    plan_run = django_filters.ModelChoiceFilter(queryset=ProductionPlanRun.objects.all())

    class Meta:
        model = TransportJob
        fields = ["status", "plan_run"]
