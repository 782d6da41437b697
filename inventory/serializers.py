"""API shapes of the inventory app: ``*Input`` validate requests, ``*Output`` render responses.

Weights are grams and money is a decimal string with two places.
"""
from __future__ import annotations

from decimal import Decimal

from rest_framework import serializers

from inventory.models import InventoryTransaction, ItemType, Location, Spool, StockBalance, Workstation
from inventory.services import StockLine
from prodtrack.serializers import FlatErrorsSerializer, SpecInput, TenantPrimaryKeyRelatedField

GRAMS = {"max_digits": 12, "decimal_places": 2}
POSITIVE_GRAMS = {**GRAMS, "min_value": Decimal("0.01")}
NON_NEGATIVE_GRAMS = {**GRAMS, "min_value": Decimal("0")}
MONEY = {"max_digits": 12, "decimal_places": 2, "min_value": Decimal("0")}


# --- item types ------------------------------------------------------------------------------

class ItemTypeOutput(serializers.ModelSerializer):
    class Meta:
        model = ItemType
        fields = ["id", "name", "sku", "kind", "unit", "unit_cost", "is_active", "material", "manufacturer",
                  "color_name", "color_hex", "density_g_cm3", "diameter_mm", "net_weight_g", "spool_weight_g",
                  "catalog_id", "created_at"]


class ItemTypeInput(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    sku = serializers.CharField(max_length=120)
    kind = serializers.ChoiceField(choices=ItemType.Kind.choices)
    unit = serializers.ChoiceField(choices=ItemType.Unit.choices, required=False)
    unit_cost = serializers.DecimalField(max_digits=12, decimal_places=4, min_value=Decimal("0"), required=False)
    is_active = serializers.BooleanField(required=False)
    material = serializers.CharField(max_length=40, required=False, allow_blank=True)
    manufacturer = serializers.CharField(max_length=100, required=False, allow_blank=True)
    color_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    color_hex = serializers.RegexField(r"^(#[0-9A-Fa-f]{6}([0-9A-Fa-f]{2})?)?$", required=False, allow_blank=True)
    density_g_cm3 = serializers.DecimalField(max_digits=6, decimal_places=3, min_value=Decimal("0.001"),
                                             required=False, allow_null=True)
    diameter_mm = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=Decimal("0.01"),
                                           required=False, allow_null=True)
    net_weight_g = serializers.DecimalField(**POSITIVE_GRAMS, required=False, allow_null=True)
    spool_weight_g = serializers.DecimalField(**NON_NEGATIVE_GRAMS, required=False, allow_null=True)


# --- locations and workstations ----------------------------------------------------------------

class LocationOutput(serializers.ModelSerializer):
    class Meta:
        model = Location
        fields = ["id", "name", "kind"]


class LocationInput(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    kind = serializers.ChoiceField(choices=Location.Kind.choices, required=False)


class WorkstationOutput(serializers.ModelSerializer):
    location = LocationOutput()

    class Meta:
        model = Workstation
        fields = ["id", "name", "kind", "model_name", "activities", "is_active", "location"]


class WorkstationInput(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    location = TenantPrimaryKeyRelatedField(queryset=Location.objects.all())
    kind = serializers.ChoiceField(choices=Workstation.Kind.choices, required=False)
    model_name = serializers.CharField(max_length=120, required=False, allow_blank=True)
    activities = serializers.ListField(child=serializers.CharField(max_length=40), required=False)
    is_active = serializers.BooleanField(required=False)


# --- spools ----------------------------------------------------------------------------------

class MaterialBrief(serializers.ModelSerializer):
    class Meta:
        model = ItemType
        fields = ["id", "name", "sku", "material", "manufacturer", "color_name", "color_hex"]


class SpoolOutput(serializers.ModelSerializer):
    item_type = MaterialBrief()
    location = LocationOutput()
    remaining_percent = serializers.DecimalField(max_digits=5, decimal_places=1, read_only=True)

    class Meta:
        model = Spool
        fields = ["id", "item_type", "location", "status", "initial_weight_g", "current_weight_g",
                  "remaining_percent", "tare_weight_g", "cost", "lot_number", "received_at"]


class SpoolReceiveInput(serializers.Serializer):
    item_type = TenantPrimaryKeyRelatedField(queryset=ItemType.objects.all())
    location = TenantPrimaryKeyRelatedField(queryset=Location.objects.all())
    initial_weight_g = serializers.DecimalField(**POSITIVE_GRAMS, required=False,
                                                help_text="Net grams on the spool; default: the material's net weight.")
    tare_weight_g = serializers.DecimalField(**NON_NEGATIVE_GRAMS, required=False,
                                             help_text="Empty-spool weight; default: the material's spool weight.")
    cost = serializers.DecimalField(**MONEY, required=False)
    lot_number = serializers.CharField(max_length=80, required=False, allow_blank=True)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)


class SpoolUpdateInput(serializers.Serializer):
    lot_number = serializers.CharField(max_length=80, required=False, allow_blank=True)
    cost = serializers.DecimalField(**MONEY, required=False)


class SpoolAdjustInput(serializers.Serializer):
    gross_weight_g = serializers.DecimalField(**NON_NEGATIVE_GRAMS, required=False,
                                              help_text="Spool on the scale, tare included.")
    net_weight_g = serializers.DecimalField(**NON_NEGATIVE_GRAMS, required=False,
                                            help_text="Filament only (instead of gross_weight_g).")
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)

    def validate(self, attrs):
        if ("gross_weight_g" in attrs) == ("net_weight_g" in attrs):
            raise serializers.ValidationError({"gross_weight_g": ["Give either gross_weight_g or net_weight_g."]})
        return attrs


