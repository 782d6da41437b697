"""Variance shapes: estimated, actual, difference, percent and band of one compared quantity."""
from __future__ import annotations

from rest_framework import serializers

from runs.serializers.fields import VarianceBandField


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
MATERIAL_VARIANCE_OUTPUT = MaterialVarianceOutput()


class RunVarianceOutput(serializers.Serializer):
    weight = VarianceOutput()
    purge = VarianceOutput()
    total = VarianceOutput()
    duration = DurationVarianceOutput()
    cost = VarianceOutput()
