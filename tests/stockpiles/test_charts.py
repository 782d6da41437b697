"""The automation page's chart: milliseconds per step of the last ticks, stacked, a colour named per
step (``prodtrack.charts``); nothing to draw before there are two ticks to compare."""
from __future__ import annotations

import json
import re

from stockpiles import selectors
from stockpiles.services import auto_production_run_now
from stockpiles.views import STEP_LABELS as STEPS


def test_the_tick_chart_stacks_the_steps_of_the_last_ticks_oldest_first(tenant, admin_user):
    ticks = [auto_production_run_now(tenant=tenant, by=admin_user) for _ in range(3)]

    chart = selectors.auto_production_tick_chart(tenant=tenant, step_labels=STEPS, ticks=2)

    assert chart["type"] == "bar" and chart["stacked"] is True and chart["axis"] == "ms"
    assert [label.split()[0] for label in chart["labels"]] == [f"#{ticks[1].pk}", f"#{ticks[2].pk}"]
    assert [(series["label"], series["color"]) for series in chart["datasets"]] == [
        ("Load markers", "secondary"), ("Compute deficits", "info"), ("Subtract pending", "warning"),
        ("Generate", "primary")]
    steps = {step["name"]: step["duration_ms"] for step in ticks[2].metrics["steps"]}
    assert [series["data"][-1] for series in chart["datasets"]] == [steps[name] for name in STEPS]


def test_one_tick_has_nothing_to_compare(tenant, admin_user):
    auto_production_run_now(tenant=tenant, by=admin_user)

    assert selectors.auto_production_tick_chart(tenant=tenant, step_labels=STEPS) is None


def test_the_automation_page_carries_the_chart_canvas_and_its_data(viewer_client, tenant, admin_user):
    for _ in range(2):
        auto_production_run_now(tenant=tenant, by=admin_user)

    html = viewer_client.get("/automation/").content.decode()

    assert re.search(r'<canvas id="tick-chart" data-chart="tick-data" role="img"', html)
    data = re.search(r'<script id="tick-data" type="application/json">(.*?)</script>', html).group(1)
    assert len(json.loads(data)["labels"]) == 2 and "Tick duration by step, last 2 ticks" in html
