"""The printer board: tokens made and revoked by managers, what each printer reports, usage no run
took; a fixed number of queries for any number of printers."""
from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from inventory.models import InventoryTransaction
from inventory.selectors import spool_drift
from printers import selectors, services
from printers.models import PrinterToken, UsageSession
from prodtrack.exceptions import ValidationError
from runs import services as run_services
from tests.factories import WorkstationFactory
from tests.support.pages import page_html

pytestmark = pytest.mark.django_db

# session, user, memberships (3) + printers with their latest session, live tokens, those sessions,
# in-progress runs with reported grams, usage no run took (5).
BOARD_QUERIES = 3 + 5


def test_a_manager_makes_an_address_shown_once_and_it_works(manager_client, client, farm):
    response = manager_client.post(f"/printers/{farm.printer.pk}/token/")

    html = page_html(response)
    assert response.status_code == 200 and 'id="new-token"' in html
    url = html.split('id="new-token-url">', 1)[1].split("<", 1)[0]
    assert url.startswith("http://testserver/spoolman/")
    assert client.get(f"{url}/api/v1/health").json() == {"status": "healthy"}
    again = page_html(manager_client.get("/printers/"))
    assert url not in again and "connected address" in again


def test_revoking_from_the_board_stops_the_address(manager_client, client, farm, admin_user):
    token_row, token = services.printer_token_create(workstation=farm.printer, by=admin_user)

    response = manager_client.post(f"/printers/tokens/{token_row.pk}/revoke/", follow=True)

    assert "token" in page_html(response) and "revoked" in page_html(response)
    assert client.get(f"/spoolman/{token}/api/v1/health").status_code == 404
    assert not PrinterToken.objects.filter(revoked_at__isnull=True).exists()


def test_operators_cannot_make_addresses(operator_client, farm):
    assert operator_client.post(f"/printers/{farm.printer.pk}/token/").status_code == 403
    assert not PrinterToken.objects.exists()


def test_the_board_shows_the_spool_the_run_and_usage_no_run_took(viewer_client, farm, admin_user, make_run):
    token_row, _ = services.printer_token_create(workstation=farm.printer, by=admin_user)
    run = make_run(quantity=4)
    services.spool_use(printer_token=token_row, spool_id=farm.pla_spool.pk, use_weight=12)
    services.spool_use(printer_token=token_row, spool_id=farm.petg_spool.pk, use_weight=3)

    html = page_html(viewer_client.get("/printers/"))

    row = html[html.index(f'id="printer-{farm.printer.pk}"'):]
    assert f"#{farm.petg_spool.pk} Jet Black PETG" in row and "reporting" in row
    assert run.run_number in row and "15.0 g reported so far" in row
    UsageSession.objects.update(run=None)
    services.usage_sessions_close_idle(now=UsageSession.objects.order_by("pk").last().last_report_at
                                       + services.IDLE_AFTER * 2)
    html = page_html(viewer_client.get("/printers/"))
    assert 'id="unattributed"' in html and "<strong>12.0 g</strong>" in html


def test_the_board_costs_the_same_queries_for_one_and_five_printers(viewer_client, tenant, farm, admin_user):
    token_row, _ = services.printer_token_create(workstation=farm.printer, by=admin_user)
    services.spool_use(printer_token=token_row, spool_id=farm.pla_spool.pk, use_weight=1)
    with CaptureQueriesContext(connection) as one:
        assert viewer_client.get("/printers/").status_code == 200
    for n in range(4):
        printer = WorkstationFactory(tenant=tenant, name=f"MK4 #{n + 2}", location=farm.room)
        token_row, _ = services.printer_token_create(workstation=printer, by=admin_user)
        services.spool_use(printer_token=token_row, spool_id=farm.pla_spool.pk, use_weight=1)
    with CaptureQueriesContext(connection) as five:
        response = viewer_client.get("/printers/")
    assert len(selectors.printer_board(tenant=tenant)[0]) == 5
    assert len(one) == len(five) == BOARD_QUERIES, [q["sql"][:100] for q in five.captured_queries]
    assert response.status_code == 200


def test_usage_no_run_took_can_be_given_to_a_run_started_since(operator_client, farm, admin_user, tenant):
    token_row, _ = services.printer_token_create(workstation=farm.printer, by=admin_user)
    services.spool_use(printer_token=token_row, spool_id=farm.pla_spool.pk, use_weight=30)
    session = UsageSession.objects.get()
    services.usage_session_close(session=session)
    run = run_services.production_run_create(
        tenant=tenant, by=admin_user, workstation=farm.printer,
        items=[run_services.ItemSpec(product=farm.stand, quantity=4)],
        materials=[run_services.MaterialSpec(spool=farm.pla_spool)])
    html = page_html(operator_client.get("/printers/"))
    assert f'action="/printers/usage/{session.pk}/attribute/"' in html and run.run_number in html

    response = operator_client.post(f"/printers/usage/{session.pk}/attribute/", {"run": run.pk}, follow=True)

    assert f"30.0 g reported by MK4 #1 now count for {run.run_number}." in page_html(response)
    run = run_services.production_run_complete(run=run, by=admin_user)
    farm.pla_spool.refresh_from_db()
    assert run.actual_weight_g == 30 and farm.pla_spool.current_weight_g == 970
    assert farm.pla_spool.reported_unposted_g == 0 and spool_drift(tenant=tenant) == []


def test_usage_goes_only_to_a_run_in_progress_on_its_spool(farm, admin_user, tenant, make_run):
    token_row, _ = services.printer_token_create(workstation=farm.printer, by=admin_user)
    services.spool_use(printer_token=token_row, spool_id=farm.pla_spool.pk, use_weight=5)
    session = services.usage_session_close(session=UsageSession.objects.get())
    other_spool_run = run_services.production_run_create(
        tenant=tenant, by=admin_user, workstation=farm.printer,
        items=[run_services.ItemSpec(product=farm.stand, quantity=4)],
        materials=[run_services.MaterialSpec(spool=farm.petg_spool)])

    with pytest.raises(ValidationError) as refused:
        services.usage_session_attribute(session=session, run=other_spool_run, by=admin_user)

    assert refused.value.fields == {"run": [f"choose a run in progress that prints with spool #{farm.pla_spool.pk}."]}
    session.refresh_from_db()
    assert session.run is None and not InventoryTransaction.objects.filter(reverses=session.transaction).exists()
