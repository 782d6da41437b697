"""The "Record as a run" dialog of the printer board: who sees and posts it, what a post writes, and
errors shown on the form."""
from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from inventory.models import InventoryTransaction
from printers import services
from printers.models import UsageSession
from runs.models import ProductionRun
from tests.factories import LocationFactory, MaterialFactory, ProductFactory, WorkstationFactory, receive_spool
from tests.support.pages import HTMX, page_html

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(farm, admin_user) -> UsageSession:
    """MK4 #1 reported 30 g of the PLA spool with no run, an hour ago, posted."""
    token_row, _ = services.printer_token_create(workstation=farm.printer, by=admin_user)
    services.spool_use(printer_token=token_row, spool_id=farm.pla_spool.pk, use_weight=Decimal("30"),
                       at=timezone.now() - timedelta(hours=1))
    return services.usage_session_close(session=UsageSession.objects.get())


def _post(farm, **fields) -> dict[str, str]:
    local = timezone.localtime
    session = UsageSession.objects.get()
    return {"lines": "1", "line-0-product": str(farm.stand.pk), "line-0-successful": "4", "line-0-failed": "0",
            "line-0-waste_reason": "", "started_at": f"{local(session.opened_at):%Y-%m-%dT%H:%M}",
            "completed_at": f"{local(session.last_report_at):%Y-%m-%dT%H:%M}", "notes": "", **fields}


def test_the_board_offers_operators_the_action_and_viewers_nothing(operator_client, viewer_client, session):
    url = f"/printers/usage/{session.pk}/record/"

    assert f'href="{url}"' in page_html(operator_client.get("/printers/"))
    html = page_html(viewer_client.get("/printers/"))
    assert 'id="unattributed"' in html and url not in html and 'id="record-modal"' not in html


def test_the_dialog_shows_the_printer_spool_and_grams(operator_client, session, farm):
    response = operator_client.get(f"/printers/usage/{session.pk}/record/", headers=HTMX)

    html = page_html(response)
    assert response.status_code == 200 and "<html" not in html
    facts = html[html.index('id="record-usage"'):]
    assert "MK4 #1" in facts and f"#{farm.pla_spool.pk} Galaxy Black PLA" in facts and "30.0 g" in facts
    assert 'name="line-0-product"' in html and "Phone stand" in html


def test_viewers_are_refused(viewer_client, session, farm):
    assert viewer_client.get(f"/printers/usage/{session.pk}/record/").status_code == 403
    assert viewer_client.post(f"/printers/usage/{session.pk}/record/", _post(farm)).status_code == 403
    assert not ProductionRun.objects.exists()


