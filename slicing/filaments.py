"""The filaments a print uses: amounts per extruder / filament slot from every slicer's comments
and a 3MF's ``slice_info.config``, then their material, colour and profile name.

An amount found first wins: the Prusa-family summary, then Bambu Studio's header, then Cura's
lines, then ``slice_info.config``. A slot whose stated amounts are all zero is an extruder the
print does not use and is left out.
"""
from __future__ import annotations

import math
import re
from typing import Any

from slicing.results import Filament
from slicing.values import comma_list, float_list, hex_colour, metres_to_mm, string_list, to_float, to_int

_AMOUNTS = ("grams", "length_mm", "volume_cm3")
_PRUSA_SUMMARY = (("grams", "filament used [g]"), ("length_mm", "filament used [mm]"),
                  ("volume_cm3", "filament used [cm3]"), ("cost", "filament cost"))
_GRIFFIN_VOLUME = re.compile(r"EXTRUDER_TRAIN\.(\d+)\.MATERIAL\.VOLUME_USED")

Slots = dict[int, dict[str, Any]]
"""Filament fields (``Filament``'s, but ``index``) per 0-based slot, as they are found."""


def used_filaments(v: dict[str, str], slice_info: dict | None, notes: list[str]) -> list[Filament]:
    """The used filaments in slot order, from the comments' key/values ``v`` and the plate's
    ``slice_info`` (see ``files.PlateGcode``). One configured filament without stated amounts is
    listed with unknown amounts; several are not (which are used is unknown: a note says so)."""
    slots: Slots = {}
    types = string_list(v.get("filament_type")) or []
    _prusa_summary(v, slots)
    _bambu_header(v, len(types), slots, notes)
    _cura_amounts(v, slots)
    _slice_info_amounts(slice_info, slots)
    attributes = _attributes(v, types)
    if not slots and max(len(values) for values in attributes.values()) == 1:
        slots[0] = {}                               # one filament configured, amounts not stated
    elif not slots and types:
        notes.append(f"{len(types)} filaments are configured but the file states no amounts: which are used "
                     "is unknown")
    _fill_attributes(slots, attributes)
    return _used(slots)


def _put(slots: Slots, index: int, field: str, value: Any) -> None:
    """Record a stated value; a value already found for the slot's field wins."""
    if value is not None:
        slots.setdefault(index, {}).setdefault(field, value)


def _prusa_summary(v: dict[str, str], slots: Slots) -> None:
    """PrusaSlicer / SuperSlicer / OrcaSlicer summary: one value per extruder, unused ones as 0."""
    for field, key in _PRUSA_SUMMARY:
        for i, value in enumerate(float_list(v.get(key)) or ()):
            _put(slots, i, field, value)


def _bambu_header(v: dict[str, str], configured: int, slots: Slots, notes: list[str]) -> None:
    """Bambu Studio's header lists are per *used* filament; ``; filament: 1,3`` names the slots."""
    lengths = float_list(v.get("total filament length [mm]"))
    weights = float_list(v.get("total filament weight [g]"))
    volumes = float_list(v.get("total filament volume [cm^3]"))
    count = max(len(lengths or ()), len(weights or ()))
    if not count:
        return
    slot_numbers = [to_int(s) for s in v.get("filament", "").split(",")] if v.get("filament") else []
    if slot_numbers and len(slot_numbers) == count and all(s and s > 0 for s in slot_numbers):
        indexes = [s - 1 for s in slot_numbers]
    elif configured in (0, count):
        indexes = list(range(count))
    else:
        notes.append("the header's filament amounts do not say which filament slots they are for: not used")
        return
    diameters = float_list(v.get("filament_diameter")) or []
    for position, index in enumerate(indexes):
        length = lengths[position] if lengths and position < len(lengths) else None
        _put(slots, index, "length_mm", length)
        _put(slots, index, "grams", weights[position] if weights and position < len(weights) else None)
        volume = volumes[position] if volumes and position < len(volumes) else None
        diameter = diameters[index] if index < len(diameters) else None
        _put(slots, index, "volume_cm3", _checked_volume_cm3(volume, length, diameter))


def _checked_volume_cm3(value: float | None, length_mm: float | None, diameter: float | None) -> float | None:
    """Bambu Studio labels mm³ as ``[cm^3]``: accept the value in whichever unit length × cross
    section confirms (within 2 %), else leave it unknown."""
    if value is None or not length_mm or not diameter:
        return None
    expected_mm3 = length_mm * math.pi * diameter * diameter / 4
    if abs(value - expected_mm3) <= 0.02 * expected_mm3:
        return round(value / 1000, 6)
    if abs(value - expected_mm3 / 1000) <= 0.02 * expected_mm3 / 1000:
        return value
    return None


def _cura_amounts(v: dict[str, str], slots: Slots) -> None:
    """Cura: metres per extruder; grams only when the start G-code adds them; Griffin flavour
    (Ultimaker): mm³ per extruder train."""
    for i, part in enumerate(comma_list(v.get("Filament used"))):
        _put(slots, i, "length_mm", metres_to_mm(part or ""))
    for i, value in enumerate(float_list(v.get("Filament weight")) or ()):
        _put(slots, i, "grams", value)
    for key, value in v.items():
        match = _GRIFFIN_VOLUME.fullmatch(key)
        if match and to_float(value) is not None:
            _put(slots, int(match.group(1)), "volume_cm3", round(to_float(value) / 1000, 6))


def _slice_info_amounts(slice_info: dict | None, slots: Slots) -> None:
    """A 3MF plate's ``slice_info.config``: grams, length, material and colour per filament."""
    if not slice_info:
        return
    for fil in slice_info["filaments"]:
        for field in ("grams", "length_mm", "material", "colour"):
            _put(slots, fil["index"], field, fil[field])


def _attributes(v: dict[str, str], types: list[str | None]) -> dict[str, list[str | None]]:
    """Material type, colour and profile name per configured filament: the Prusa-family config, or
    the lines Cura's start G-code may add."""
    return {"material": types or comma_list(v.get("Filament type")),
            "colour": [hex_colour(c) for c in string_list(v.get("filament_colour")) or []],
            "settings_id": string_list(v.get("filament_settings_id")) or comma_list(v.get("Filament name"))}


def _fill_attributes(slots: Slots, attributes: dict[str, list[str | None]]) -> None:
    """Give each slot the configured attributes it was not given already."""
    for index, entry in slots.items():
        for field, values in attributes.items():
            if index < len(values):
                entry.setdefault(field, values[index])


def _used(slots: Slots) -> list[Filament]:
    """The slots as ``Filament``s in slot order, leaving out an extruder the print does not use
    (every stated amount zero)."""
    used = []
    for index in sorted(slots):
        entry = slots[index]
        amounts = [entry.get(field) for field in _AMOUNTS]
        if any(a is not None for a in amounts) and all(a in (None, 0) for a in amounts):
            continue
        used.append(Filament(index=index, **entry))
    return used
