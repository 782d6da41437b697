"""Serializer pieces shared by every app's API.

``FlatErrorsSerializer`` names nested errors the way the services do (``inputs[1].quantity``),
and ``SpecInput`` turns a validated nested row into the service's dataclass.
"""
from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail
from rest_framework.utils.serializer_helpers import ReturnDict


class TenantPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A primary-key field that only accepts objects of the active tenant (``context["tenant"]``).

    Another tenant's id fails validation exactly like an id that does not exist.
    """

    def get_queryset(self):
        return super().get_queryset().filter(tenant=self.context["tenant"])


class ErrorSerializer(serializers.Serializer):
    """Every error response: ``{"code", "message", "extra"}`` (``extra.fields`` for field errors)."""

    code = serializers.CharField()
    message = serializers.CharField()
    extra = serializers.DictField()


def flat_errors(detail: Any, prefix: str = "") -> dict[str, list]:
    """``{"items": {1: {"product": ["…"]}}}`` → ``{"items[1].product": ["…"]}`` (the services' names)."""
    if isinstance(detail, dict):
        flat: dict[str, list] = {}
        for key, value in detail.items():
            if isinstance(key, int):          # a row of a nested list (DRF keys them by index)
                name = f"{prefix}[{key}]"
            elif key == "non_field_errors" and prefix:
                name = prefix
            else:
                name = f"{prefix}.{key}" if prefix else str(key)
            flat.update(flat_errors(value, name))
        return flat
    if isinstance(detail, list) and any(isinstance(entry, (dict, list)) for entry in detail):
        flat = {}
        for index, entry in enumerate(detail):
            if entry:
                flat.update(flat_errors(entry, f"{prefix}[{index}]"))
        return flat
    return {prefix or "non_field_errors": detail if isinstance(detail, list) else [detail]}


class FlatErrorsSerializer(serializers.Serializer):
    """A request serializer whose errors are flat: one key per field, nested ones included."""

    @property
    def errors(self) -> ReturnDict:
        return ReturnDict(flat_errors(dict(super().errors)), serializer=self)


class SpecInput(serializers.Serializer):
    """A nested request row validated into ``spec_class(**fields)`` (a service dataclass).

    Required fields stay required inside a PATCH body too (DRF would skip them there).
    """

    spec_class: type

    def validate(self, attrs: dict) -> Any:
        missing = {name: [ErrorDetail("This field is required.", code="required")]
                   for name, field in self.fields.items()
                   if field.required and not field.read_only and name not in attrs}
        if missing:
            raise serializers.ValidationError(missing)
        return self.spec_class(**attrs)


class IdName(serializers.Serializer):
    """``{"id", "name"}`` of a referenced object."""

    id = serializers.IntegerField()
    name = serializers.CharField()


class StrictIntegerField(serializers.IntegerField):
    """An integer that must arrive as a JSON integer: ``"5"``, ``2.5``, ``5.0`` and ``true`` are refused
    (DRF's IntegerField would take ``"5"`` and ``5.0``)."""

    default_error_messages = {"invalid": "Must be a whole number (a JSON integer, not a string or a decimal)."}

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


def enum_field(component_name: str, choices: list[tuple[str, str]]) -> type[serializers.ChoiceField]:
    """A choice field class rendered as its own named enum component ``component_name`` (several
    models have a ``status`` with different values; one name each keeps the schema free of naming
    collisions). ``choices``: ``[(value, label)]``."""

    @extend_schema_field({"type": "string", "enum": [value for value, _ in choices]}, component_name=component_name)
    class EnumField(serializers.ChoiceField):
        def __init__(self, **kwargs):
            super().__init__(choices=choices, **kwargs)

    EnumField.__name__ = component_name.removesuffix("Enum") + "Field"
    return EnumField