# --- ledger and stock ------------------------------------------------------------------------

class InventoryTransactionOutput(serializers.ModelSerializer):
    item_type = serializers.PrimaryKeyRelatedField(read_only=True)
    item_name = serializers.CharField(source="item_type.name")
    unit = serializers.CharField(source="item_type.unit")
    location = serializers.PrimaryKeyRelatedField(read_only=True)
    location_name = serializers.CharField(source="location.name")
    spool = serializers.PrimaryKeyRelatedField(read_only=True)
    reverses = serializers.PrimaryKeyRelatedField(read_only=True)
    reversed_by = serializers.SerializerMethodField()
    created_by = serializers.CharField(source="created_by.username", allow_null=True,
                                       help_text="Null: posted for a printer (see the reference).")

    class Meta:
        model = InventoryTransaction
        fields = ["id", "created_at", "transaction_type", "item_type", "item_name", "unit", "location",
                  "location_name", "spool", "quantity", "reference_type", "reference_id", "reference_label",
                  "reverses", "reversed_by", "created_by", "note"]

    def get_reversed_by(self, row: InventoryTransaction) -> int | None:
        reversal = getattr(row, "reversed_by", None)
        return reversal.pk if reversal else None


class NoteInput(serializers.Serializer):
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)


class StockBalanceOutput(serializers.ModelSerializer):
    item_type = MaterialBrief()
    location = LocationOutput()
    unit = serializers.CharField(source="item_type.unit")
    kind = serializers.CharField(source="item_type.kind")

    class Meta:
        model = StockBalance
        fields = ["item_type", "location", "kind", "quantity", "unit", "updated_at"]


class StockAdjustInput(serializers.Serializer):
    item_type = TenantPrimaryKeyRelatedField(queryset=ItemType.objects.all())
    location = TenantPrimaryKeyRelatedField(queryset=Location.objects.all())
    quantity = serializers.DecimalField(max_digits=14, decimal_places=3, help_text="Signed, in the item's unit.")
    note = serializers.CharField(max_length=500, help_text="Why the count changed (required).")


class StockLineInput(SpecInput):
    """``quantity`` (> 0, the item's unit) of a product or component (``inventory.services.StockLine``)."""

    spec_class = StockLine

    item_type = TenantPrimaryKeyRelatedField(queryset=ItemType.objects.all())
    quantity = serializers.DecimalField(max_digits=14, decimal_places=3, help_text="More than 0, in the item's unit.")


class StockTransferInput(FlatErrorsSerializer):
    origin = TenantPrimaryKeyRelatedField(queryset=Location.objects.all())
    destination = TenantPrimaryKeyRelatedField(queryset=Location.objects.all())
    items = StockLineInput(many=True, help_text="What moves: products and components.")
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)


class StockShipInput(FlatErrorsSerializer):
    location = TenantPrimaryKeyRelatedField(queryset=Location.objects.all())
    items = StockLineInput(many=True, help_text="What ships: products and components.")
    customer = serializers.CharField(max_length=120, required=False, allow_blank=True)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)


# --- slicer-file uploads (the runs and plans APIs that read G-code) ----------------------------

class GcodeEstimateInput(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True,  # the parser says "empty" like every other rule
                                 help_text="A .gcode file or a sliced 3MF project (.gcode.3mf / .3mf), up to 512 MB.")
    plate = serializers.IntegerField(required=False, allow_null=True, min_value=1,
                                     help_text="The 3MF plate to read (1-based); default plate 1.")
