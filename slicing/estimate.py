"""``parse_gcode``: a slicer file read (``files``) and its comments, filaments and objects put
together into one ``GcodeEstimate``."""
from __future__ import annotations

import os
from typing import BinaryIO

from slicing.comments import check_gcode, decode, print_time_s, slicer_identity
from slicing.filaments import used_filaments
from slicing.files import PlateGcode, read_gcode
from slicing.objects import layer_count, max_z_mm, printed_objects
from slicing.results import Filament, GcodeEstimate
from slicing.values import clean_text, parse_duration, to_float


def parse_gcode(source: str | os.PathLike | BinaryIO, *, plate: int | None = None) -> GcodeEstimate:
    """Parse a G-code or sliced 3MF from a path or a seekable binary file object.

    ``plate`` (1-based) chooses a 3MF plate; plate 1 by default. A file object's position is
    moved. Raises ``GcodeError`` for an empty, oversized, corrupt or non-G-code file, a 3MF
    without a sliced plate, or a plate that is not there.
    """
    return _estimate(read_gcode(source, plate=plate))


def _estimate(gcode: PlateGcode) -> GcodeEstimate:
    window, slice_info, notes = gcode.window, gcode.slice_info, gcode.notes
    scan = decode(window)
    check_gcode(window, scan, "The file" if gcode.plate is None else f"Plate {gcode.plate}'s G-code")
    v = scan.values
    slicer, version = slicer_identity(scan)
    filaments = used_filaments(v, slice_info, notes)
    print_time = print_time_s(v)
    if print_time is None and slice_info:
        print_time = slice_info["prediction"]
    infill = v.get("fill_density", v.get("sparse_infill_density"))
    return GcodeEstimate(
        slicer=slicer, slicer_version=version,
        print_time_s=print_time,
        print_time_silent_s=parse_duration(v.get("estimated printing time (silent mode)")),
        filaments=tuple(filaments), total_grams=_total_grams(v, slice_info, filaments),
        total_cost=_total_cost(v, filaments),
        layer_height_mm=to_float(v.get("layer_height", v.get("Layer height"))),
        layer_count=layer_count(scan, slicer, notes),
        max_z_mm=max_z_mm(scan),
        infill_density_pct=to_float(infill.rstrip("%")) if infill and infill.endswith("%") else None,
        infill_pattern=clean_text(v.get("fill_pattern", v.get("sparse_infill_pattern"))),
        objects=printed_objects(scan, slice_info, notes),
        plate=gcode.plate, plates=gcode.plates,
        file_size=gcode.file_size, gcode_size=window.size, gcode_bytes_read=window.bytes_read,
        whole_gcode_read=window.whole, notes=tuple(notes),
    )


def _total_grams(v: dict[str, str], slice_info: dict | None, filaments: list[Filament]) -> float | None:
    """The file's total line, else the 3MF plate's weight, else the filaments' sum when each is known."""
    total = to_float(v.get("total filament used [g]"))
    if total is None and slice_info:
        total = slice_info["weight"]
    if total is None and filaments and all(f.grams is not None for f in filaments):
        total = round(sum(f.grams for f in filaments), 6)
    return total


def _total_cost(v: dict[str, str], filaments: list[Filament]) -> float | None:
    """The file's total line, else the filaments' sum when each is known."""
    total = to_float(v.get("total filament cost"))
    if total is None and filaments and all(f.cost is not None for f in filaments):
        total = round(sum(f.cost for f in filaments), 6)
    return total
