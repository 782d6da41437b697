"""Values as slicers write them in comments: numbers, per-extruder lists, colours, durations.

Each reader answers None (or an empty list) for text that is not what it expects: a value the
file does not state clearly stays unknown. Numbers are finite and never negative.
"""
from __future__ import annotations

import math
import re


def parse_duration(text: str | None) -> int | None:
    """Seconds in a slicer time string: ``1d 2h 3m 4s``, ``41m 32s``, ``2h``; None if not one."""
    if not text:
        return None
    match = _DURATION.fullmatch(text.strip())
    if match is None or not any(match.groups()):
        return None
    days, hours, minutes, seconds = (float(g) if g else 0.0 for g in match.groups())
    return round(days * 86400 + hours * 3600 + minutes * 60 + seconds)


_DURATION = re.compile(r"(?:(\d+)\s*d\s*)?(?:(\d+)\s*h\s*)?(?:(\d+)\s*m\s*)?(?:(\d+(?:\.\d+)?)\s*s)?")


def to_float(text: str | None) -> float | None:
    """``1.68`` → 1.68; None for no text, not a number, infinity, NaN or a negative value."""
    if text is None:
        return None
    try:
        value = float(text.strip())
    except ValueError:
        return None
    return value if math.isfinite(value) and value >= 0 else None


def to_int(text: str | None) -> int | None:
    """``240`` → 240 (a sign is kept); None for no text or not a whole number."""
    try:
        return int(text.strip()) if text is not None else None
    except ValueError:
        return None


def to_seconds(text: str | None) -> int | None:
    """Seconds as a number (``6737``, ``4552.5``) → whole seconds, rounded."""
    value = to_float(text)
    return None if value is None else round(value)


def float_list(text: str | None) -> list[float | None] | None:
    """``1.68, 2.66`` or ``[1.68, 2.66]`` → one value per extruder."""
    if not text:
        return None
    return [to_float(part) for part in text.strip().strip("[]").split(",")]


def string_list(text: str | None) -> list[str | None] | None:
    """PrusaSlicer-style string list: ``PLA;PETG`` or ``"Generic PLA";"My \\"PETG\\""``."""
    if text is None:
        return None
    items, i, n = [], 0, len(text)
    while i <= n:
        while i < n and text[i] == " ":
            i += 1
        if i < n and text[i] == '"':
            j, buf = i + 1, []
            while j < n and text[j] != '"':
                if text[j] == "\\" and j + 1 < n:
                    j += 1
                buf.append(text[j])
                j += 1
            item, i = "".join(buf), text.find(";", j)
        else:
            end = text.find(";", i)
            item, i = text[i:] if end < 0 else text[i:end], end
        items.append(clean_text(item))
        if i < 0:
            break
        i += 1
    return items


def comma_list(text: str | None) -> list[str | None]:
    """Cura start-G-code placeholders: ``PLA`` or ``PLA,PVA``."""
    return [clean_text(part) for part in text.split(",")] if text else []


def clean_text(value: str | None) -> str | None:
    """The value trimmed; None when nothing is left."""
    value = (value or "").strip()
    return value or None


def hex_colour(value: str | None) -> str | None:
    """``#RRGGBB`` or ``#RRGGBBAA`` as written; None for anything else."""
    value = (value or "").strip()
    return value if re.fullmatch(r"#[0-9A-Fa-f]{6}(?:[0-9A-Fa-f]{2})?", value) else None


def metres_to_mm(text: str) -> float | None:
    """Cura's ``3.82m`` → 3820.0 (mm)."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)\s*m\s*", text)
    return round(float(match.group(1)) * 1000, 3) if match else None
