"""Spoolman's shapes (API v1, ``shared/data/spoolman-api/openapi-v1.json``): prodtrack's spools and
materials as Spoolman answers them, and Spoolman's list-filter and sort grammar.

Answers follow Spoolman's conventions: numbers as JSON numbers, times in UTC as
``2024-01-01T12:00:00Z``, ``extra`` values as JSON-encoded strings, and keys whose value is null left
out of REST answers. Mapping (DESIGN §7): spool ↔ spool (``remaining_weight`` is the current net
grams, ``used_weight`` initial − remaining, ``price`` its cost, ``location`` its location's name,
``archived`` its archived status), filament ↔ material item type (``weight`` its full-spool net
grams, ``article_number`` its SKU, ``external_id`` its catalog id), vendor ↔ its manufacturer.
"""
from __future__ import annotations

import json
import math
import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django.db.models import Q

from inventory.models import ItemType, Manufacturer, Spool
from printers.selectors import material_density, material_diameter


def spoolman_time(value: datetime | None) -> str | None:
    """``2024-01-01T12:00:00Z`` (UTC, whole seconds), as Spoolman writes its times."""
    if value is None:
        return None
    return value.astimezone(UTC).replace(microsecond=0, tzinfo=None).isoformat() + "Z"


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _without_nulls(data: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if value is not None}


def length_mm(grams: Decimal, material: ItemType) -> float:
    """Millimetres of filament in ``grams``: grams / density × 1000 / (π (diameter/2)²)."""
    area_mm2 = math.pi * (float(material_diameter(material)) / 2) ** 2
    return float(grams) / float(material_density(material)) * 1000 / area_mm2


def vendor_json(vendor: Manufacturer, *, nulls: bool = False) -> dict[str, Any]:
    """A manufacturer as a Spoolman vendor; ``nulls`` keeps null fields (exports, events)."""
    return (dict if nulls else _without_nulls)({
        "id": vendor.pk,
        "registered": spoolman_time(vendor.created_at),
        "name": vendor.name,
        "comment": vendor.comment or None,
        "empty_spool_weight": _number(vendor.empty_spool_weight_g),
        "external_id": vendor.external_id or None,
        "extra": vendor.extra,
    })


def extra_merged(current: dict[str, str], changes: dict[str, str | None] | None) -> dict[str, str]:
    """Spoolman's ``extra`` patch: each key given replaces its value, a null value removes it, keys
    not given keep theirs."""
    merged = dict(current)
    for key, value in (changes or {}).items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


def filament_json(material: ItemType, vendors: dict[str, Manufacturer], *, nulls: bool = False) -> dict[str, Any]:
    """A material item type as a Spoolman filament (``vendors``: ``printers.selectors.vendors``);
    ``nulls`` keeps null fields (websocket events)."""
    vendor = vendors.get(material.manufacturer)
    return (dict if nulls else _without_nulls)({
        "id": material.pk,
        "registered": spoolman_time(material.created_at),
        "name": material.name,
        "vendor": vendor_json(vendor, nulls=nulls) if vendor else None,
        "material": material.material or None,
        "price": _number(material.unit_cost * material.net_weight_g) if material.net_weight_g else None,
        "density": float(material_density(material)),
        "diameter": float(material_diameter(material)),
        "weight": _number(material.net_weight_g) or None,
        "spool_weight": _number(material.spool_weight_g),
        "article_number": material.sku or None,
        "comment": None,
        "settings_extruder_temp": None,
        "settings_bed_temp": None,
        "color_hex": material.color_hex.lstrip("#").upper() or None,
        "multi_color_hexes": None,
        "multi_color_direction": None,
        "external_id": material.catalog_id or None,
        "extra": material.extra,
    })


