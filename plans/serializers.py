"""API shapes of the plans app: ``*Input`` validate requests, ``*Output`` render responses."""
from __future__ import annotations

from decimal import Decimal

from rest_framework import serializers

from inventory.models import ItemType
from inventory.serializers import MaterialBrief
from plans.models import Recipe, RecipeInput
from plans.services import InputSpec
from prodtrack.serializers import FlatErrorsSerializer, SpecInput, TenantPrimaryKeyRelatedField

# --- recipes -----------------------------------------------------------------------------------

class ProductBrief(serializers.ModelSerializer):
    class Meta:
        model = ItemType
        fields = ["id", "name", "sku"]


class RecipeLineOutput(serializers.ModelSerializer):
    item_type = MaterialBrief()
    unit = serializers.CharField(source="item_type.unit")

    class Meta:
        model = RecipeInput
        fields = ["id", "item_type", "quantity", "unit"]


class RecipeOutput(serializers.ModelSerializer):
    product = ProductBrief()
    inputs = RecipeLineOutput(many=True)

    class Meta:
        model = Recipe
        fields = ["id", "name", "product", "output_quantity", "duration_s", "activity", "is_active", "notes",
                  "inputs", "created_at"]


class RecipeLineInput(SpecInput):
    spec_class = InputSpec

    item_type = TenantPrimaryKeyRelatedField(queryset=ItemType.objects.all())
    quantity = serializers.DecimalField(max_digits=14, decimal_places=3, min_value=Decimal("0.001"),
                                        help_text="Per run, in the item's unit (grams of filament, pieces).")


class RecipeWriteInput(FlatErrorsSerializer):
    """Create (POST), replace (PUT) or change (PATCH) a recipe; ``inputs`` replaces the whole list."""

    name = serializers.CharField(max_length=200)
    product = TenantPrimaryKeyRelatedField(queryset=ItemType.objects.all())
    output_quantity = serializers.IntegerField(min_value=1, max_value=2_147_483_647, required=False,
                                               help_text="Pieces made per run.")
    duration_s = serializers.IntegerField(min_value=0, max_value=2_147_483_647, required=False,
                                          help_text="Seconds per run.")
    activity = serializers.CharField(max_length=40, required=False)
    is_active = serializers.BooleanField(required=False)
    notes = serializers.CharField(required=False, allow_blank=True)
    inputs = RecipeLineInput(many=True, required=False)
