"""Reading a slicer file: the size limit, the bytes of its G-code, and a 3MF project's plate.

``read_gcode`` opens a path or takes a seekable binary file object, refuses an empty or
oversized file from its size alone, and reads the G-code (a ``.gcode`` file's, or one plate's
of a 3MF zip) whole when it is at most ``HEAD_BYTES + TAIL_BYTES``, else at its head and tail
only. For a 3MF project it also reads the plate's part of ``Metadata/slice_info.config``.
"""
from __future__ import annotations

import io
import os
import re
import xml.etree.ElementTree as ET
import zipfile
import zlib
from dataclasses import dataclass
from typing import BinaryIO

from slicing.results import GcodeError
from slicing.values import clean_text, hex_colour, to_float, to_int, to_seconds

MAX_FILE_BYTES = 512 * 1024 * 1024
"""Uploads (and a 3MF's plate G-code, uncompressed) above this are refused, checked by size only."""

HEAD_BYTES = 1024 * 1024
"""Read from the start: Cura's header and ``;LAYER_COUNT`` after the start G-code, Bambu Studio's
header and config block (50–100 KB), PrusaSlicer/Orca thumbnails (base64, up to a few hundred KB)
before the first command, and the first layer's object labels of a large plate."""

TAIL_BYTES = 1024 * 1024
"""Read from the end: PrusaSlicer/SuperSlicer/Orca summary and full config (15–100 KB), and
SuperSlicer's thumbnails when it writes them last. Files up to HEAD + TAIL (2 MiB) are read whole."""

ZIP_INFLATE_LIMIT = 64 * 1024 * 1024
"""A deflated plate G-code has no random access: its tail is reached by inflating what precedes
it (streamed, bounded memory). Done up to this uncompressed size; beyond it the tail is skipped
and the project's ``slice_info.config`` has to do. Stored (uncompressed) plates are read at
head and tail directly, at any size."""

SLICE_INFO_MAX_BYTES = 4 * 1024 * 1024

_PLATE_GCODE = re.compile(r"Metadata/plate_(\d+)\.gcode")
_SLICE_INFO = "Metadata/slice_info.config"


@dataclass
class Window:
    """The bytes read of one G-code of ``size`` bytes: all of them in ``head`` when ``whole``,
    else its first bytes in ``head`` and its last in ``tail`` (None when the tail could not be
    reached). ``bytes_read``: what reading it took from the file."""

    head: bytes
    tail: bytes | None
    whole: bool
    size: int
    bytes_read: int


@dataclass
class PlateGcode:
    """What ``read_gcode`` read: the G-code's window, the file's size in bytes, the 3MF plate read
    (None for a G-code file) and the project's sliced plates, the plate's ``slice_info.config``
    values (``prediction`` s, ``weight`` g, ``filaments``, ``objects``; None when there is none)
    and notes on what was not read."""

    window: Window
    file_size: int
    plate: int | None
    plates: tuple[int, ...]
    slice_info: dict | None
    notes: list[str]


def read_gcode(source: str | os.PathLike | BinaryIO, *, plate: int | None = None) -> PlateGcode:
    """Read a G-code or sliced 3MF from a path or a seekable binary file object (see ``parse_gcode``).

    ``plate`` (1-based) chooses a 3MF plate; plate 1 by default. A file object's position is
    moved. Raises ``GcodeError`` for an empty, oversized or corrupt file, binary G-code, a 3MF
    without a sliced plate, or a plate that is not there.
    """
    if plate is not None and (isinstance(plate, bool) or not isinstance(plate, int) or plate < 1):
        raise GcodeError(f"Plate must be a number from 1, not {plate!r}.", code="plate_not_found")
    if isinstance(source, (str, os.PathLike)):
        size = os.stat(source).st_size
        _check_size(size, "The file")
        with open(source, "rb") as f:
            return _read_file(f, size, plate)
    try:
        source.seek(0, io.SEEK_END)
        size = source.tell()
    except (AttributeError, OSError, ValueError) as exc:
        raise GcodeError("The upload cannot be read: it needs a seekable binary file.",
                         code="not_seekable") from exc
    _check_size(size, "The file")
    return _read_file(source, size, plate)


