"""Starting a queued job: the request and what it answers."""
from __future__ import annotations

from rest_framework import serializers

from inventory.models import Spool, Workstation
from plans.serializers import JobOutput
from prodtrack.serializers import FlatErrorsSerializer, TenantPrimaryKeyRelatedField
from runs.models import ProductionRun
from runs.serializers.fields import RunStatusField


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
