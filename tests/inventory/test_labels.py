"""Printable spool labels: one from the spool page, a sheet from the spool list (ticked spools or
the list's filters); each with a QR code of the spool's page, material, colour, weight and lot."""
from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from inventory.labels import qr_svg
from inventory.services import spool_archive
from tests.factories import MaterialFactory, receive_spool
from tests.support.pages import page_html


def _labels(html: str) -> list[str]:
    return html.split('class="spool-label"')[1:]


def test_a_spool_label_shows_a_qr_code_of_its_page_and_what_is_on_the_spool(client_as, viewer_user, tenant,
                                                                            admin_user):
    pla = MaterialFactory(tenant=tenant, name="Prusament PLA Galaxy Black", color_name="Galaxy Black",
                          color_hex="#3D3E3D")
    spool = receive_spool(tenant=tenant, by=admin_user, material=pla, grams="1000", lot_number="LOT-4711")

    response = client_as(viewer_user).get(f"/inventory/spools/{spool.pk}/label/")

    [label] = _labels(page_html(response))
    assert response.status_code == 200
    assert qr_svg(f"http://testserver/inventory/spools/{spool.pk}/") in label       # segno's SVG of the page's URL
    assert f"#{spool.pk}" in label and "Prusament PLA Galaxy Black" in label
    assert 'data-swatch="#3D3E3D"' in label and "Galaxy Black" in label
    assert "1,000 g filament" in label and "Lot LOT-4711" in label


def test_the_qr_code_is_svg_drawn_by_segno_without_a_style_attribute():
    svg = qr_svg("https://farm.example/inventory/spools/12/")

    assert svg.startswith("<svg") and 'class="label-qr"' in svg and "viewBox" in svg
    assert "style=" not in svg and "width=" not in svg.split(">")[0]       # the strict CSP; CSS sizes it


def test_the_spool_page_links_to_its_label_and_the_list_offers_sheets(client_as, viewer_user, tenant, admin_user):
    spool = receive_spool(tenant=tenant, by=admin_user)
    client = client_as(viewer_user)

    detail = page_html(client.get(f"/inventory/spools/{spool.pk}/"))
    listing = page_html(client.get("/inventory/spools/?status=active"))

    assert f'href="/inventory/spools/{spool.pk}/label/"' in detail
    assert f'name="id" value="{spool.pk}" form="label-pick"' in listing
    assert 'href="/inventory/spools/labels/?status=active"' in listing


def test_a_sheet_prints_the_ticked_spools_only(client_as, viewer_user, tenant, admin_user):
    first, second, third = (receive_spool(tenant=tenant, by=admin_user) for _ in range(3))

    html = page_html(client_as(viewer_user).get(f"/inventory/spools/labels/?id={third.pk}&id={first.pk}"))

    labels = _labels(html)
    assert [f"#{first.pk}" in labels[0], f"#{third.pk}" in labels[1]] == [True, True] and len(labels) == 2
    assert f"#{second.pk}</div>" not in html


def test_a_sheet_without_ticks_prints_what_the_filters_match(client_as, viewer_user, tenant, admin_user):
    active = receive_spool(tenant=tenant, by=admin_user)
    archived = spool_archive(spool=receive_spool(tenant=tenant, by=admin_user), by=admin_user)

    response = client_as(viewer_user).get("/inventory/spools/labels/?status=active")

    html = page_html(response)
    assert len(_labels(html)) == 1 and f"#{active.pk}</div>" in html and f"#{archived.pk}</div>" not in html
    assert 'href="/inventory/spools/?status=active"' in html                     # back to the same list


def test_a_sheet_stops_at_the_limit_and_says_so(client_as, viewer_user, tenant, admin_user, monkeypatch):
    monkeypatch.setattr("inventory.views.LABELS_MAX", 2)
    for _ in range(3):
        receive_spool(tenant=tenant, by=admin_user)

    html = page_html(client_as(viewer_user).get("/inventory/spools/labels/"))

    assert len(_labels(html)) == 2 and "the first 2 of the 3 spools" in html


def test_no_spool_matching_gives_an_empty_sheet_that_says_what_to_do(client_as, viewer_user):
    html = page_html(client_as(viewer_user).get("/inventory/spools/labels/?status=archived"))

    assert "No spools to label." in html and "data-print" not in html


def test_another_farms_spool_has_no_label(client_as, viewer_user, other_tenant, other_admin, tenant, admin_user):
    ours = receive_spool(tenant=tenant, by=admin_user)
    theirs = receive_spool(tenant=other_tenant, by=other_admin)
    client = client_as(viewer_user)

    assert client.get(f"/inventory/spools/{theirs.pk}/label/").status_code == 404
    assert client.get(f"/inventory/spools/labels/?id={ours.pk}&id={theirs.pk}").status_code == 404
    assert client.get("/inventory/spools/labels/?id=abc").status_code == 404
    assert f"#{theirs.pk}</div>" not in page_html(client.get("/inventory/spools/labels/"))


def test_a_viewer_gets_labels_with_no_button_but_print(client_as, viewer_user, tenant, admin_user):
    spool = receive_spool(tenant=tenant, by=admin_user)

    html = page_html(client_as(viewer_user).get(f"/inventory/spools/{spool.pk}/label/"))

    main = html.split('id="main"')[1].split("</main>")[0]
    assert "<form" not in main and main.count("<button") == 1 and "data-print" in main
    assert client_as(viewer_user).post(f"/inventory/spools/{spool.pk}/label/").status_code == 405


def test_a_sheet_runs_the_same_queries_for_1_and_for_many_spools(client_as, viewer_user, tenant, admin_user):
    client = client_as(viewer_user)
    receive_spool(tenant=tenant, by=admin_user)
    with CaptureQueriesContext(connection) as one:
        assert client.get("/inventory/spools/labels/").status_code == 200
    for _ in range(12):
        receive_spool(tenant=tenant, by=admin_user)
    with CaptureQueriesContext(connection) as many:
        response = client.get("/inventory/spools/labels/")

    assert len(_labels(page_html(response))) == 13
    assert len(one) == len(many), [q["sql"] for q in many.captured_queries]


def test_the_ticked_button_with_nothing_ticked_prints_nothing(client_as, viewer_user, tenant, admin_user):
    receive_spool(tenant=tenant, by=admin_user)

    html = page_html(client_as(viewer_user).get("/inventory/spools/labels/?ticked=1"))

    assert _labels(html) == [] and "No spool was ticked" in html
