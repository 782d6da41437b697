"""The dashboard home (/): runs in progress, recent completions, spools running low, the variance
trend of the last 30 days (and its selector); empty states, roles, tenants, a fixed query count."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal as D
from zoneinfo import ZoneInfo

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from inventory.services import spool_adjust
from runs import selectors, services
from runs.services import MaterialActual
from tests.factories import receive_spool
from tests.support.pages import page_html


def _complete(run, user, pla_g, petg_g, hours=2):
    pla, petg = run.materials.order_by("pk")
    return services.production_run_complete(
        run=run, by=user, completed_at=run.started_at + timedelta(hours=hours),
        materials=[MaterialActual(material_id=pla.pk, actual_weight_g=D(pla_g), actual_purge_g=D("0")),
                   MaterialActual(material_id=petg.pk, actual_weight_g=D(petg_g), actual_purge_g=D("0"))])


def test_the_dashboard_shows_runs_in_progress_recent_completions_and_low_spools(viewer_client, make_run,
                                                                                admin_user, tenant, farm):
    now = timezone.now()
    running = make_run(quantity=4, started_at=now - timedelta(hours=1))     # 1 h of a 2 h estimate
    done = _complete(make_run(quantity=8, started_at=now - timedelta(hours=3)), admin_user, "300", "40")  # +21.4 %
    low = receive_spool(tenant=tenant, by=admin_user, material=farm.pla, grams="100")
    spool_adjust(spool=low, by=admin_user, net_weight_g=D("10"))          # 10 % left

    response = viewer_client.get("/")
    html = page_html(response)

    assert response.status_code == 200
    in_progress = html.split('id="runs-in-progress"')[1].split('id="variance-trend"')[0]
    assert f'href="/runs/{running.pk}/">{running.run_number}</a>' in in_progress
    assert "Phone stand" in in_progress and "× 4" in in_progress and "MK4 #1" in in_progress
    assert "50 % of the estimate" in in_progress
    assert response.context["in_progress_count"] == 1
    recent = html.split('id="recent-completions"')[1].split('id="low-spools"')[0]
    assert f'href="/runs/{done.pk}/">{done.run_number}</a>' in recent
    assert "+21.4 %" in recent and "text-bg-danger" in recent and "8 of 8 good" in recent
    assert running.run_number not in recent
    low_spools = html.split('id="low-spools"')[1]
    assert f'href="/inventory/spools/{low.pk}/"' in low_spools
    assert 'id="variance-trend-chart"' in html and 'id="variance-trend-data"' in html
    assert "chart.umd.min.js" in html
    assert "Receive spool" not in html and "Job queue</a>" not in html   # a viewer: no action buttons


def test_the_trend_and_the_completions_cover_the_last_30_days(viewer_client, make_run, admin_user):
    now = timezone.now()
    recent = _complete(make_run(quantity=8, started_at=now - timedelta(hours=3)), admin_user, "264", "44")  # +10 %
    _complete(make_run(quantity=8, started_at=now - timedelta(days=40)), admin_user, "400", "40")  # too old
    make_run(quantity=4)                                                                        # in progress

    response = viewer_client.get("/")
    trend = response.context["trend"]

    assert response.context["recent"] == [recent]

    assert len(trend["chart"]) == 30 and trend["chart"][-1]["day"] == timezone.localdate().isoformat()
    assert trend["runs"] == 1 and trend["total_variance_pct"] == D("10.0") and trend["band"] == "within"
    assert trend["estimated_g"] == D("280") and trend["actual_g"] == D("308")
    assert trend["chart"][-1] == {"day": timezone.localdate().isoformat(), "runs": 1, "pct": "10.0",
                                  "band": "within", "estimated": "280.00", "actual": "308.00"}
    assert all(row["pct"] is None and row["runs"] == 0 for row in trend["chart"][:-1])


def test_variance_trend_groups_by_day_in_the_tenants_time_zone(make_run, admin_user, tenant):
    tenant.time_zone = "Europe/Berlin"
    tenant.save()
    berlin = ZoneInfo("Europe/Berlin")
    late = datetime(2026, 3, 10, 23, 30, tzinfo=berlin)                 # 22:30 UTC: still the 10th in Berlin
    early = datetime(2026, 3, 11, 0, 30, tzinfo=berlin)                 # 23:30 UTC on the 10th: the 11th in Berlin
    _complete(make_run(quantity=8, started_at=late), admin_user, "240", "40")
    _complete(make_run(quantity=8, started_at=early), admin_user, "300", "40")

    rows = selectors.variance_trend(tenant=tenant, days=3, today=date(2026, 3, 11))

    assert [row["day"] for row in rows] == [date(2026, 3, 9), date(2026, 3, 10), date(2026, 3, 11)]
    assert [row["runs"] for row in rows] == [0, 1, 1]
    assert rows[1]["average_variance_pct"] == D("0.0") and rows[2]["average_variance_pct"] == D("21.4")
    assert rows[0]["estimated_g"] is None


def test_an_empty_shop_shows_what_to_do(client_as, viewer_user, operator_user, tenant):
    viewer = page_html(client_as(viewer_user).get("/"))
    operator = page_html(client_as(operator_user).get("/"))

    for html in (viewer, operator):
        assert "Nothing is printing." in html and "No run completed lately." in html
        assert "No completed runs in the last 30 days." in html and "No spool is running low." in html
        assert 'id="variance-trend-chart"' not in html
    start = '<i aria-hidden="true" class="bi bi-plus-lg"></i> Start a job</a>'
    assert start in operator and start not in viewer                      # the action: operators only
    assert "Receive spool" in operator


def test_more_runs_in_progress_than_shown_link_to_all_of_them(viewer_client, make_run):
    for _ in range(10):
        make_run(quantity=1)

    response = viewer_client.get("/")

    assert len(response.context["in_progress"]) == 8 and response.context["in_progress_count"] == 10
    assert "All 10 in progress" in page_html(response)


def test_another_tenants_runs_stay_out_of_the_dashboard(client_as, other_admin, make_run, admin_user):
    running = make_run(quantity=4)
    done = _complete(make_run(quantity=8), admin_user, "240", "40")

    response = client_as(other_admin).get("/")
    html = page_html(response)

    assert running.run_number not in html and done.run_number not in html
    assert response.context["in_progress_count"] == 0 and response.context["trend"]["runs"] == 0


# Queries of the dashboard, pinned: session, user, memberships (3) + spool counts and grams, low
# spools, recent ledger rows (3) + runs in progress, their count, completed runs, the items of
# both (4) + the variance trend (1) + the onboarding steps, all done on this farm (1). (With no run
# at all the items query is skipped.)
DASHBOARD_QUERIES = 3 + 3 + 4 + 1 + 1


def test_the_dashboard_runs_the_same_queries_for_1_and_for_30_runs(viewer_client, make_run, admin_user, tenant,
                                                                    farm):
    now = timezone.now()
    _complete(make_run(quantity=1, started_at=now - timedelta(days=1)), admin_user, "30", "5")
    with CaptureQueriesContext(connection) as one:
        assert viewer_client.get("/").status_code == 200

    for n in range(29):
        run = make_run(quantity=1, started_at=now - timedelta(days=n % 20, hours=1))
        if n % 2:
            _complete(run, admin_user, "33", "5")
        receive_spool(tenant=tenant, by=admin_user, material=farm.pla, grams="100")
    with CaptureQueriesContext(connection) as many:
        response = viewer_client.get("/")
    assert response.context["in_progress_count"] == 15 and len(response.context["recent"]) == 8
    assert response.context["trend"]["runs"] == 15

    assert len(one) == len(many) == DASHBOARD_QUERIES, [q["sql"] for q in many.captured_queries]


def test_anonymous_is_sent_to_log_in(client):
    response = client.get("/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_trend_chart_colours_each_day_by_band_between_the_limits(viewer_client, make_run, admin_user):
    _complete(make_run(quantity=8, started_at=timezone.now() - timedelta(hours=3)), admin_user, "264", "44")  # +10 %

    response = viewer_client.get("/")
    chart = response.context["trend_chart"]

    assert chart["type"] == "line" and len(chart["labels"]) == 30
    assert chart["labels"][-1] == f"{timezone.localdate():%m-%d}" and chart["range"] == [-20.0, 20.0]
    assert chart["limits"] == [{"value": 10.0, "band": "over", "label": "+10 %"},
                               {"value": -10.0, "band": "under", "label": "−10 %"}]
    (series,) = chart["datasets"]
    assert series["data"][-1] == 10.0 and series["data"][:-1] == [None] * 29
    assert series["points"][-1] == {"band": "within", "title": timezone.localdate().isoformat(),
                                    "note": "1 run: 308 g of 280 g"}
    assert series["points"][0] == {"band": None, "title": series["points"][0]["title"], "note": None}
    html = page_html(response)
    assert 'data-chart="variance-trend-data"' in html and '"band": "within"' in html and "<script>" not in html
