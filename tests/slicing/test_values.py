"""slicing.values: slicer time strings as seconds (issue 7, point 1). Plain functions, no database."""
from __future__ import annotations

import pytest

from slicing import parse_duration


@pytest.mark.parametrize(("text", "seconds"), [
    ("1d 2h 3m 4s", 93784), ("2d 20h 17m 43s", 245863), ("41m 32s", 2492), ("2h", 7200), ("5s", 5),
    ("1h 0m 0s", 3600), ("", None), (None, None), ("soon", None), ("1:30:00", None), ("3x", None),
])
def test_parse_duration_reads_slicer_time_strings(text, seconds):
    assert parse_duration(text) == seconds