def spool_json(spool: Spool, vendors: dict[str, Manufacturer], *, nulls: bool = False) -> dict[str, Any]:
    """A spool as Spoolman answers it (``select_related("item_type", "location")``); ``nulls``
    keeps null fields (websocket events)."""
    material = spool.item_type
    used = max(spool.initial_weight_g - spool.current_weight_g, Decimal(0))
    return (dict if nulls else _without_nulls)({
        "id": spool.pk,
        "registered": spoolman_time(spool.received_at),
        "first_used": spoolman_time(spool.first_used_at),
        "last_used": spoolman_time(spool.last_used_at),
        "filament": filament_json(material, vendors, nulls=nulls),
        "price": float(spool.cost),
        "remaining_weight": float(spool.current_weight_g),
        "initial_weight": float(spool.initial_weight_g),
        "spool_weight": float(spool.tare_weight_g),
        "used_weight": float(used),
        "remaining_length": length_mm(spool.current_weight_g, material),
        "used_length": length_mm(used, material),
        "location": spool.location.name,
        "lot_nr": spool.lot_number or None,
        "comment": spool.comment or None,
        "archived": spool.status == Spool.Status.ARCHIVED,
        "extra": spool.extra,
    })


# --- list filters and sorts -------------------------------------------------------------------------

def text_filter(field: str, value: str | None) -> Q:
    """Spoolman's string filter: comma-separated terms ORed; ``"term"`` in double quotes is an exact
    match, any other term a case-insensitive substring; an empty term matches an empty value (in
    prodtrack blank stands for Spoolman's null). ``None``: no filter."""
    if value is None:
        return Q()
    condition = Q(pk__in=[])
    for term in value.split(","):
        if len(term) >= 2 and term.startswith('"') and term.endswith('"'):
            condition |= Q(**{field: term[1:-1]})
        elif term == "":
            condition |= Q(**{field: ""})
        else:
            condition |= Q(**{f"{field}__icontains": term})
    return condition


def id_filter(field: str, value: str | None) -> Q:
    """``1,2,3``: any of these ids (the OpenAPI pattern ``^-?\\d+(,-?\\d+)*$`` is checked by the view)."""
    if value is None:
        return Q()
    return Q(**{f"{field}__in": [int(part) for part in value.split(",")]})


class SortError(ValueError):
    """A ``sort`` item that is not ``field:asc`` / ``field:desc`` over a known field."""


def order_by(sort: str | None, fields: dict[str, str]) -> list[str]:
    """Spoolman's ``sort`` (``"filament.name:asc,location:desc"``) as ``order_by`` arguments over
    ``fields`` (Spoolman field → ORM path), then ``id`` so pages are stable. Raises SortError."""
    ordering: dict[str, str] = {}
    for item in filter(None, (sort or "").split(",")):
        field, _, direction = item.partition(":")
        if field not in fields or direction.lower() not in ("asc", "desc"):
            raise SortError(f"Invalid sort item {item!r}: use field:asc or field:desc with one of "
                            f"{', '.join(sorted(fields))}.")
        ordering[field] = direction.lower()
    return [("-" if direction == "desc" else "") + fields[field] for field, direction in ordering.items()] + ["id"]


# --- settings and extra fields (Spoolman's ``settings.py`` and ``extra_field_registry.py``) -------------

class SpoolmanRuleError(ValueError):
    """Input Spoolman refuses with 400 ``{"message": str(error)}``."""


SETTINGS: dict[str, tuple[str, Any]] = {
    # Spoolman's registered settings: key → (JSON type, default value). ``currency`` is the tenant's.
    "currency": ("string", "EUR"), "round_prices": ("boolean", False), "print_presets": ("array", []),
    "extra_fields_vendor": ("array", []), "extra_fields_filament": ("array", []), "extra_fields_spool": ("array", []),
    "base_url": ("string", ""), "locations": ("array", []), "locations_spoolorders": ("object", {}),
}
ENTITY_TYPES = ("vendor", "filament", "spool")
EXTRA_FIELD_TYPES = ("text", "integer", "integer_range", "float", "float_range", "datetime", "boolean", "choice")
MAX_EXTRA_FIELDS = 128
EXTRA_VALUE_MAX_LENGTH = 2**16 - 1
EXTRA_FIELD_KEY = re.compile(r"^[a-z0-9_]+$")
_JSON_TYPES = {"boolean": (bool,), "number": (int, float), "string": (str,), "array": (list,), "object": (dict,)}
_TYPE_NAMES = {"boolean": "a boolean", "number": "a number", "string": "a string", "array": "an array",
               "object": "an object"}


