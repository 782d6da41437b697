"""The run pages' charts: the run detail and the variance dashboard carry a ``<canvas data-chart>``
and the chart's JSON (``prodtrack.charts``), drawn by static/js/app.js — labels, values and colours
named by band, never hex codes of the page."""
from __future__ import annotations

import json
import re
from datetime import timedelta
from decimal import Decimal as D

from django.utils import timezone

from runs import selectors, services
from runs.services import MaterialActual


def _complete(run, user, pla_g, petg_g="40"):
    """8 phone stands are estimated at 240 g PLA + 40 g PETG."""
    pla, petg = run.materials.order_by("pk")
    return services.production_run_complete(
        run=run, by=user, completed_at=run.started_at + timedelta(hours=5),
        materials=[MaterialActual(material_id=pla.pk, actual_weight_g=D(pla_g), actual_purge_g=D("0")),
                   MaterialActual(material_id=petg.pk, actual_weight_g=D(petg_g), actual_purge_g=D("0"))])


def _chart_json(html: str, data_id: str):
    """The JSON of the page's ``json_script`` ``data_id``; fails unless a canvas reads it."""
    assert re.search(rf'<canvas [^>]*data-chart="{data_id}"[^>]*role="img"', html)
    script = re.search(rf'<script id="{data_id}" type="application/json">(.*?)</script>', html, re.S)
    assert script, f"no json_script {data_id}"
    return json.loads(script.group(1))


def test_the_run_detail_draws_estimated_vs_actual_grams_per_material(viewer_client, make_run, admin_user, farm):
    run = _complete(make_run(quantity=8), admin_user, pla_g="264")
    farm.petg.color_hex = ""
    farm.petg.save()

    html = viewer_client.get(f"/runs/{run.pk}/").content.decode()

    chart = _chart_json(html, "run-materials-data")
    pla, petg = farm.pla_spool, farm.petg_spool
    assert 'id="run-materials-chart"' in html and "<script>" not in html and "style=" not in html
    assert chart["type"] == "bar" and chart["horizontal"] is True and chart["animate"] is False
    assert chart["labels"] == [f"#{pla.pk} Galaxy Black PLA", f"#{petg.pk} Jet Black PETG"]
    estimated, actual = chart["datasets"]
    assert estimated["label"] == "Estimated (g)" and estimated["data"] == [240.0, 40.0]
    assert estimated["color"] == "estimated"
    assert actual["label"] == "Actual (g)" and actual["data"] == [264.0, 40.0] and actual["color"] == "actual"
    assert actual["points"] == [{"color": "#3D3E3D"}, {"color": None}]     # the PLA's colour; PETG has none: blue
    assert chart["height"] == 180 and chart["axis"] == "grams"


def test_a_run_in_progress_has_no_actual_bars_yet(make_run):
    run = selectors.production_run_get(tenant=make_run().tenant, pk=make_run(quantity=4).pk)

    chart = selectors.run_materials_chart(materials=list(run.materials.all()))

    assert chart["datasets"][0]["data"] == [120.0, 20.0] and chart["datasets"][1]["data"] == [None, None]


def test_a_run_with_many_materials_gets_a_row_of_52_px_each(make_run):
    run = make_run()
    materials = list(selectors.production_run_get(tenant=run.tenant, pk=run.pk).materials.all())

    assert selectors.run_materials_chart(materials=materials * 3)["height"] == 6 * 52


def test_the_variance_dashboard_colours_products_by_band(viewer_client, make_run, admin_user):
    for started_at in (timezone.now() - timedelta(days=1), timezone.now(), timezone.now()):
        _complete(make_run(quantity=8, started_at=started_at), admin_user, pla_g="282")   # 322 g of 280 g: +15 %

    html = viewer_client.get("/runs/variance/").content.decode()

    charts = _chart_json(html, "variance-data")
    assert 'data-chart="variance-data" data-chart-key="days"' in html
    assert 'data-chart="variance-data" data-chart-key="products"' in html
    days, products = charts["days"], charts["products"]
    assert days["type"] == "line" and len(days["labels"]) == 2
    assert [series["label"] for series in days["datasets"]] == ["Estimated (g)", "Actual (g)"]
    assert days["datasets"][0]["dashed"] is True and days["datasets"][0]["data"] == [280.0, 560.0]
    assert products["type"] == "bar" and products["labels"] == ["Phone stand"] and products["legend"] is None
    (series,) = products["datasets"]
    assert series["data"] == [15.0] and series["points"] == [{"band": "over"}]
    assert '"band": "over"' in html and "#dc3545" not in html                   # named, not coded


def test_variance_bands_over_under_within_name_the_colours():
    rows = [{"product_name": name, "average_variance_pct": D(pct) if pct else None}
            for name, pct in [("A", "10.1"), ("B", "10.0"), ("C", "-10.0"), ("D", "-10.1"), ("E", None)]]

    chart = selectors.variance_report_charts(by_day=[], products=rows)["products"]

    assert [point["band"] for point in chart["datasets"][0]["points"]] == ["over", "within", "within", "under", None]
    assert chart["datasets"][0]["data"] == [10.1, 10.0, -10.0, -10.1, None]
