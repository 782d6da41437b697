"""What the API answers about a production run: list rows, the detail with items, materials and
variance, and the refs they embed."""
from __future__ import annotations

from collections import OrderedDict
from decimal import ROUND_HALF_UP

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from plans.serializers import ProductBrief
from runs.models import ProductionRun, ProductionRunItem, ProductionRunMaterial, ProductionRunPart
from runs.serializers.fields import RunStatusField, VarianceBandField
from runs.serializers.gcode import GcodeEstimateOutput
from runs.serializers.refs import NamedRef, ReprintRef, RunRef, RunSpoolBrief
from runs.serializers.variance import MATERIAL_VARIANCE_OUTPUT, MaterialVarianceOutput, RunVarianceOutput
from runs.variance import run_variance, variance_band


class RunProductOutput(serializers.Serializer):
    product_id = serializers.IntegerField()
    name = serializers.CharField()
    quantity = serializers.IntegerField()


class ProductionRunListOutput(serializers.ModelSerializer):
    """One row of the run list; ``products`` sums the pieces of each product in the run."""

    status = RunStatusField(read_only=True)
    workstation = NamedRef(allow_null=True)
    products = serializers.SerializerMethodField()
    estimated_total_g = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True)
    actual_total_g = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True, allow_null=True)
    variance_band = serializers.SerializerMethodField()
    original_run_id = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = ProductionRun
        fields = ["id", "run_number", "status", "started_at", "completed_at", "workstation", "printer_name",
                  "products", "estimated_total_g", "actual_total_g", "variance_pct", "variance_band",
                  "estimated_cost", "actual_cost", "original_run_id"]

    @extend_schema_field(RunProductOutput(many=True))
    def get_products(self, run: ProductionRun) -> list[dict]:
        products: dict[int, dict] = OrderedDict()
        for item in run.items.all():
            row = products.setdefault(item.product_id, {"product_id": item.product_id, "name": item.product.name,
                                                        "quantity": 0})
            row["quantity"] += item.quantity
        return list(products.values())

    @extend_schema_field(VarianceBandField())
    def get_variance_band(self, run: ProductionRun) -> str | None:
        return variance_band(run.variance_pct)


class RunItemOutput(serializers.ModelSerializer):
    product = ProductBrief()
    success_rate_pct = serializers.DecimalField(
        max_digits=5, decimal_places=1, rounding=ROUND_HALF_UP, read_only=True, allow_null=True,
        help_text="Successful pieces ÷ planned × 100; null until an outcome is recorded.")

    class Meta:
        model = ProductionRunItem
        fields = ["id", "product", "quantity", "successful_quantity", "failed_quantity", "success_rate_pct",
                  "bed_position", "estimated_cost", "waste_reason"]


class RunMaterialOutput(serializers.ModelSerializer):
    spool = RunSpoolBrief()
    estimated_total_g = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True)
    actual_total_g = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True, allow_null=True)
    variance = serializers.SerializerMethodField()
    cost = serializers.DecimalField(max_digits=14, decimal_places=2, rounding=ROUND_HALF_UP, read_only=True,
                                    help_text="Actual (else estimated) total grams × the spool's cost/g.")

    class Meta:
        model = ProductionRunMaterial
        fields = ["id", "spool", "estimated_weight_g", "estimated_purge_g", "estimated_total_g", "actual_weight_g",
                  "actual_purge_g", "actual_total_g", "weight_before_g", "weight_after_g", "variance", "cost"]

    @extend_schema_field(MaterialVarianceOutput)
    def get_variance(self, material: ProductionRunMaterial) -> dict:
        return MATERIAL_VARIANCE_OUTPUT.to_representation(
            {name: variance.as_dict() for name, variance in material.variance.items()})


class RunPartOutput(serializers.ModelSerializer):
    """A part or component the run consumed (in the item's unit) and its cost at the unit cost
    it had when the run ended."""

    item_type = NamedRef()
    unit = serializers.CharField(source="item_type.unit")
    cost = serializers.DecimalField(max_digits=14, decimal_places=2, rounding=ROUND_HALF_UP, read_only=True,
                                    help_text="Quantity × unit cost.")

    class Meta:
        model = ProductionRunPart
        fields = ["id", "item_type", "unit", "estimated_quantity", "quantity", "unit_cost", "cost"]


class ProductionRunOutput(serializers.ModelSerializer):
    """A run with its items, materials, parts used, variance, original run and reprints."""

    status = RunStatusField(read_only=True)
    workstation = NamedRef(allow_null=True)
    location = NamedRef(allow_null=True)
    created_by = serializers.CharField(source="created_by.username")
    estimated_total_g = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True)
    actual_total_g = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True, allow_null=True)
    actual_duration_s = serializers.IntegerField(read_only=True, allow_null=True)
    variance_band = serializers.SerializerMethodField()
    variance = serializers.SerializerMethodField()
    items = RunItemOutput(many=True)
    materials = RunMaterialOutput(many=True)
    parts = RunPartOutput(many=True, help_text="Parts and components consumed; set when the run ends.")
    original_run = RunRef(allow_null=True)
    reprints = ReprintRef(many=True)
    gcode_estimate = serializers.SerializerMethodField(help_text="The slicer estimate of ``gcode_filename``.")

    class Meta:
        model = ProductionRun
        fields = ["id", "run_number", "status", "started_at", "completed_at", "workstation", "location",
                  "printer_name", "slicer", "estimated_duration_s", "actual_duration_s", "bed_temp_c",
                  "nozzle_temp_c", "quality_rating", "quality_notes", "notes", "completion_notes",
                  "estimated_weight_g", "estimated_purge_g", "estimated_total_g", "actual_weight_g",
                  "actual_purge_g", "actual_total_g", "estimated_cost", "actual_cost", "variance_pct",
                  "variance_band", "variance", "items", "materials", "parts", "original_run", "reprints", "created_by",
                  "created_at", "gcode_filename", "gcode_estimate"]

    @extend_schema_field(GcodeEstimateOutput(allow_null=True))
    def get_gcode_estimate(self, run: ProductionRun) -> dict | None:
        return run.gcode_estimate

    @extend_schema_field(VarianceBandField())
    def get_variance_band(self, run: ProductionRun) -> str | None:
        return variance_band(run.variance_pct)

    @extend_schema_field(RunVarianceOutput)
    def get_variance(self, run: ProductionRun) -> dict:
        return RunVarianceOutput({name: variance.as_dict() for name, variance in run_variance(run).items()}).data