def _check_size(size: int, what: str) -> None:
    if size == 0:
        raise GcodeError(f"{what} is empty.", code="empty")
    if size > MAX_FILE_BYTES:
        raise GcodeError(f"{what} is {size / 2**20:,.0f} MB; the limit is {MAX_FILE_BYTES // 2**20} MB.",
                         code="too_large")


def _read(f, n: int) -> bytes:
    """Up to ``n`` bytes (fewer only at the end of the file)."""
    parts, left = [], n
    while left > 0:
        chunk = f.read(left)
        if isinstance(chunk, str):
            raise TypeError("parse_gcode needs a binary file object (open it with 'rb').")
        if not chunk:
            break
        parts.append(chunk)
        left -= len(chunk)
    return b"".join(parts)


def _window(f, size: int) -> Window:
    f.seek(0)
    if size <= HEAD_BYTES + TAIL_BYTES:
        data = _read(f, size)
        return Window(data, None, True, size, len(data))
    head = _read(f, HEAD_BYTES)
    f.seek(size - TAIL_BYTES)
    tail = _read(f, TAIL_BYTES)
    return Window(head, tail, False, size, len(head) + len(tail))


def _plate_gcode(window: Window, *, file_size: int, plate: int | None, plates: tuple[int, ...],
                 slice_info: dict | None, notes: list[str]) -> PlateGcode:
    """The read G-code, its notes ending with how much of it was read when not all of it."""
    if not window.whole:
        notes.append(f"read the first {HEAD_BYTES // 1024} KB"
                     + (f" and the last {TAIL_BYTES // 1024} KB" if window.tail is not None else "")
                     + f" of {window.size:,} bytes of G-code")
    return PlateGcode(window, file_size, plate, plates, slice_info, notes)


def _read_file(f, size: int, plate: int | None) -> PlateGcode:
    f.seek(0)
    magic = _read(f, 4)
    if magic in (b"PK\x03\x04", b"PK\x05\x06"):
        return _read_3mf(f, size, plate)
    if magic == b"GCDE":
        raise GcodeError("This is binary G-code (.bgcode); export plain-text G-code from the slicer.",
                         code="binary_gcode")
    if plate not in (None, 1):
        raise GcodeError(f"Plate {plate} was asked for, but a G-code file holds one plate.",
                         code="plate_not_found")
    return _plate_gcode(_window(f, size), file_size=size, plate=None, plates=(), slice_info=None, notes=[])


def _read_3mf(f, size: int, plate: int | None) -> PlateGcode:
    try:
        zf = zipfile.ZipFile(f)                     # reads the central directory at the end only
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as exc:
        raise GcodeError(f"The file looks like a zip (3MF) but is corrupt: {exc}.", code="corrupt_zip") from exc
    with zf:                                        # closing it leaves a caller's file object open
        return _read_zip(zf, f, size, plate)


