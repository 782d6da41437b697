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

import math
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
        "extra": {},
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
        "comment": None,
        "archived": spool.status == Spool.Status.ARCHIVED,
        "extra": {},
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
