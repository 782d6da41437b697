"""Layers, height and printed objects of a plate: counted from markers only when the whole
G-code was read, else taken from the lines that state them (see the ``slicing`` docstring for
when an object list counts as complete)."""
from __future__ import annotations

import json
import re

from slicing.comments import Scan
from slicing.results import PrintedObject
from slicing.values import to_float, to_int

_LAYER_MARKERS = {"PrusaSlicer": ";LAYER_CHANGE", "SuperSlicer": ";LAYER_CHANGE", "OrcaSlicer": ";LAYER_CHANGE",
                  "Slic3r Prusa Edition": ";LAYER_CHANGE", "Bambu Studio": "; CHANGE_LAYER", "Cura": ";LAYER:"}
_Z_MARKER = re.compile(r"\n;Z:(\d+(?:\.\d+)?)")
_LABEL = re.compile(r"\n; printing object (.+?) id:(\d+) copy (\d+)")
_EXCLUDE_DEFINE = re.compile(r"\nEXCLUDE_OBJECT_DEFINE\b[^\n]*?\bNAME=('[^']*'|\"[^\"]*\"|\S+)")
_INSTANCE = re.compile(r"(.+?)(?: id:(\d+) copy (\d+)|_id_(\d+)_copy_(\d+))")
_MESH = re.compile(r"\n;MESH:([^\r\n]+)")


def _marker_count(text: str, marker: str) -> int:
    return text.count("\n" + marker) + text.startswith(marker)


def layer_count(scan: Scan, slicer: str | None, notes: list[str]) -> int | None:
    """A count line (``; total layer number``, ``; total layers count``, ``;LAYER_COUNT``), else the
    slicer's layer-change markers counted in a wholly read G-code; None otherwise (a note says why)."""
    v = scan.values
    for key in ("total layer number", "total layers count", "LAYER_COUNT"):
        if to_int(v.get(key)) is not None:
            return to_int(v[key])
    marker = _LAYER_MARKERS.get(slicer or "")
    if marker is None:
        return None
    if scan.whole:
        return _marker_count(scan.head, marker) or None
    notes.append("layer count: no count line, and layer changes are only counted when the whole G-code is read")
    return None


def _by_layer(v: dict[str, str]) -> bool:
    """Objects print layer by layer (not one after another)."""
    return v.get("complete_objects") == "0" or v.get("print_sequence") == "by layer"


def max_z_mm(scan: Scan) -> float | None:
    """The highest Z in mm: a max-height line, else the highest ``;Z:`` marker of a wholly read
    G-code (or of the tail, when objects print layer by layer); None otherwise."""
    v = scan.values
    for key in ("max_z_height", "MAXZ", "PRINT.SIZE.MAX.Z"):
        if to_float(v.get(key)) is not None:
            return to_float(v[key])
    if scan.whole:
        heights = [float(z) for z in _Z_MARKER.findall("\n" + scan.head)]
    elif _by_layer(v):
        heights = [float(z) for z in _Z_MARKER.findall("\n" + scan.tail)]   # the last layers
    else:
        heights = []
    return max(heights) if heights else None


def _count_copies(instances: list[tuple[str, object]]) -> tuple[PrintedObject, ...]:
    """``(object name, instance key)`` pairs → objects with their number of distinct instances,
    in first-seen order."""
    seen: dict[str, set] = {}
    for name, key in instances:
        seen.setdefault(name, set()).add(key)
    return tuple(PrintedObject(name=name, copies=len(keys)) for name, keys in seen.items())


def _instances(names: list[str]) -> tuple[PrintedObject, ...]:
    """Instance names as listed up front (``box.stl id:0 copy 1``, ``box.stl_id_0_copy_1``, or
    one repeated plain name per instance) → objects with their copies."""
    pairs = []
    for position, name in enumerate(names):
        match = _INSTANCE.fullmatch(name)
        if match:
            pairs.append((match.group(1), (match.group(2) or match.group(4), match.group(3) or match.group(5))))
        else:
            pairs.append((name, position))
    return _count_copies(pairs)


def printed_objects(scan: Scan, slice_info: dict | None, notes: list[str]) -> tuple[PrintedObject, ...] | None:
    """The objects on the plate with their copies, in the file's order, or None unless the list is
    complete: ``objects_info``, ``EXCLUDE_OBJECT_DEFINE`` lines, ``slice_info.config`` objects, the
    Prusa-style labels of a wholly read file (or of its first layer, printing layer by layer), or
    Cura's meshes of a wholly read file (copies None)."""
    listed = scan.values.get("objects_info")
    if listed:
        try:
            names = [o["name"] for o in json.loads(listed)["objects"]]
            if names and all(isinstance(n, str) for n in names):
                return _instances(names)
        except (ValueError, KeyError, TypeError):
            pass
    defined = [n.strip("'\"") for n in _EXCLUDE_DEFINE.findall("\n" + scan.head)]
    if defined:
        return _instances(defined)
    if slice_info and slice_info["objects"]:
        return _instances(slice_info["objects"])
    if scan.whole:
        labels = _LABEL.findall("\n" + scan.head)
    else:                       # printing layer by layer, layer 1 holds every instance on the bed
        starts = _find_all(scan.head, "\n;LAYER_CHANGE", 2)
        labels = _LABEL.findall(scan.head[:starts[1]]) if len(starts) == 2 and _by_layer(scan.values) else []
        if not labels and _LABEL.search(scan.head):
            notes.append("objects: the file is larger than what was read and its first layer or print order "
                         "could not be checked, so the object list may be incomplete: not reported")
            return None
    if labels:
        return _count_copies([(name, (i, c)) for name, i, c in labels])
    if _MESH.search(scan.head):
        if scan.whole:
            meshes = dict.fromkeys(m for m in _MESH.findall("\n" + scan.head) if m != "NONMESH")
            return tuple(PrintedObject(name=m, copies=None) for m in meshes) or None
        notes.append("objects: Cura names meshes layer by layer; only a wholly read file lists them all")
    return None


def _find_all(text: str, needle: str, limit: int) -> list[int]:
    """Positions of the first ``limit`` occurrences of ``needle``."""
    found, at = [], text.find(needle)
    while at >= 0 and len(found) < limit:
        found.append(at)
        at = text.find(needle, at + 1)
    return found