def setting_value_check(key: str, text: str) -> Any:
    """The value of setting ``key`` written as JSON ``text``, checked as Spoolman checks it: the
    JSON type of the setting (``Setting round_prices must be a boolean.``) and, for an
    ``extra_fields_*`` setting, a valid list of extra fields. Raises SpoolmanRuleError."""
    kind, _ = SETTINGS[key]
    value = json.loads(text)          # JSONDecodeError is a ValueError: Spoolman answers its text
    if not isinstance(value, _JSON_TYPES[kind]) or (kind == "number" and isinstance(value, bool)):
        raise SpoolmanRuleError(f"Setting {key} must be {_TYPE_NAMES[kind]}.")
    if key.startswith("extra_fields_"):
        _extra_fields_setting_check(key, value)
    return value


def _extra_fields_setting_check(key: str, fields: list) -> None:
    entity_type = key.removeprefix("extra_fields_")
    if len(fields) > MAX_EXTRA_FIELDS:
        raise SpoolmanRuleError(f"Setting {key} has {len(fields)} extra fields, the maximum is {MAX_EXTRA_FIELDS}.")
    for index, field in enumerate(fields):
        try:
            shape_error = _extra_field_shape_error(field)
            if shape_error:
                raise SpoolmanRuleError(f"Extra field at index {index} is not valid: {shape_error}")
            if field["entity_type"] != entity_type:
                raise SpoolmanRuleError(f"Extra field at index {index} has entity type {field['entity_type']!r}, "
                                        f"expected {entity_type!r}.")
            extra_field_check(field)
        except SpoolmanRuleError as error:
            if str(error).startswith("Extra field at index"):
                raise
            raise SpoolmanRuleError(f"Extra field at index {index} is not valid: {error}") from None
    keys = [field["key"] for field in fields]
    if len(set(keys)) != len(keys):
        raise SpoolmanRuleError(f"Setting {key} contains duplicate extra field keys.")


def _text(value: Any, low: int, high: int) -> bool:
    return isinstance(value, str) and low <= len(value) <= high


def _extra_field_shape_error(field: Any) -> str | None:
    """What is wrong with the shape of a stored extra field (Spoolman's ExtraField model), or None."""
    if not isinstance(field, dict):
        return "it must be an object."
    checks = {
        "name": _text(field.get("name"), 1, 128),
        "key": _text(field.get("key"), 1, 64) and bool(EXTRA_FIELD_KEY.match(field.get("key", ""))),
        "field_type": field.get("field_type") in EXTRA_FIELD_TYPES,
        "entity_type": field.get("entity_type") in ENTITY_TYPES,
        "order": isinstance(field.get("order", 0), int) and not isinstance(field.get("order", 0), bool),
        "unit": field.get("unit") is None or _text(field.get("unit"), 1, 16),
        "default_value": field.get("default_value") is None or isinstance(field.get("default_value"), str),
        "choices": field.get("choices") is None or (isinstance(field["choices"], list) and len(field["choices"]) >= 1
                                                    and all(isinstance(c, str) for c in field["choices"])),
        "multi_choice": field.get("multi_choice") is None or isinstance(field.get("multi_choice"), bool),
    }
    wrong = [name for name, ok in checks.items() if not ok]
    return f"{', '.join(wrong)} missing or of the wrong type." if wrong else None


def extra_field_json(field: dict[str, Any]) -> dict[str, Any]:
    """An extra field as the API answers it (Spoolman's ExtraField, null members left out)."""
    return _without_nulls({name: field.get(name) for name in (
        "name", "order", "unit", "field_type", "default_value", "choices", "multi_choice", "key", "entity_type")})


def extra_field_check(field: dict[str, Any]) -> None:
    """Spoolman's rules for one extra field: a choice field has ``choices`` and ``multi_choice``,
    any other has neither; a ``default_value`` fits the field. Raises SpoolmanRuleError."""
    if field["field_type"] == "choice":
        if field.get("choices") is None:
            raise SpoolmanRuleError("Choices must be set for field type choice.")
        if field.get("multi_choice") is None:
            raise SpoolmanRuleError("Multi choice must be set for field type choice.")
    else:
        if field.get("choices") is not None:
            raise SpoolmanRuleError("Choices must not be set for field type other than choice.")
        if field.get("multi_choice") is not None:
            raise SpoolmanRuleError("Multi choice must not be set for field type other than choice.")
    if field.get("default_value") is not None:
        try:
            extra_value_check(field, field["default_value"])
        except SpoolmanRuleError as error:
            raise SpoolmanRuleError(f"Default value is not valid: {error}") from None


