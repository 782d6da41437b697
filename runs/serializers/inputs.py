"""Requests that create, edit and end a run. Nested rows validate straight into the service
dataclasses (``ItemSpec``, ``MaterialSpec``, ``MaterialActual``, ``ItemOutcome``)."""
from __future__ import annotations

from rest_framework import serializers

from inventory.models import ItemType, Location, Spool, Workstation
from prodtrack.serializers import FlatErrorsSerializer, SpecInput, TenantPrimaryKeyRelatedField
from runs.serializers.fields import GRAMS, INT_MAX, MONEY, QUANTITY, TEMPERATURE
from runs.services import ItemOutcome, ItemSpec, MaterialActual, MaterialSpec, PartUse


class RunItemInput(SpecInput):
    """A product to print; ``estimated_cost`` omitted → from its recipe."""

    spec_class = ItemSpec

    product = TenantPrimaryKeyRelatedField(queryset=ItemType.objects.all())
    quantity = serializers.IntegerField(min_value=1, max_value=INT_MAX)
    bed_position = serializers.CharField(max_length=40, required=False, allow_blank=True)
    estimated_cost = serializers.DecimalField(**MONEY, required=False, allow_null=True)


class RunMaterialInput(SpecInput):
    """A spool to print with; ``estimated_weight_g`` omitted → its material's grams from the recipes."""

    spec_class = MaterialSpec

    spool = TenantPrimaryKeyRelatedField(queryset=Spool.objects.all())
    estimated_weight_g = serializers.DecimalField(**GRAMS, required=False, allow_null=True)
    estimated_purge_g = serializers.DecimalField(**GRAMS, required=False)


class RunFieldsInput(FlatErrorsSerializer):
    started_at = serializers.DateTimeField(required=False)
    workstation = TenantPrimaryKeyRelatedField(queryset=Workstation.objects.all(), required=False, allow_null=True)
    location = TenantPrimaryKeyRelatedField(queryset=Location.objects.all(), required=False, allow_null=True,
                                            help_text="Where the output goes; default: the workstation's location.")
    printer_name = serializers.CharField(max_length=120, required=False, allow_blank=True)
    slicer = serializers.CharField(max_length=120, required=False, allow_blank=True)
    estimated_duration_s = serializers.IntegerField(min_value=0, max_value=INT_MAX, required=False, allow_null=True)
    bed_temp_c = serializers.IntegerField(**TEMPERATURE, required=False, allow_null=True)
    nozzle_temp_c = serializers.IntegerField(**TEMPERATURE, required=False, allow_null=True)
    notes = serializers.CharField(required=False, allow_blank=True)


class ProductionRunCreateInput(RunFieldsInput):
    """Start a run: missing estimates (item costs, spool grams, duration) come from the recipes."""

    items = RunItemInput(many=True, allow_empty=False)
    materials = RunMaterialInput(many=True, required=False)


class ProductionRunUpdateInput(RunFieldsInput):
    """Change an in-progress run's own fields (items and materials have their own endpoints)."""


class RunItemUpdateInput(FlatErrorsSerializer):
    quantity = serializers.IntegerField(min_value=1, max_value=INT_MAX)
    bed_position = serializers.CharField(max_length=40, required=False, allow_blank=True)
    estimated_cost = serializers.DecimalField(**MONEY, required=False)


class RunMaterialUpdateInput(FlatErrorsSerializer):
    estimated_weight_g = serializers.DecimalField(**GRAMS)
    estimated_purge_g = serializers.DecimalField(**GRAMS, required=False)
    actual_weight_g = serializers.DecimalField(**GRAMS, required=False, allow_null=True)
    actual_purge_g = serializers.DecimalField(**GRAMS, required=False, allow_null=True)
    weight_before_g = serializers.DecimalField(**GRAMS, required=False, allow_null=True)
    weight_after_g = serializers.DecimalField(**GRAMS, required=False, allow_null=True)


class MaterialActualInput(SpecInput):
    """Give one of ``actual_weight_g``, ``use_estimate`` or ``weight_before_g`` + ``weight_after_g``
    (actual = before − after − purge); ``actual_purge_g`` omitted → the estimated purge."""

    spec_class = MaterialActual

    material_id = serializers.IntegerField()
    actual_weight_g = serializers.DecimalField(**GRAMS, required=False, allow_null=True)
    use_estimate = serializers.BooleanField(required=False)
    weight_before_g = serializers.DecimalField(**GRAMS, required=False, allow_null=True)
    weight_after_g = serializers.DecimalField(**GRAMS, required=False, allow_null=True)
    actual_purge_g = serializers.DecimalField(**GRAMS, required=False, allow_null=True)


class ItemOutcomeInput(SpecInput):
    spec_class = ItemOutcome

    item_id = serializers.IntegerField()
    successful_quantity = serializers.IntegerField(min_value=0, max_value=INT_MAX)
    failed_quantity = serializers.IntegerField(min_value=0, max_value=INT_MAX, required=False)
    waste_reason = serializers.CharField(max_length=300, required=False, allow_blank=True)


class FailedItemOutcomeInput(ItemOutcomeInput):
    successful_quantity = serializers.IntegerField(min_value=0, max_value=INT_MAX, default=0)


class PartUseInput(SpecInput):
    """How much of a part or component the run used (the item's unit; 0: none)."""

    spec_class = PartUse

    item_type = TenantPrimaryKeyRelatedField(queryset=ItemType.objects.all())
    quantity = serializers.DecimalField(**QUANTITY)


class ProductionRunCompleteInput(FlatErrorsSerializer):
    """Every material needs an actual (here or recorded before); items not listed: all successful;
    parts not listed: what the recipes take for the pieces attempted."""

    materials = MaterialActualInput(many=True, required=False)
    items = ItemOutcomeInput(many=True, required=False)
    parts = PartUseInput(many=True, required=False)
    quality_rating = serializers.IntegerField(min_value=1, max_value=5, required=False, allow_null=True)
    quality_notes = serializers.CharField(required=False, allow_blank=True)
    completion_notes = serializers.CharField(required=False, allow_blank=True)


class ProductionRunFailInput(FlatErrorsSerializer):
    """In progress: record what was used (filament and parts); items not listed all failed. Completed: no body (output reversed)."""

    materials = MaterialActualInput(many=True, required=False)
    items = FailedItemOutcomeInput(many=True, required=False)
    parts = PartUseInput(many=True, required=False, help_text="Parts used; not listed: none.")
    notes = serializers.CharField(required=False, allow_blank=True)


class ProductionRunCancelInput(FlatErrorsSerializer):
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)
