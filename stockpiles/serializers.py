"""API shapes of the stockpiles app: ``*Input`` validate requests, ``*Output`` render responses."""
from __future__ import annotations

from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from inventory.models import ItemType, Location
from plans.models import ProductionPlan
from prodtrack.serializers import (
    FlatErrorsSerializer,
    IdName,
    StrictIntegerField,
    TenantPrimaryKeyRelatedField,
    enum_field,
)
from stockpiles.models import AutoProductionRun, StockpileMarker
from stockpiles.selectors import AutoStatus, DeficitKind

QUANTITY = {"max_digits": 14, "decimal_places": 3}
AutoStatusField = enum_field("AutoProductionStatusEnum", AutoStatus.CHOICES)
DeficitKindField = enum_field("DeficitKindEnum", DeficitKind.CHOICES)
RunStatusField = enum_field("AutoProductionRunStatusEnum", AutoProductionRun.Status.choices)
TriggerField = enum_field("AutoProductionTriggerEnum", AutoProductionRun.Trigger.choices)


# --- markers -------------------------------------------------------------------------------------

class _MarkerSettingsInput(FlatErrorsSerializer):
    desired_quantity = serializers.DecimalField(**QUANTITY, min_value=Decimal("0"),
                                                help_text="Stock to keep at the location, in the item's unit.")
    plan_id = TenantPrimaryKeyRelatedField(
        source="plan", queryset=ProductionPlan.objects.all(), allow_null=True, required=False, default=None,
        help_text="A plan that makes the item; with auto-production on, the runner generates its deficit.")
    auto_production_parallelism = StrictIntegerField(
        min_value=0, max_value=1000, required=False, default=0,
        help_text="Workstations a generated job is split over; 0 = all able ones.")
    auto_production_enabled = serializers.BooleanField(required=False, default=False)


class StockpileUpsertInput(_MarkerSettingsInput):
    """Create your marker for (item, location), or replace its settings (fields left out take their
    defaults: no plan, parallelism 0, auto-production off)."""

    item_type = TenantPrimaryKeyRelatedField(queryset=ItemType.objects.all())
    location = TenantPrimaryKeyRelatedField(queryset=Location.objects.all())


class StockpileUpdateInput(_MarkerSettingsInput):
    """Change a marker's settings; fields left out stay as they are (owner, item and location are fixed)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required, field.default = False, serializers.empty


class UserRef(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()


class ItemRef(serializers.ModelSerializer):
    class Meta:
        model = ItemType
        fields = ["id", "name", "sku", "kind", "unit"]


class StockpileOutput(serializers.ModelSerializer):
    """A marker with stock on hand, gross deficit and auto-production status (from
    ``selectors.stockpile_marker_list``)."""

    owner = UserRef()
    item_type = ItemRef()
    location = IdName()
    plan = IdName(allow_null=True)
    on_hand = serializers.DecimalField(**QUANTITY)
    deficit = serializers.DecimalField(**QUANTITY, help_text="max(0, desired − on hand).")
    pending_output = serializers.DecimalField(**QUANTITY, help_text="Pieces the plan's open root jobs will add.")
    auto_production_status = AutoStatusField(help_text=(
        "off; on (the runner produces the deficit with the plan); covered (the plan's pending output covers "
        "its markers' deficits); cooling_down (the plan had an auto run within the interval)."))

    class Meta:
        model = StockpileMarker
        fields = ["id", "owner", "item_type", "location", "desired_quantity", "on_hand", "deficit", "plan",
                  "auto_production_enabled", "auto_production_parallelism", "auto_production_status",
                  "pending_output", "created_at", "updated_at"]


class DeficitOutput(serializers.ModelSerializer):
    """A marker below target (from ``selectors.stockpile_deficits``)."""

    marker_id = serializers.IntegerField(source="id")
    owner = UserRef()
    item_type = ItemRef()
    location = IdName()
    plan = IdName(allow_null=True)
    on_hand = serializers.DecimalField(**QUANTITY)
    gross_deficit = serializers.DecimalField(**QUANTITY, source="deficit", help_text="max(0, desired − on hand).")
    pending_production = serializers.DecimalField(
        **QUANTITY, help_text="The plan's pending output (its open root jobs' pieces), shared by its markers.")
    net_deficit = serializers.DecimalField(**QUANTITY, help_text="max(0, gross − pending production).")
    kind = DeficitKindField()

    class Meta:
        model = StockpileMarker
        fields = ["marker_id", "kind", "owner", "item_type", "location", "desired_quantity", "on_hand",
                  "gross_deficit", "pending_production", "net_deficit", "plan"]


# --- the run log -----------------------------------------------------------------------------------

class StepMetricOutput(serializers.Serializer):
    name = serializers.ChoiceField(choices=["load_markers", "compute_deficits", "subtract_pending", "generate"])
    status = serializers.ChoiceField(choices=["succeeded", "failed", "running"])
    duration_ms = serializers.FloatField()
    counts = serializers.DictField(help_text="What the step saw and did, e.g. markers, groups, plan_runs_created.")


class MetricsOutput(serializers.Serializer):
    duration_ms = serializers.FloatField(required=False)
    steps = StepMetricOutput(many=True, required=False)


class GroupOutput(serializers.Serializer):
    """One (owner, plan) group's decision."""

    owner = UserRef()
    plan = IdName()
    markers = serializers.IntegerField()
    gross_deficit = serializers.DecimalField(**QUANTITY)
    pending_output = serializers.DecimalField(**QUANTITY, help_text="The plan's pending output credited to the group.")
    net_deficit = serializers.DecimalField(**QUANTITY)


