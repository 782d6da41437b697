"""Variance = (actual − estimated) / estimated × 100, None when the estimate is 0."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from runs import services
from runs.services import MaterialActual
from runs.variance import Variance, run_variance, variance_band, variance_pct

D = Decimal


@pytest.mark.parametrize("actual,estimated,expected", [
    (D("110"), D("100"), D("10.0")),
    (D("90"), D("100"), D("-10.0")),
    (D("100"), D("100"), D("0.0")),
    (D("0"), D("100"), D("-100.0")),
    (D("5"), D("0"), None),                      # zero estimate: undefined
    (D("0"), D("0"), None),
    (None, D("100"), None),                      # no actual yet
    (D("100.1"), D("300"), D("-66.6")),          # −66.633… → −66.6
    (D("0.3"), D("0.2"), D("50.0")),             # exact decimals: 0.1 / 0.2 is exactly 50
    (D("1"), D("3"), D("-66.7")),                # −66.666… rounds half-up to −66.7
    (D("200.05"), D("200"), D("0.0")),           # 0.025 % rounds to 0.0
    (D("115.05"), D("100"), D("15.1")),          # 15.05 rounds half-up to 15.1
    (7200, 3600, D("100.0")),                    # durations in seconds (ints)
])
def test_variance_formula(actual, estimated, expected):
    assert variance_pct(actual, estimated) == expected


@pytest.mark.parametrize("pct,band", [
    (D("10.1"), "over"), (D("10.0"), "within"), (D("0"), "within"), (D("-10.0"), "within"),
    (D("-10.1"), "under"), (None, None),
])
def test_variance_bands(pct, band):
    assert variance_band(pct) == band


def test_variance_reports_difference_and_band():
    assert Variance(D("100"), D("125")).as_dict() == {"estimated": D("100"), "actual": D("125"),
                                                      "difference": D("25"), "pct": D("25.0"), "band": "over"}


def test_run_variance_for_weight_purge_total_duration_and_cost(make_run, admin_user):
    run = make_run(quantity=8, purge="10")                    # est. 240 + 10 g PLA, 40 g PETG, 4 h
    pla, petg = run.materials.order_by("pk")

    run = services.production_run_complete(
        run=run, by=admin_user, completed_at=run.started_at + timedelta(hours=5),
        materials=[MaterialActual(material_id=pla.pk, actual_weight_g=D("264"), actual_purge_g=D("5")),
                   MaterialActual(material_id=petg.pk, actual_weight_g=D("40"), actual_purge_g=D("0"))])

    variance = run_variance(run)
    assert variance["weight"].pct == D("8.6")               # 304 vs 280
    assert variance["purge"].pct == D("-50.0")              # 5 vs 10
    assert variance["total"].pct == D("6.6")                # 309 vs 290: 6.55… half-up
    assert variance["duration"].pct == D("25.0")            # 5 h vs 4 h
    assert variance["cost"].actual == D("7.93") and variance["cost"].estimated == D("7.45")
    assert run.variance_pct == variance["total"].pct


def test_purge_variance_is_undefined_without_an_estimated_purge(make_run, admin_user):
    run = make_run(quantity=4, purge="0")
    run = services.production_run_complete(
        run=run, by=admin_user, materials=[MaterialActual(material_id=m.pk, use_estimate=True,
                                                          actual_purge_g=D("3")) for m in run.materials.all()])

    assert run_variance(run)["purge"].pct is None and run_variance(run)["purge"].actual == D("6.00")
