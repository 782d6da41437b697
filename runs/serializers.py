"""API shapes of production runs: ``*Input`` validate requests, ``*Output`` render responses.

Weights are grams and money is a decimal string with two places; variance percentages have one.
Nested request rows validate straight into the service dataclasses (``ItemSpec``,
``MaterialSpec``, ``MaterialActual``, ``ItemOutcome``), so a view passes ``validated_data``
to the service as it is.
"""
from __future__ import annotations

from collections import OrderedDict
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from inventory.models import ItemType, Location, Spool, Workstation
from plans.serializers import JobOutput, ProductBrief
from prodtrack.serializers import FlatErrorsSerializer, SpecInput, TenantPrimaryKeyRelatedField
from runs.models import ProductionRun, ProductionRunItem, ProductionRunMaterial
from runs.services import ItemOutcome, ItemSpec, MaterialActual, MaterialSpec
from runs.variance import run_variance, variance_band

GRAMS = {"max_digits": 12, "decimal_places": 2, "min_value": Decimal("0")}
MONEY = {"max_digits": 12, "decimal_places": 2, "min_value": Decimal("0")}
INT_MAX = 2_147_483_647
TEMPERATURE = {"min_value": 0, "max_value": 500}
BANDS = [("over", "Over estimate (> +10 %)"), ("under", "Under estimate (< −10 %)"), ("within", "Within ±10 %")]

# Standalone fields used to render computed values the same way as model fields.


# --- named enums (one schema component each, whichever serializer uses them) --------------------

@extend_schema_field({"type": "string", "enum": ProductionRun.Status.values}, component_name="RunStatusEnum")
class RunStatusField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=ProductionRun.Status.choices, **kwargs)


@extend_schema_field({"type": "string", "enum": [value for value, _ in BANDS]}, component_name="VarianceBandEnum")
class VarianceBandField(serializers.ChoiceField):
    """``over`` (> +10 %, red), ``under`` (< −10 %, green), ``within`` (yellow); null when undefined."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=BANDS, allow_null=True, **kwargs)


# --- variance ----------------------------------------------------------------------------------

class VarianceOutput(serializers.Serializer):
    """Estimated vs actual (grams or money); ``pct`` = (actual − estimated) / estimated × 100."""

    estimated = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    actual = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    difference = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    pct = serializers.DecimalField(max_digits=9, decimal_places=1, allow_null=True)
    band = VarianceBandField()


class DurationVarianceOutput(serializers.Serializer):
    """Estimated vs actual seconds."""

    estimated = serializers.IntegerField(allow_null=True)
    actual = serializers.IntegerField(allow_null=True)
    difference = serializers.IntegerField(allow_null=True)
    pct = serializers.DecimalField(max_digits=9, decimal_places=1, allow_null=True)
    band = VarianceBandField()


class MaterialVarianceOutput(serializers.Serializer):
    weight = VarianceOutput()
    purge = VarianceOutput()
    total = VarianceOutput()


# One shared instance renders every material's variance (building a serializer per row is slow).
_MATERIAL_VARIANCE = MaterialVarianceOutput()


class RunVarianceOutput(serializers.Serializer):
    weight = VarianceOutput()
    purge = VarianceOutput()
    total = VarianceOutput()
    duration = DurationVarianceOutput()
    cost = VarianceOutput()


# --- outputs -------------------------------------------------------------------------------------

class NamedRef(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class RunRef(serializers.ModelSerializer):
    class Meta:
        model = ProductionRun
        fields = ["id", "run_number"]


class ReprintRef(serializers.ModelSerializer):
    status = RunStatusField(read_only=True)

    class Meta:
        model = ProductionRun
        fields = ["id", "run_number", "status"]


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


class RunSpoolBrief(serializers.ModelSerializer):
    item_type = serializers.IntegerField(source="item_type_id")
    material_name = serializers.CharField(source="item_type.name")
    material = serializers.CharField(source="item_type.material")
    color_hex = serializers.CharField(source="item_type.color_hex")
    location = NamedRef()

    class Meta:
        model = Spool
        fields = ["id", "item_type", "material_name", "material", "color_hex", "location", "current_weight_g"]


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
        return _MATERIAL_VARIANCE.to_representation(
            {name: variance.as_dict() for name, variance in material.variance.items()})


# --- G-code estimates (issue 7) ---------------------------------------------------------------------

class GcodeFilamentOutput(serializers.Serializer):
    """One filament/extruder as the slicer wrote it; ``index`` is 0-based (T0 = 0). None: not stated."""

    index = serializers.IntegerField()
    grams = serializers.FloatField(allow_null=True)
    length_mm = serializers.FloatField(allow_null=True)
    volume_cm3 = serializers.FloatField(allow_null=True)
    cost = serializers.FloatField(allow_null=True, help_text="This print's filament cost as the slicer computed it.")
    material = serializers.CharField(allow_null=True, help_text="Material type: PLA, PETG …")
    colour = serializers.CharField(allow_null=True, help_text="#RRGGBB")
    settings_id = serializers.CharField(allow_null=True, help_text="The slicer's filament profile name.")


class GcodeObjectOutput(serializers.Serializer):
    name = serializers.CharField()
    copies = serializers.IntegerField(allow_null=True, help_text="Instances on the plate; null when not stated.")


class GcodeEstimateOutput(serializers.Serializer):
    """``dataclasses.asdict`` of ``slicing.GcodeEstimate``: what the slicer wrote about one plate.
    Every value the file does not state is null (never guessed)."""

    slicer = serializers.CharField(allow_null=True)
    slicer_version = serializers.CharField(allow_null=True)
    print_time_s = serializers.IntegerField(allow_null=True)
    print_time_silent_s = serializers.IntegerField(allow_null=True)
    filaments = GcodeFilamentOutput(many=True, help_text="The used filaments only.")
    total_grams = serializers.FloatField(allow_null=True)
    total_cost = serializers.FloatField(allow_null=True)
    layer_height_mm = serializers.FloatField(allow_null=True)
    layer_count = serializers.IntegerField(allow_null=True)
    max_z_mm = serializers.FloatField(allow_null=True)
    infill_density_pct = serializers.FloatField(allow_null=True)
    infill_pattern = serializers.CharField(allow_null=True)
    objects = GcodeObjectOutput(many=True, allow_null=True, help_text="Null when the list is not reliably known.")
    plate = serializers.IntegerField(allow_null=True, help_text="The 3MF plate read; null for a G-code file.")
    plates = serializers.ListField(child=serializers.IntegerField(), help_text="A 3MF project's sliced plates.")
    file_size = serializers.IntegerField()
    gcode_size = serializers.IntegerField()
    gcode_bytes_read = serializers.IntegerField()
    whole_gcode_read = serializers.BooleanField()
    notes = serializers.ListField(child=serializers.CharField(), help_text="What could not be read, and why.")


class GcodeMaterialMatchOutput(serializers.ModelSerializer):
    colour_match = serializers.BooleanField(help_text="Same colour as the file's filament.")

    class Meta:
        model = ItemType
        fields = ["id", "name", "material", "manufacturer", "color_name", "color_hex", "colour_match"]


class GcodeFilamentMatchOutput(serializers.Serializer):
    """The tenant's material item types and active spools for one filament, best first (at most 10 each)."""

    index = serializers.IntegerField(help_text="The filament's index in ``estimate.filaments``.")
    materials = GcodeMaterialMatchOutput(many=True)
    spools = RunSpoolBrief(many=True)


