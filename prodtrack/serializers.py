"""Serializer pieces shared by every app's API.

``FlatErrorsSerializer`` names nested errors the way the services do (``inputs[1].quantity``),
and ``SpecInput`` turns a validated nested row into the service's dataclass.
"""
from __future__ import annotations

from typing import Any

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
