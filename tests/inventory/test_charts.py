"""The stock page's chart: grams of filament on hand per material, a bar each in the material's
colour (``prodtrack.charts``), a row of 26 px each."""
from __future__ import annotations

import json
import re

from inventory import selectors
from tests.factories import MaterialFactory, receive_spool


def test_the_stock_page_draws_filament_on_hand_in_each_materials_colour(admin_client, tenant, admin_user):
    black = MaterialFactory(tenant=tenant, name="Galaxy Black PLA", color_hex="#3D3E3D")
    plain = MaterialFactory(tenant=tenant, name="Natural PETG", color_hex="")
    receive_spool(tenant=tenant, by=admin_user, material=black, grams="800")
    receive_spool(tenant=tenant, by=admin_user, material=plain, grams="250")

    html = admin_client.get("/inventory/stock/").content.decode()

    assert re.search(r'<canvas id="filament-chart" data-chart="filament-data" role="img"', html)
    chart = json.loads(re.search(r'<script id="filament-data" type="application/json">(.*?)</script>', html).group(1))
    assert chart["type"] == "bar" and chart["horizontal"] is True and chart["legend"] is None
    assert chart["labels"] == ["Galaxy Black PLA", "Natural PETG"]
    (series,) = chart["datasets"]
    assert series["data"] == [800.0, 250.0] and series["color"] == "secondary"     # grey without a colour
    assert series["points"] == [{"color": "#3D3E3D"}, {"color": None}]
    assert chart["height"] == 160


def test_a_long_filament_chart_gets_a_row_of_26_px_each():
    rows = [{"name": f"PLA {n}", "color_hex": "", "grams": 100} for n in range(10)]

    assert selectors.filament_on_hand_chart(rows)["height"] == 10 * 26 + 60
