"""Analytics shapes: the variance report, a product's production history and a spool's usage."""
from __future__ import annotations

from decimal import ROUND_HALF_UP

from rest_framework import serializers

from runs.models import ProductionRunItem, ProductionRunMaterial
from runs.serializers.fields import RunStatusField


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
    recipe_id = serializers.IntegerField(allow_null=True, help_text="The product's active recipe to update (null without one).")
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