class GcodeEstimateResponse(serializers.Serializer):
    file_name = serializers.CharField()
    estimate = GcodeEstimateOutput()
    filaments = GcodeFilamentMatchOutput(many=True, help_text="One entry per filament of the estimate.")


class ProductionRunOutput(serializers.ModelSerializer):
    """A run with its items, materials, variance, original run and reprints."""

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
                  "variance_band", "variance", "items", "materials", "original_run", "reprints", "created_by",
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


# --- inputs: create and edit ----------------------------------------------------------------------

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


# --- inputs: endings -------------------------------------------------------------------------------

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


class ProductionRunCompleteInput(FlatErrorsSerializer):
    """Every material needs an actual (here or recorded before); items not listed: all successful."""

    materials = MaterialActualInput(many=True, required=False)
    items = ItemOutcomeInput(many=True, required=False)
    quality_rating = serializers.IntegerField(min_value=1, max_value=5, required=False, allow_null=True)
    quality_notes = serializers.CharField(required=False, allow_blank=True)
    completion_notes = serializers.CharField(required=False, allow_blank=True)


class ProductionRunFailInput(FlatErrorsSerializer):
    """In progress: record what was used; items not listed all failed. Completed: no body (output reversed)."""

    materials = MaterialActualInput(many=True, required=False)
    items = FailedItemOutcomeInput(many=True, required=False)
    notes = serializers.CharField(required=False, allow_blank=True)


class ProductionRunCancelInput(FlatErrorsSerializer):
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)


# --- the job queue ---------------------------------------------------------------------------------

class JobStartInput(FlatErrorsSerializer):
    """Start a planned job; omitted fields come from the job and its recipe."""

    workstation = TenantPrimaryKeyRelatedField(queryset=Workstation.objects.all(), required=False, allow_null=True,
                                               help_text="Default: the job's workstation.")
    spools = TenantPrimaryKeyRelatedField(
        queryset=Spool.objects.all(), many=True, required=False,
        help_text="Spools to print with; default: one per material of the recipe (at the job's location first).")


class ProductionRunBrief(serializers.ModelSerializer):
    status = RunStatusField(read_only=True)

    class Meta:
        model = ProductionRun
        fields = ["id", "run_number", "status"]


