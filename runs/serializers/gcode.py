"""What ``POST /api/v1/gcode/estimates`` answers: the parsed slicer estimate
(``dataclasses.asdict`` of ``slicing.GcodeEstimate``) and, per filament, the matching materials."""
from __future__ import annotations

from rest_framework import serializers

from runs.serializers.refs import RunSpoolBrief


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


class GcodeMaterialMatchOutput(serializers.Serializer):
    """A material item type that matches a filament (``inventory.gcode_match.MaterialMatch``)."""

    id = serializers.IntegerField(source="item.pk")
    name = serializers.CharField(source="item.name")
    material = serializers.CharField(source="item.material")
    manufacturer = serializers.CharField(source="item.manufacturer")
    color_name = serializers.CharField(source="item.color_name")
    color_hex = serializers.CharField(source="item.color_hex")
    colour_match = serializers.BooleanField(help_text="Same colour as the file's filament.")


class GcodeFilamentMatchOutput(serializers.Serializer):
    """The tenant's material item types and active spools for one filament, best first (at most 10 each)."""

    index = serializers.IntegerField(help_text="The filament's index in ``estimate.filaments``.")
    materials = GcodeMaterialMatchOutput(many=True)
    spools = RunSpoolBrief(many=True)


class GcodeEstimateResponse(serializers.Serializer):
    file_name = serializers.CharField()
    estimate = GcodeEstimateOutput()
    filaments = GcodeFilamentMatchOutput(many=True, help_text="One entry per filament of the estimate.")
