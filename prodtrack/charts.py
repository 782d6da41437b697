"""Charts: the data a page's ``<canvas data-chart>`` is drawn from (STYLE.md, "Charts without inline
script").

A selector builds a chart with ``chart()``, ``series()`` and ``limit()``; the template passes it
through ``json_script`` and points a canvas at it::

    {{ chart|json_script:"run-materials-data" }}
    <canvas data-chart="run-materials-data" role="img" aria-label="Estimated vs actual grams per material"></canvas>

``static/js/app.js`` draws every such canvas with Chart.js, also after an HTMX swap. The JSON is::

    {"type": "bar" | "line", "labels": [str, ...], "datasets": [series, ...], "axis": str,
     "horizontal": bool, "stacked": bool, "from_zero": bool, "range": [min, max] | None,
     "limits": [limit, ...], "legend": "top" | "bottom" | None, "animate": bool, "height": int | None}

Colours are names, never hex codes chosen per page; app.js maps them onto one palette, Bootstrap's
(DESIGN §9): a variance band (``over`` red, ``under`` green, ``within`` yellow), a status
(``in_progress`` blue, ``completed`` green, ``failed`` red, ``cancelled`` and ``pending`` grey),
``estimated`` (grey) and ``actual`` (blue), or a Bootstrap colour (``primary``, ``secondary``,
``info``, ``warning``, ``success``, ``danger``). A colour that is data, such as a material's
``"#3D3E3D"``, passes as it is.
"""
from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any, Literal

Value = Decimal | int | float | None


def series(label: str, values: Iterable[Value], *, color: str, points: list[dict[str, Any]] | None = None,
           opacity: float = 1, dashed: bool = False) -> dict[str, Any]:
    """One dataset: ``values`` (None: no point there) in the colour ``color``.

    points: per value, what differs from the series: ``band`` (its variance band colours it),
    ``color`` (a colour of the data, e.g. a material's hex; None keeps ``color``), ``title`` and
    ``note`` (the tooltip's heading and an extra line). opacity: of a bar's fill, 0–1. dashed: a
    dashed line.
    """
    return {"label": label, "data": [None if value is None else float(value) for value in values],
            "color": color, "points": points, "opacity": opacity, "dashed": dashed}


def limit(value: Value, *, band: str, label: str) -> dict[str, Any]:
    """A thin dashed line across the chart at ``value`` in the colour of ``band`` (e.g. +10 %,
    ``over``); neither in the legend nor in the tooltip."""
    return {"value": float(value), "band": band, "label": label}


def chart(*, kind: Literal["bar", "line"], labels: list[str], datasets: list[dict[str, Any]], axis: str = "",
          horizontal: bool = False, stacked: bool = False, from_zero: bool = True,
          value_range: tuple[Value, Value] | None = None, limits: Iterable[dict[str, Any]] = (),
          legend: Literal["top", "bottom"] | None = "top", animate: bool = True,
          height: int | None = None) -> dict[str, Any]:
    """A chart of ``datasets`` (``series()``) over ``labels``, JSON-ready for ``json_script``.

    axis: the title of the value axis ("grams", "ms"). horizontal: bars grow to the right, one
    label per row. stacked: the datasets' bars stack. from_zero: the value axis starts at 0 (bars
    always do). value_range: the (min, max) the value axis shows at least. limits: ``limit()``
    lines. legend: where the dataset names show, None for nowhere. animate: False draws at once.
    height: the chart's height in px when it depends on the data (one row per label); without it
    the template's ``chart-box`` class sets it.
    """
    return {"type": kind, "labels": labels, "datasets": datasets, "axis": axis, "horizontal": horizontal,
            "stacked": stacked, "from_zero": from_zero,
            "range": None if value_range is None else [float(value) for value in value_range],
            "limits": list(limits), "legend": legend, "animate": animate, "height": height}
