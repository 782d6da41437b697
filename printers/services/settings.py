"""Spoolman's settings and extra fields, per tenant (``currency`` is the tenant's own)."""
from __future__ import annotations

from typing import Any

from django.db import transaction

from inventory.services import (
    extra_key_clear,
)
from printers.models import SpoolmanSetting
from printers.spoolman import (
    MAX_EXTRA_FIELDS,
    SETTINGS,
    SpoolmanRuleError,
    extra_field_change_check,
    extra_field_check,
    setting_value_check,
)
from prodtrack.exceptions import NotFoundError, ValidationError
from prodtrack.models import Tenant
from prodtrack.services import tenant_currency_set
from prodtrack.telemetry import traced

# --- Spoolman settings and extra fields ---------------------------------------------------------------

def _setting_locked(tenant: Tenant, key: str) -> SpoolmanSetting | None:
    """The tenant's row of setting ``key``, locked, or None when it has none."""
    return SpoolmanSetting.objects.select_for_update().filter(tenant=tenant, key=key).first()


def _setting_store(tenant: Tenant, key: str, value: Any) -> None:
    SpoolmanSetting.objects.update_or_create(tenant=tenant, key=key, defaults={"value": value})


@traced("spoolman_setting.set")
@transaction.atomic
def spoolman_setting_set(*, tenant: Tenant, key: str, text: str | None) -> None:
    """``POST /setting/{key}``: set a Spoolman setting of the tenant to the JSON ``text``, or reset
    it to Spoolman's default when ``text`` is empty, None or ``null`` (its row is deleted).
    ``currency`` is the tenant's own currency (``prodtrack.services.tenant_currency_set``; a reset
    sets Spoolman's default, EUR).

    Raises NotFoundError (404, ``Setting … does not exist.``) for a key Spoolman does not have,
    ValidationError (400, Spoolman's message) for text that is not JSON, not of the setting's
    JSON type, or an ``extra_fields_*`` value that is not a valid list of extra fields, and for a
    currency that is not ISO 4217. Nothing is written then.
    """
    if key not in SETTINGS:
        raise NotFoundError(f"Setting {key} does not exist.")
    if not text or text == "null":
        if key == "currency":
            tenant_currency_set(tenant=tenant, currency=SETTINGS["currency"][1])
        else:
            SpoolmanSetting.objects.filter(tenant=tenant, key=key).delete()
        return
    try:
        value = setting_value_check(key, text)
    except ValueError as error:
        raise ValidationError(str(error)) from None
    if key == "currency":
        tenant_currency_set(tenant=tenant, currency=value)
    else:
        _setting_locked(tenant, key)
        _setting_store(tenant, key, value)


def _entity_fields_locked(tenant: Tenant, entity_type: str) -> list[dict[str, Any]]:
    """The entity type's extra fields, their setting row locked (concurrent definitions queue)."""
    row = _setting_locked(tenant, f"extra_fields_{entity_type}")
    return list(row.value) if row is not None and isinstance(row.value, list) else []


@traced("extra_field.set")
@transaction.atomic
def extra_field_set(*, tenant: Tenant, entity_type: str, key: str, field: dict[str, Any]) -> list[dict[str, Any]]:
    """``POST /field/{entity_type}/{key}``: add the extra field ``key`` or replace its definition
    (``field``: name, order, unit, field_type, default_value, choices, multi_choice), as Spoolman
    does: the field moves to the end of the list; returns the entity type's fields.

    Raises ValidationError (400, Spoolman's message) when a choice field lacks choices or multi
    choice, another field has them, the default value does not fit, an update changes the type or
    multi choice or drops a choice, or the entity type has 128 fields already.
    """
    field = {**field, "key": key, "entity_type": entity_type}
    fields = _entity_fields_locked(tenant, entity_type)
    current = next((existing for existing in fields if existing["key"] == key), None)
    try:
        extra_field_check(field)
        if current is not None:
            extra_field_change_check(current, field)
    except SpoolmanRuleError as error:
        raise ValidationError(str(error)) from None
    fields = [existing for existing in fields if existing["key"] != key]
    if len(fields) >= MAX_EXTRA_FIELDS:
        raise ValidationError(f"Cannot add another extra field for {entity_type}, the maximum is {MAX_EXTRA_FIELDS}.")
    fields.append(field)
    _setting_store(tenant, f"extra_fields_{entity_type}", fields)
    return fields


EXTRA_MODEL_NAMES = {"spool": "spool", "filament": "item_type", "vendor": "manufacturer"}


@traced("extra_field.delete")
@transaction.atomic
def extra_field_delete(*, tenant: Tenant, entity_type: str, key: str) -> list[dict[str, Any]]:
    """``DELETE /field/{entity_type}/{key}``: remove the extra field and the values every spool,
    material or manufacturer of the tenant holds for it (``inventory.services.extra_key_clear``);
    returns the fields left. Raises NotFoundError (404, Spoolman's message) for a key the entity
    type does not have."""
    fields = _entity_fields_locked(tenant, entity_type)
    if not any(field["key"] == key for field in fields):
        raise NotFoundError(f"Extra field with key {key} does not exist for entity type {entity_type}")
    fields = [field for field in fields if field["key"] != key]
    _setting_store(tenant, f"extra_fields_{entity_type}", fields)
    extra_key_clear(tenant_id=tenant.pk, model_name=EXTRA_MODEL_NAMES[entity_type], key=key)
    return fields
