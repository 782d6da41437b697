"""Stockpile reads: markers with stock on hand and auto-production status, deficits (to produce /
to buy), and the auto-production run log. Every list is one query per page, whatever its size:
stock on hand, pending output and the last auto run come from correlated subqueries.

Definitions shared with the runner (``stockpiles.services``):

* **gross deficit** = max(0, desired − stock on hand of the item at the marker's location);
* **pending output of a plan** = Σ ``quantity`` of its plan runs' jobs that are ``planned`` or
  ``active`` and make the plan's product (the root step's jobs): a job's ``quantity`` is its runs ×
  the recipe's output per run, i.e. the pieces it will add to stock;
* **auto-production on** = ``auto_production_enabled`` and a plan (a marker whose plan was deleted
  is off);
* **cooldown**: the plan has an ``auto`` plan run created after ``cooldown_since(now)``.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import django_filters
from django.conf import settings
from django.db.models import (
    Case,
    CharField,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest, Least
from django.utils import timezone

from inventory.models import ItemType, Location, StockBalance
from plans.models import JobQueueEntry, ProductionPlan, ProductionPlanRun
from prodtrack import charts
from prodtrack.filters import TenantFilterSet, apply_filters, words_filter
from prodtrack.models import Tenant
from prodtrack.tenancy import get_for_tenant
from stockpiles.models import AutoProductionRun, StockpileMarker

QTY = DecimalField(max_digits=14, decimal_places=3)
PCT = DecimalField(max_digits=9, decimal_places=2)
MONEY_EXACT = DecimalField(max_digits=24, decimal_places=6)
ZERO = Value(Decimal("0"), output_field=QTY)
OPEN_JOB_STATUSES = (JobQueueEntry.Status.PLANNED, JobQueueEntry.Status.ACTIVE)
#: the runner's cooldown ends this much before a whole interval has passed, so that the beat tick
#: one interval later is not refused for a plan the previous tick generated (scheduling jitter).
COOLDOWN_GRACE_MAX_S = 60


class AutoStatus:
    """A marker's auto-production status (``auto_production_status``)."""

    OFF = "off"                    # disabled, or no plan (never set, or the plan was deleted)
    ON = "on"                      # the runner produces its deficit with the plan
    COVERED = "covered"            # a deficit, but the plan's pending output covers the plan's deficits
    COOLING_DOWN = "cooling_down"  # a deficit, but the plan had an auto run within the interval
    CHOICES = [(OFF, "Off"), (ON, "On"), (COVERED, "Covered by pending output"), (COOLING_DOWN, "Cooling down")]


class DeficitKind:
    TO_PRODUCE = "to_produce"
    TO_BUY = "to_buy"
    CHOICES = [(TO_PRODUCE, "To produce (auto-production)"), (TO_BUY, "To buy")]


def cooldown_since(now: datetime | None = None) -> datetime:
    """Auto plan runs created after this moment put their plan in cooldown: one interval before
    ``now``, less a grace of 10 % of the interval (at most a minute)."""
    interval = settings.AUTO_PRODUCTION_INTERVAL_SEC
    grace = min(COOLDOWN_GRACE_MAX_S, interval / 10)
    return (now or timezone.now()) - timedelta(seconds=interval - grace)


def on_hand_expression(item_type: str = "item_type", location: str = "location") -> Coalesce:
    """Stock on hand of the (outer) row's item type at its location: its ``StockBalance`` (0 if none)."""
    balance = StockBalance.objects.filter(item_type=OuterRef(item_type), location=OuterRef(location)).order_by()
    return Coalesce(Subquery(balance.values("quantity")[:1]), ZERO, output_field=QTY)


def gross_deficit_expression() -> Greatest:
    """max(0, desired − on hand) of the (outer) marker."""
    return Greatest(F("desired_quantity") - on_hand_expression(), ZERO, output_field=QTY)


def open_root_jobs() -> QuerySet[JobQueueEntry]:
    """Jobs that will still add their plan's product to stock: planned or active, making the product
    of the plan their plan run belongs to."""
    return JobQueueEntry.objects.filter(status__in=OPEN_JOB_STATUSES, product_id=F("plan_run__plan__product_id"))


def pending_output_expression(plan: str = "plan_id") -> Coalesce:
    """The pending output of the (outer) row's plan, in pieces (0 without a plan)."""
    jobs = (open_root_jobs().filter(plan_run__plan_id=OuterRef(plan)).order_by()
            .values("plan_run__plan_id").annotate(total=Sum("quantity")).values("total"))
    return Coalesce(Subquery(jobs, output_field=QTY), ZERO, output_field=QTY)


