"""What ``parse_gcode`` answers: the estimate of one plate, its filaments and objects, and the
error for a file it cannot read."""
from __future__ import annotations

from dataclasses import dataclass


class GcodeError(ValueError):
    """The file cannot be read as slicer G-code. ``message`` says what to do; ``code`` says why:
    ``empty``, ``too_large``, ``not_gcode``, ``binary_gcode``, ``corrupt_zip``, ``no_plate``,
    ``plate_not_found``, ``not_seekable``."""

    def __init__(self, message: str, *, code: str):
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class Filament:
    """One extruder / filament slot. ``index`` is 0-based: ``T0``, PrusaSlicer's first extruder,
    Bambu Studio's filament 1 and Cura's extruder 0 are all index 0. ``cost`` is what this
    print's filament costs as the slicer computed it (not a price per kg)."""

    index: int
    grams: float | None = None
    length_mm: float | None = None
    volume_cm3: float | None = None
    cost: float | None = None
    material: str | None = None
    colour: str | None = None
    settings_id: str | None = None


@dataclass(frozen=True)
class PrintedObject:
    """An object on the plate; ``copies`` is its number of instances, None when not stated."""

    name: str
    copies: int | None


@dataclass(frozen=True)
class GcodeEstimate:
    """What the slicer wrote about one plate. ``objects`` is None when not reliably known (see the
    ``slicing`` docstring); ``filaments`` lists the used ones only (a file's zero-filled extruders are
    left out). ``total_grams`` / ``total_cost``: the file's total line, else the 3MF plate's
    weight, else the sum of the filaments' values when every one is known. ``plate``: the 3MF
    plate read (None for a G-code file), ``plates``: the project's sliced plates. ``notes`` says in
    words what could not be read and why."""

    slicer: str | None
    slicer_version: str | None
    print_time_s: int | None
    print_time_silent_s: int | None
    filaments: tuple[Filament, ...]
    total_grams: float | None
    total_cost: float | None
    layer_height_mm: float | None
    layer_count: int | None
    max_z_mm: float | None
    infill_density_pct: float | None
    infill_pattern: str | None
    objects: tuple[PrintedObject, ...] | None
    plate: int | None
    plates: tuple[int, ...]
    file_size: int
    gcode_size: int
    gcode_bytes_read: int
    whole_gcode_read: bool
    notes: tuple[str, ...]