def test_another_tenants_usage_is_not_found(operator_client, other_tenant, other_admin):
    room = LocationFactory(tenant=other_tenant)
    printer = WorkstationFactory(tenant=other_tenant, location=room)
    spool = receive_spool(tenant=other_tenant, by=other_admin, material=MaterialFactory(tenant=other_tenant),
                          location=room, grams="1000")
    token_row, _ = services.printer_token_create(workstation=printer, by=other_admin)
    services.spool_use(printer_token=token_row, spool_id=spool.pk, use_weight=Decimal("5"))
    theirs = services.usage_session_close(session=UsageSession.objects.get())

    assert operator_client.get(f"/printers/usage/{theirs.pk}/record/").status_code == 404
    assert operator_client.post(f"/printers/usage/{theirs.pk}/record/", {"lines": "1"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.run is None


def test_another_tenants_product_is_not_found(operator_client, session, farm, other_tenant):
    theirs = ProductFactory(tenant=other_tenant, name="Their stand")

    response = operator_client.post(f"/printers/usage/{session.pk}/record/",
                                    _post(farm, **{"line-0-product": str(theirs.pk)}))

    assert response.status_code == 404 and not ProductionRun.objects.exists()


def test_recording_writes_the_completed_run_and_refreshes_the_board(operator_client, session, farm):
    response = operator_client.post(f"/printers/usage/{session.pk}/record/", _post(farm), headers=HTMX)

    run = ProductionRun.objects.get()
    html = page_html(response)
    assert response.status_code == 200 and "usage-recorded" in json.loads(response.headers["HX-Trigger"])
    assert f'href="/runs/{run.pk}/"' in html and f"recorded as <span class=\"text-nowrap\">{run.run_number}</span>" in html
    assert run.status == ProductionRun.Status.COMPLETED and run.actual_weight_g == 30
    session.refresh_from_db()
    assert session.run == run
    assert 'id="unattributed"' not in page_html(operator_client.get("/printers/"))
    detail = page_html(operator_client.get(f"/runs/{run.pk}/"))
    assert "reported by MK4 #1" in detail


def test_without_htmx_recording_goes_to_the_new_run(operator_client, session, farm):
    response = operator_client.post(f"/printers/usage/{session.pk}/record/", _post(farm), follow=True)

    run = ProductionRun.objects.get()
    assert response.redirect_chain == [(f"/runs/{run.pk}/", 302)]
    assert f"30.0 g reported by MK4 #1 recorded as {run.run_number}." in page_html(response)


def test_errors_show_on_the_form_and_keep_the_input(operator_client, session, farm):
    response = operator_client.post(f"/printers/usage/{session.pk}/record/", _post(
        farm, **{"line-0-successful": "3", "line-0-failed": "1"}), headers=HTMX)

    html = page_html(response)
    assert response.status_code == 400
    assert 'id="id_line-0-waste_reason_error"' in html and "say why the pieces failed." in html
    assert 'name="line-0-failed" value="1"' in html
    assert not ProductionRun.objects.exists() and not InventoryTransaction.objects.filter(
        reverses=session.transaction).exists()


def test_a_finish_before_the_start_shows_beside_the_field(operator_client, session, farm):
    response = operator_client.post(f"/printers/usage/{session.pk}/record/", _post(
        farm, completed_at="2020-01-01T10:00"), headers=HTMX)

    assert response.status_code == 400 and 'id="id_completed_at_error"' in page_html(response)
    assert not ProductionRun.objects.exists()


def test_usage_given_away_meanwhile_is_a_409_on_the_form(operator_client, session, farm, admin_user):
    services.usage_session_record_run(session=session, by=admin_user,
                                      items=[services.PrintedItem(product=farm.stand, successful=4)])

    response = operator_client.post(f"/printers/usage/{session.pk}/record/", _post(farm), headers=HTMX)

    assert response.status_code == 409 and "already count for" in page_html(response)
    assert ProductionRun.objects.count() == 1


def test_add_a_product_shows_another_line_and_saves_nothing(operator_client, session, farm):
    response = operator_client.post(f"/printers/usage/{session.pk}/record/", _post(farm, add_line="1"), headers=HTMX)

    html = page_html(response)
    assert response.status_code == 200 and 'name="line-1-product"' in html and 'name="lines" value="2"' in html
    assert f'<option value="{farm.stand.pk}" selected>' in html and 'name="line-0-successful" value="4"' in html
    assert not ProductionRun.objects.exists()


def test_add_a_product_before_choosing_one_judges_nothing_yet(operator_client, session, farm):
    response = operator_client.post(f"/printers/usage/{session.pk}/record/", _post(
        farm, add_line="1", **{"line-0-product": "", "notes": "SD card"}), headers=HTMX)

    html = page_html(response)
    assert response.status_code == 200 and 'name="line-1-product"' in html and "SD card</textarea>" in html
    assert "invalid-feedback" not in html and "Choose what was printed." not in html


def test_two_products_make_two_run_items(operator_client, session, farm, tenant):
    clip = ProductFactory(tenant=tenant, name="Cable clip")

    response = operator_client.post(f"/printers/usage/{session.pk}/record/", _post(farm, **{
        "lines": "3", "line-1-product": str(clip.pk), "line-1-successful": "10", "line-2-product": ""}), headers=HTMX)

    assert response.status_code == 200
    run = ProductionRun.objects.get()
    assert [(i.product.name, i.quantity) for i in run.items.order_by("pk")] == [("Phone stand", 4),
                                                                                ("Cable clip", 10)]