class PlanRunCreatedOutput(GroupOutput):
    plan_run_id = serializers.IntegerField()
    quantity = serializers.IntegerField(help_text="ceil(net deficit).")
    parallelism = serializers.IntegerField(help_text="MAX(parallelism) of the group's markers.")
    jobs = serializers.IntegerField()


class GroupSkippedOutput(GroupOutput):
    reason = serializers.ChoiceField(choices=["covered_by_pending", "cooldown", "plan_has_no_steps",
                                              "plan_not_generable", "plan_deleted"])
    message = serializers.CharField()
    last_auto_run_at = serializers.DateTimeField(required=False)


class GroupFailedOutput(GroupOutput):
    error_code = serializers.CharField()
    message = serializers.CharField()


class TickOutput(serializers.Serializer):
    plan_runs = PlanRunCreatedOutput(many=True, required=False)
    skipped = GroupSkippedOutput(many=True, required=False)
    failed = GroupFailedOutput(many=True, required=False)
    groups_without_deficit = serializers.IntegerField(required=False)
    reason = serializers.CharField(required=False, help_text="Skipped ticks: why (locked).")
    message = serializers.CharField(required=False)


class AutoProductionRunOutput(serializers.ModelSerializer):
    """A tick of the runner in the list: status, timing and how many plan runs it created."""

    status = RunStatusField()
    triggered_by = TriggerField()
    requested_by = UserRef(allow_null=True)
    summary = serializers.SerializerMethodField()

    class Meta:
        model = AutoProductionRun
        fields = ["id", "status", "triggered_by", "requested_by", "window_start", "created_at", "started_at",
                  "finished_at", "error_code", "summary"]

    @extend_schema_field(serializers.DictField(child=serializers.IntegerField()))
    def get_summary(self, run: AutoProductionRun) -> dict[str, int]:
        output = run.output or {}
        return {"plan_runs_created": len(output.get("plan_runs", [])), "groups_skipped": len(output.get("skipped", [])),
                "groups_failed": len(output.get("failed", []))}


class AutoProductionRunDetailOutput(AutoProductionRunOutput):
    """A tick with its key, error, per-step metrics and decisions."""

    metrics = MetricsOutput()
    output = TickOutput()

    class Meta(AutoProductionRunOutput.Meta):
        fields = [*AutoProductionRunOutput.Meta.fields, "idempotency_key", "error_message", "metrics", "output"]
