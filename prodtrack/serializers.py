"""Serializer pieces shared by every app's API."""
from __future__ import annotations

from rest_framework import serializers


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
