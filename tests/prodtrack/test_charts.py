"""prodtrack.charts: the JSON a ``<canvas data-chart>`` is drawn from — numbers as JSON numbers,
gaps as null, colours as names."""
from __future__ import annotations

import json
from decimal import Decimal as D

from django.core.serializers.json import DjangoJSONEncoder

from prodtrack import charts


def test_a_series_turns_decimals_into_numbers_and_keeps_its_gaps():
    series = charts.series("Actual (g)", [D("264.50"), None, 3], color="actual", points=[{"band": "over"}, {}, {}])

    assert series == {"label": "Actual (g)", "data": [264.5, None, 3.0], "color": "actual",
                      "points": [{"band": "over"}, {}, {}], "opacity": 1, "dashed": False}


def test_a_chart_is_plain_json_with_its_limits_and_range():
    chart = charts.chart(kind="line", labels=["03-10", "03-11"], axis="%", from_zero=False,
                         value_range=(D("-20"), D("20")), datasets=[charts.series("Variance", [None, D("10.0")],
                                                                                  color="actual")],
                         limits=[charts.limit(D("10"), band="over", label="+10 %")])

    assert json.loads(json.dumps(chart, cls=DjangoJSONEncoder)) == {
        "type": "line", "labels": ["03-10", "03-11"], "axis": "%", "horizontal": False, "stacked": False,
        "from_zero": False, "range": [-20.0, 20.0], "legend": "top", "animate": True, "height": None,
        "limits": [{"value": 10.0, "band": "over", "label": "+10 %"}],
        "datasets": [{"label": "Variance", "data": [None, 10.0], "color": "actual", "points": None, "opacity": 1,
                      "dashed": False}]}