class JobStartOutput(serializers.Serializer):
    """The started job (now active) and the production run that executes it."""

    job = JobOutput()
    production_run = ProductionRunBrief()


# --- analytics -------------------------------------------------------------------------------------

class VarianceSummaryOutput(serializers.Serializer):
    runs = serializers.IntegerField()
    average_variance_pct = serializers.DecimalField(max_digits=9, decimal_places=1, allow_null=True)
    estimated_g = serializers.DecimalField(max_digits=16, decimal_places=2)
    actual_g = serializers.DecimalField(max_digits=16, decimal_places=2)
    total_variance_pct = serializers.DecimalField(max_digits=9, decimal_places=1, allow_null=True)


class VarianceProductOutput(serializers.Serializer):
    product_id = serializers.IntegerField()
    product_name = serializers.CharField()
    runs = serializers.IntegerField()
    average_variance_pct = serializers.DecimalField(max_digits=9, decimal_places=1, allow_null=True)
    over_runs = serializers.IntegerField()
    under_runs = serializers.IntegerField()


class VarianceDayOutput(serializers.Serializer):
    day = serializers.DateField()
    runs = serializers.IntegerField()
    estimated_g = serializers.DecimalField(max_digits=16, decimal_places=2)
    actual_g = serializers.DecimalField(max_digits=16, decimal_places=2)
    average_variance_pct = serializers.DecimalField(max_digits=9, decimal_places=1, allow_null=True)


class RecommendationOutput(serializers.Serializer):
    product_id = serializers.IntegerField()
    product_name = serializers.CharField()
    runs = serializers.IntegerField()
    average_variance_pct = serializers.DecimalField(max_digits=9, decimal_places=1)
    message = serializers.CharField()


class VarianceReportOutput(serializers.Serializer):
    """Total-filament variance over completed runs, per product and per day, with recommendations."""

    summary = VarianceSummaryOutput()
    products = VarianceProductOutput(many=True)
    by_day = VarianceDayOutput(many=True)
    recommendations = RecommendationOutput(many=True)


class VarianceReportQuery(serializers.Serializer):
    date_from = serializers.DateField(required=False, help_text="Runs started on or after this day.")
    date_to = serializers.DateField(required=False, help_text="Runs started on or before this day.")
    product = serializers.IntegerField(required=False, help_text="Runs that printed this product.")


class ProductHistorySummaryOutput(serializers.Serializer):
    product_id = serializers.IntegerField()
    product_name = serializers.CharField()
    runs = serializers.IntegerField(help_text="Completed runs.")
    planned = serializers.IntegerField()
    successful = serializers.IntegerField()
    failed = serializers.IntegerField()
    estimated_cost_per_piece = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    actual_cost_per_piece = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True,
                                                     help_text="Actual cost ÷ good pieces (waste included).")


class ProductHistoryRowOutput(serializers.ModelSerializer):
    """One run item of the product with its run."""

    run_id = serializers.IntegerField()
    run_number = serializers.CharField(source="run.run_number")
    started_at = serializers.DateTimeField(source="run.started_at")
    status = RunStatusField(source="run.status", read_only=True)
    actual_cost = serializers.DecimalField(max_digits=14, decimal_places=2, rounding=ROUND_HALF_UP, allow_null=True,
                                           read_only=True)

    class Meta:
        model = ProductionRunItem
        fields = ["id", "run_id", "run_number", "started_at", "status", "quantity", "successful_quantity",
                  "failed_quantity", "estimated_cost", "actual_cost"]


class ProductHistoryOutput(serializers.Serializer):
    summary = ProductHistorySummaryOutput()
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = ProductHistoryRowOutput(many=True)


class SpoolUsageSummaryOutput(serializers.Serializer):
    spool_id = serializers.IntegerField()
    runs = serializers.IntegerField()
    used_g = serializers.DecimalField(max_digits=14, decimal_places=2,
                                      help_text="Net grams production took from the spool, by the ledger.")


class SpoolUsageRowOutput(serializers.ModelSerializer):
    """One run that used the spool, with its estimated and actual grams."""

    run_id = serializers.IntegerField()
    run_number = serializers.CharField(source="run.run_number")
    started_at = serializers.DateTimeField(source="run.started_at")
    status = RunStatusField(source="run.status", read_only=True)
    estimated_total_g = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True)
    actual_total_g = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True, allow_null=True)

    class Meta:
        model = ProductionRunMaterial
        fields = ["id", "run_id", "run_number", "started_at", "status", "estimated_weight_g", "estimated_purge_g",
                  "estimated_total_g", "actual_weight_g", "actual_purge_g", "actual_total_g"]


class SpoolUsageOutput(serializers.Serializer):
    summary = SpoolUsageSummaryOutput()
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = SpoolUsageRowOutput(many=True)