def _read_zip(zf: zipfile.ZipFile, f, size: int, plate: int | None) -> PlateGcode:
    names = zf.namelist()
    plates = {}
    for name in names:
        match = _PLATE_GCODE.fullmatch(name)
        if match:
            plates[int(match.group(1))] = name
    if not plates:
        raise GcodeError("This 3MF project has no sliced plate (no Metadata/plate_N.gcode): slice it and "
                         "export the sliced file (.gcode.3mf) or the plate's G-code.", code="no_plate")
    numbers = tuple(sorted(plates))
    notes: list[str] = []
    if plate is None:
        chosen = 1 if 1 in plates else numbers[0]
        if len(numbers) > 1 or chosen != 1:
            notes.append(f"read plate {chosen} of the sliced plates {', '.join(map(str, numbers))}")
    elif plate in plates:
        chosen = plate
    else:
        raise GcodeError(f"Plate {plate} is not sliced in this project; sliced plates: "
                         f"{', '.join(map(str, numbers))}.", code="plate_not_found")
    info = zf.getinfo(plates[chosen])
    _check_size(info.file_size, f"Plate {chosen}'s G-code")
    try:
        window = _zip_window(zf, f, info, notes)
        slice_info = _slice_info(zf, chosen, notes)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as exc:
        raise GcodeError(f"The 3MF project is corrupt: {exc}.", code="corrupt_zip") from exc
    except (RuntimeError, NotImplementedError) as exc:    # encrypted, or an unknown compression
        raise GcodeError(f"The 3MF project's plate cannot be read: {exc}.", code="corrupt_zip") from exc
    return _plate_gcode(window, file_size=size, plate=chosen, plates=numbers, slice_info=slice_info, notes=notes)


def _zip_window(zf: zipfile.ZipFile, f, info: zipfile.ZipInfo, notes: list[str]) -> Window:
    size = info.file_size
    with zf.open(info) as entry:
        if size <= HEAD_BYTES + TAIL_BYTES:
            data = _read(entry, size)
            return Window(data, None, True, size, len(data))
        head = _read(entry, HEAD_BYTES)
        if info.compress_type != zipfile.ZIP_STORED and size <= ZIP_INFLATE_LIMIT:
            entry.seek(size - TAIL_BYTES)           # inflates (and drops) everything before the tail
            return Window(head, _read(entry, TAIL_BYTES), False, size, size)
    if info.compress_type == zipfile.ZIP_STORED and not info.flag_bits & 0x1:
        f.seek(info.header_offset)
        local = _read(f, 30)
        if local[:4] != b"PK\x03\x04":
            raise zipfile.BadZipFile("bad local file header")
        name_length, extra_length = int.from_bytes(local[26:28], "little"), int.from_bytes(local[28:30], "little")
        start = info.header_offset + 30 + name_length + extra_length
        f.seek(start + size - TAIL_BYTES)
        tail = _read(f, TAIL_BYTES)
        return Window(head, tail, False, size, len(head) + len(tail))
    notes.append(f"the plate G-code is compressed and over {ZIP_INFLATE_LIMIT // 2**20} MB: its end was not "
                 "read (values only written there come from slice_info.config or stay unknown)")
    return Window(head, None, False, size, len(head))


def _slice_info(zf: zipfile.ZipFile, plate: int, notes: list[str]) -> dict | None:
    """The plate's ``<plate>`` in Bambu/Orca's ``Metadata/slice_info.config``, as plain values."""
    try:
        info = zf.getinfo(_SLICE_INFO)
    except KeyError:
        return None
    if info.file_size > SLICE_INFO_MAX_BYTES:
        notes.append("slice_info.config is too large and was not read")
        return None
    try:
        root = ET.fromstring(zf.read(info))
    except ET.ParseError:
        notes.append("slice_info.config is not valid XML and was not read")
        return None
    for element in root.iter("plate"):
        meta = {m.get("key"): m.get("value") for m in element.findall("metadata")}
        if to_int(meta.get("index")) != plate:
            continue
        filaments = []
        for fil in element.findall("filament"):
            slot = to_int(fil.get("id"))
            if slot is None or slot < 1:
                continue
            used_m = to_float(fil.get("used_m"))
            filaments.append({"index": slot - 1, "grams": to_float(fil.get("used_g")),
                              "length_mm": None if used_m is None else round(used_m * 1000, 3),
                              "material": clean_text(fil.get("type")), "colour": hex_colour(fil.get("color"))})
        objects = [o.get("name") for o in element.findall("object")
                   if o.get("name") and o.get("skipped", "false").lower() != "true"]
        return {"prediction": to_seconds(meta.get("prediction")), "weight": to_float(meta.get("weight")),
                "filaments": filaments, "objects": objects}
    return None