def _plan_gross_deficit_expression() -> Coalesce:
    """Σ gross deficits of every marker with auto-production on for the (outer) marker's plan, each
    shelf (item, location) counted once, by its marker with the larger desired quantity (the lower
    owner id on a tie), as the runner nets it."""
    outranked = StockpileMarker.objects.filter(
        AUTO_ON, item_type_id=OuterRef("item_type_id"), location_id=OuterRef("location_id")).filter(
        Q(desired_quantity__gt=OuterRef("desired_quantity"))
        | Q(desired_quantity=OuterRef("desired_quantity"), owner_id__lt=OuterRef("owner_id")))
    markers = (StockpileMarker.objects.filter(plan_id=OuterRef("plan_id"), auto_production_enabled=True)
               .filter(~Exists(outranked)).annotate(gross=gross_deficit_expression()).order_by()
               .values("plan_id").annotate(total=Sum("gross")).values("total"))
    return Coalesce(Subquery(markers, output_field=QTY), ZERO, output_field=QTY)


def _in_cooldown_expression(now: datetime | None) -> Exists:
    return Exists(ProductionPlanRun.objects.filter(plan_id=OuterRef("plan_id"), source=ProductionPlanRun.Source.AUTO,
                                                   created_at__gt=cooldown_since(now)))


AUTO_ON = Q(auto_production_enabled=True, plan__isnull=False)


# --- markers -----------------------------------------------------------------------------------