def extra_field_change_check(current: dict[str, Any], new: dict[str, Any]) -> None:
    """What an update of an existing extra field may not do: change its type or multi choice, or
    drop one of its choices. Raises SpoolmanRuleError."""
    if current["field_type"] != new["field_type"]:
        raise SpoolmanRuleError("Field type cannot be changed.")
    if new["field_type"] == "choice":
        if current.get("multi_choice") != new.get("multi_choice"):
            raise SpoolmanRuleError("Multi choice cannot be changed.")
        if current.get("choices") is not None and new.get("choices") is not None and not all(
                choice in new["choices"] for choice in current["choices"]):
            raise SpoolmanRuleError("Cannot remove existing choices.")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def extra_value_check(field: dict[str, Any], text: str) -> None:  # noqa: C901, PLR0912
    """A value (JSON text) fits the extra field, or SpoolmanRuleError with Spoolman's words."""
    if len(text) > EXTRA_VALUE_MAX_LENGTH:
        raise SpoolmanRuleError(f"Value is too big, max size is {EXTRA_VALUE_MAX_LENGTH} characters.")
    try:
        data = json.loads(text)
    except ValueError:
        raise SpoolmanRuleError("Value is not valid JSON.") from None
    kind = field["field_type"]
    if kind in ("text", "datetime") and not isinstance(data, str):
        raise SpoolmanRuleError("Value is not a string.")
    if kind == "integer" and not (isinstance(data, int) and not isinstance(data, bool)):
        raise SpoolmanRuleError("Value is not an integer.")
    if kind == "float" and not _is_number(data):
        raise SpoolmanRuleError("Value is not a float.")
    if kind == "boolean" and not isinstance(data, bool):
        raise SpoolmanRuleError("Value is not a boolean.")
    if kind in ("integer_range", "float_range"):
        if not isinstance(data, list):
            raise SpoolmanRuleError("Value is not a list.")
        if len(data) != 2:  # noqa: PLR2004
            raise SpoolmanRuleError("Value list must have exactly two values.")
        if kind == "integer_range" and not all(
                item is None or (isinstance(item, int) and not isinstance(item, bool)) for item in data):
            raise SpoolmanRuleError("Value list must contain only integers or null.")
        if kind == "float_range" and not all(item is None or _is_number(item) for item in data):
            raise SpoolmanRuleError("Value list must contain only floats or null.")
    if kind == "choice":
        choices = field.get("choices")
        if field.get("multi_choice"):
            if not isinstance(data, list):
                raise SpoolmanRuleError("Value is not a list.")
            if not all(isinstance(item, str) for item in data):
                raise SpoolmanRuleError("Value list must contain only strings.")
            if choices is not None and not all(item in choices for item in data):
                raise SpoolmanRuleError("Value list contains invalid choices.")
        else:
            if not isinstance(data, str):
                raise SpoolmanRuleError("Value is not a string.")
            if choices is not None and data not in choices:
                raise SpoolmanRuleError("Value is not a valid choice.")


def extra_values_check(fields: list[dict[str, Any]], values: dict[str, str | None] | None) -> None:
    """An ``extra`` of a spool, filament or vendor against the entity type's extra fields: every
    key defined, every non-null value fitting its field (null clears a value). Raises
    SpoolmanRuleError (``Unknown extra field shelf.``, ``Invalid extra field for key shelf: …``)."""
    by_key = {field["key"]: field for field in fields}
    for key, value in (values or {}).items():
        if key not in by_key:
            raise SpoolmanRuleError(f"Unknown extra field {key}.")
        if value is None:
            continue
        try:
            extra_value_check(by_key[key], value)
        except SpoolmanRuleError as error:
            raise SpoolmanRuleError(f"Invalid extra field for key {key}: {error}") from None
