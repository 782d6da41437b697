"""Short references the run shapes embed: a named object, a run, a reprint, a spool."""
from __future__ import annotations

from rest_framework import serializers

from inventory.models import Spool
from runs.models import ProductionRun
from runs.serializers.fields import RunStatusField


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


class RunSpoolBrief(serializers.ModelSerializer):
    item_type = serializers.IntegerField(source="item_type_id")
    material_name = serializers.CharField(source="item_type.name")
    material = serializers.CharField(source="item_type.material")
    color_hex = serializers.CharField(source="item_type.color_hex")
    location = NamedRef()

    class Meta:
        model = Spool
        fields = ["id", "item_type", "material_name", "material", "color_hex", "location", "current_weight_g"]