class StockpileFilter(TenantFilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    item_type = django_filters.ModelChoiceFilter(queryset=ItemType.objects.all())
    location = django_filters.ModelChoiceFilter(queryset=Location.objects.all())
    plan = django_filters.ModelChoiceFilter(queryset=ProductionPlan.objects.all())
    owner = django_filters.NumberFilter(field_name="owner_id")
    auto_production_enabled = django_filters.BooleanFilter()
    below_target = django_filters.BooleanFilter(method="filter_below_target")
    ordering = django_filters.OrderingFilter(fields=[("item_type__name", "item"), ("location__name", "location"),
                                                     ("desired_quantity", "desired"), ("on_hand", "on_hand"),
                                                     ("deficit", "deficit")])

    class Meta:
        model = StockpileMarker
        fields = ["q", "item_type", "location", "plan", "owner", "auto_production_enabled", "below_target"]

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return words_filter(queryset, ["item_type__name", "item_type__sku", "location__name"], value)

    def filter_below_target(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        return queryset.filter(deficit__gt=0) if value else queryset.filter(deficit=0)


def _marker_queryset(tenant: Tenant) -> QuerySet[StockpileMarker]:
    return (StockpileMarker.objects.for_tenant(tenant).select_related("owner", "item_type", "location", "plan")
            .annotate(on_hand=on_hand_expression())
            .annotate(deficit=Greatest(F("desired_quantity") - F("on_hand"), ZERO, output_field=QTY)))


def stockpile_marker_list(*, tenant: Tenant, filters: Any = None, now: datetime | None = None
                          ) -> QuerySet[StockpileMarker]:
    """Markers by item and location, each with ``on_hand``, ``deficit`` (gross), ``fill_pct`` (on
    hand ÷ desired × 100, within 0–100; 100 for a target of 0), ``pending_output``
    of its plan and ``auto_production_status`` (``AutoStatus``): off; covered when it has a deficit
    and its plan's pending output covers the gross deficits of all the plan's markers (the runner
    would generate nothing for the plan); cooling down when it has a deficit and the plan had an
    auto run within the interval; on otherwise. One query per page."""
    qs = _marker_queryset(tenant).annotate(
        pending_output=pending_output_expression(),
        fill_pct=Case(When(desired_quantity__gt=0, then=Least(Greatest(
            F("on_hand") * 100 / F("desired_quantity"), Value(Decimal("0"))), Value(Decimal("100")))),
            default=Value(Decimal("100")), output_field=PCT))
    qs = qs.annotate(auto_production_status=Case(
        When(~AUTO_ON, then=Value(AutoStatus.OFF)),
        When(Q(deficit__gt=0) & Q(pending_output__gte=_plan_gross_deficit_expression()),
             then=Value(AutoStatus.COVERED)),
        When(Q(deficit__gt=0) & _in_cooldown_expression(now), then=Value(AutoStatus.COOLING_DOWN)),
        default=Value(AutoStatus.ON), output_field=CharField()))
    return apply_filters(StockpileFilter, filters, qs, tenant=tenant)


def stockpile_marker_get(*, tenant: Tenant, pk: Any) -> StockpileMarker:
    """One marker as the list shows it, or NotFoundError (404)."""
    return get_for_tenant(stockpile_marker_list(tenant=tenant), tenant, pk, label="stockpile marker")


def stockpile_item_choices(*, tenant: Tenant) -> QuerySet[ItemType]:
    """Items a marker may keep, by name: the active products and components, and the active
    materials the farm stocks (a stock balance at some location) — not the whole imported filament
    catalog. One query."""
    stocked = StockBalance.objects.filter(item_type_id=OuterRef("pk"))
    return (ItemType.objects.for_tenant(tenant).filter(is_active=True)
            .filter(~Q(kind=ItemType.Kind.MATERIAL) | Exists(stocked)).order_by("name", "pk"))


# --- deficits ----------------------------------------------------------------------------------

class DeficitFilter(TenantFilterSet):
    kind = django_filters.ChoiceFilter(choices=DeficitKind.CHOICES)
    item_type = django_filters.ModelChoiceFilter(queryset=ItemType.objects.all())
    location = django_filters.ModelChoiceFilter(queryset=Location.objects.all())

    class Meta:
        model = StockpileMarker
        fields = ["kind", "item_type", "location"]


def stockpile_deficits(*, tenant: Tenant, filters: Any = None) -> QuerySet[StockpileMarker]:
    """Markers below target, "to produce" first, each with ``on_hand``, ``deficit`` (gross),
    ``pending_production`` (its plan's pending output; 0 without a plan — shared by every marker
    of the plan), ``net_deficit`` = max(0, gross − pending), ``estimated_cost`` = net deficit ×
    the item's unit cost (money, exact) and ``kind``: ``to_produce`` when
    auto-production is on, ``to_buy`` otherwise — so a deficit is in exactly one of the two lists
    and an auto-production marker never on the buy list. One query per page (balances included)."""
    qs = _marker_queryset(tenant).filter(deficit__gt=0).annotate(
        kind=Case(When(AUTO_ON, then=Value(DeficitKind.TO_PRODUCE)), default=Value(DeficitKind.TO_BUY),
                  output_field=CharField()),
        pending_production=Case(When(plan__isnull=True, then=ZERO), default=pending_output_expression(),
                                output_field=QTY),
    ).annotate(net_deficit=Greatest(F("deficit") - F("pending_production"), ZERO, output_field=QTY))
    qs = qs.annotate(estimated_cost=ExpressionWrapper(F("net_deficit") * F("item_type__unit_cost"),
                                                      output_field=MONEY_EXACT))
    qs = qs.order_by("-kind", "item_type__name", "location__name", "id")   # to_produce before to_buy
    return apply_filters(DeficitFilter, filters, qs, tenant=tenant)


# --- the run log ---------------------------------------------------------------------------------

class AutoProductionRunFilter(TenantFilterSet):
    status = django_filters.MultipleChoiceFilter(choices=AutoProductionRun.Status.choices, distinct=False)
    triggered_by = django_filters.ChoiceFilter(choices=AutoProductionRun.Trigger.choices)

    class Meta:
        model = AutoProductionRun
        fields = ["status", "triggered_by"]


def auto_production_run_list(*, tenant: Tenant, filters: Any = None) -> QuerySet[AutoProductionRun]:
    """The tenant's ticks, newest first (filters: status, triggered_by)."""
    qs = AutoProductionRun.objects.for_tenant(tenant).select_related("requested_by")
    return apply_filters(AutoProductionRunFilter, filters, qs, tenant=tenant)


def auto_production_run_get(*, tenant: Tenant, pk: Any) -> AutoProductionRun:
    """One tick with its metrics and output, or NotFoundError (404)."""
    return get_for_tenant(AutoProductionRun.objects.select_related("requested_by"), tenant, pk,
                          label="auto-production run")


# The colour of each step of a tick in the duration chart (a ``prodtrack.charts`` colour name).
TICK_STEP_COLORS = {"load_markers": "secondary", "compute_deficits": "info", "subtract_pending": "warning",
                    "generate": "primary"}


def auto_production_tick_chart(*, tenant: Tenant, step_labels: dict[str, str], ticks: int = 30
                               ) -> dict[str, Any] | None:
    """Milliseconds each step took in the last ``ticks`` ticks that ran, oldest first, as stacked
    bars (``prodtrack.charts``); None with fewer than two such ticks (nothing to compare).

    step_labels: step name → its label, in stacking order. One query.
    """
    rows = []
    for run in auto_production_run_list(tenant=tenant)[:ticks]:
        steps = {step.get("name"): step.get("duration_ms") or 0 for step in (run.metrics or {}).get("steps", [])}
        if steps:
            rows.append((f"#{run.pk} {timezone.localtime(run.created_at):%m-%d %H:%M}", steps))
    if len(rows) < 2:
        return None
    rows.reverse()
    return charts.chart(kind="bar", stacked=True, axis="ms", legend="bottom", labels=[label for label, _ in rows],
                        datasets=[charts.series(label, [steps.get(name, 0) for _, steps in rows],
                                                color=TICK_STEP_COLORS[name])
                                  for name, label in step_labels.items()])
