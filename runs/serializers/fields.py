"""Fields and limits the run API shapes share: grams, money, temperatures, and the named enums
(one schema component each, whichever serializer uses them)."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from prodtrack.serializers import enum_field
from runs.models import ProductionRun

GRAMS = {"max_digits": 12, "decimal_places": 2, "min_value": Decimal("0")}
QUANTITY = {"max_digits": 14, "decimal_places": 3, "min_value": Decimal("0")}
MONEY = {"max_digits": 12, "decimal_places": 2, "min_value": Decimal("0")}
INT_MAX = 2_147_483_647
TEMPERATURE = {"min_value": 0, "max_value": 500}
BANDS = [("over", "Over estimate (> +10 %)"), ("under", "Under estimate (< −10 %)"), ("within", "Within ±10 %")]


RunStatusField = enum_field("RunStatusEnum", ProductionRun.Status.choices)


@extend_schema_field({"type": "string", "enum": [value for value, _ in BANDS]}, component_name="VarianceBandEnum")
class VarianceBandField(serializers.ChoiceField):
    """``over`` (> +10 %, red), ``under`` (< −10 %, green), ``within`` (yellow); null when undefined."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=BANDS, allow_null=True, **kwargs)
