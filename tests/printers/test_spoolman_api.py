"""prodtrack's Spoolman-compatible API, called as Moonraker and OctoPrint-Spoolman call it: answers in
Spoolman's shapes (validated against its OpenAPI document), its errors, its filters, and every
weight change in prodtrack's ledger."""
from __future__ import annotations

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from inventory.models import InventoryTransaction, Spool
from inventory.selectors import spool_drift
from printers import selectors, services
from printers.models import UsageSession
from printers.tasks import close_idle_usage_sessions
from prodtrack.celery import app
from runs import services as run_services
from tests.factories import MaterialFactory, receive_spool
from tests.support.pages import page_html
from tests.support.spoolman import call, openapi_check

pytestmark = pytest.mark.django_db


@pytest.fixture
def client() -> APIClient:
    """No login, no cookie, no header: Moonraker sends none."""
    return APIClient()


def get(client, base: str, path: str, template: str | None = None, status: int = 200, **params):
    return call(client, "get", base, path, template, status, **params)


def put(client, base: str, path: str, body: dict, template: str, status: int = 200):
    return call(client, "put", base, path, template, status, body).json()


# --- what Moonraker does ----------------------------------------------------------------------------

def test_moonraker_reads_its_spool_then_reports_length_and_the_grams_reach_the_ledger_once(
        client, printer_base, farm, tenant):
    spool = farm.pla_spool
    answer = get(client, printer_base, f"/spool/{spool.pk}", "/spool/{spool_id}").json()
    assert (answer["id"], answer["remaining_weight"], answer["used_weight"]) == (spool.pk, 1000.0, 0.0)
    assert answer["filament"]["name"] == "Galaxy Black PLA" and answer["location"] == "Print room"
    assert "first_used" not in answer and "comment" not in answer           # nulls are left out

    for _ in range(3):          # every 5 s: the length extruded since the last report, in mm
        answer = put(client, printer_base, f"/spool/{spool.pk}/use", {"use_length": 1000.0},
                     "/spool/{spool_id}/use")

    # 1000 mm of 1.75 mm PLA at 1.24 g/cm³ = 2.98 g (Spoolman's formula), three times.
    assert answer["remaining_weight"] == 1000 - 3 * 2.98 and answer["used_weight"] == pytest.approx(8.94)
    assert answer["first_used"].endswith("Z") and answer["last_used"].endswith("Z")
    session = UsageSession.objects.get()
    assert (session.grams, session.reports, session.closed_at) == (Decimal("8.94"), 3, None)
    spool.refresh_from_db()
    assert (spool.current_weight_g, spool.reported_unposted_g) == (Decimal("991.06"), Decimal("8.94"))
    assert spool_drift(tenant=tenant) == []                       # weight = ledger − open sessions

    services.usage_session_close(session=session)

    usage = InventoryTransaction.objects.get(spool=spool, transaction_type="usage")
    assert (usage.quantity, usage.reference_type, usage.created_by) == (Decimal("-8.94"), "usage_session", None)
    spool.refresh_from_db()
    assert (spool.current_weight_g, spool.reported_unposted_g) == (Decimal("991.06"), 0)
    assert spool_drift(tenant=tenant) == []


def test_a_spool_that_does_not_exist_is_404_with_spoolmans_message(client, printer_base, farm):
    for method, path in (("get", "/spool/999999"), ("put", "/spool/999999/use")):
        response = getattr(client, method)(f"{printer_base}/api/v1{path}", {"use_length": 5}, format="json")
        assert response.status_code == 404
        assert response.json() == {"message": "No spool with ID 999999 found."}
        openapi_check(method, "/spool/{spool_id}" if method == "get" else "/spool/{spool_id}/use", 404,
                      response.json())


def test_use_takes_exactly_one_amount_and_never_drives_the_spool_below_zero_or_above_full(client, printer_base,
                                                                                          farm):
    spool = farm.petg_spool
    both = client.put(f"{printer_base}/api/v1/spool/{spool.pk}/use", {"use_weight": 1, "use_length": 1},
                      format="json")
    neither = client.put(f"{printer_base}/api/v1/spool/{spool.pk}/use", {}, format="json")
    assert (both.status_code, both.json()) == (400, {"message": "Only specify either use_weight or use_length."})
    assert (neither.status_code, neither.json()) == (
        400, {"message": "Either use_weight or use_length must be specified."})

    assert put(client, printer_base, f"/spool/{spool.pk}/use", {"use_weight": 1500},
               "/spool/{spool_id}/use")["remaining_weight"] == 0.0
    refund = put(client, printer_base, f"/spool/{spool.pk}/use", {"use_weight": -2500}, "/spool/{spool_id}/use")
    assert (refund["remaining_weight"], refund["used_weight"]) == (1000.0, 0.0)


def test_the_printers_in_progress_run_on_the_spool_gets_the_session(client, printer_base, farm, make_run):
    run = make_run(quantity=4)

    put(client, printer_base, f"/spool/{farm.pla_spool.pk}/use", {"use_weight": 41.3}, "/spool/{spool_id}/use")

    assert UsageSession.objects.get().run == run


def test_changing_spools_posts_the_first_spools_session(client, printer_base, farm):
    put(client, printer_base, f"/spool/{farm.pla_spool.pk}/use", {"use_weight": 10}, "/spool/{spool_id}/use")
    put(client, printer_base, f"/spool/{farm.petg_spool.pk}/use", {"use_weight": 4}, "/spool/{spool_id}/use")

    closed, open_ = UsageSession.objects.order_by("pk")
    assert closed.closed_at is not None and closed.transaction.quantity == Decimal("-10.00")
    assert open_.closed_at is None and open_.spool == farm.petg_spool


def test_idle_sessions_are_posted_by_the_beat_job(client, printer_base, farm):
    put(client, printer_base, f"/spool/{farm.pla_spool.pk}/use", {"use_weight": 12.5}, "/spool/{spool_id}/use")
    session = UsageSession.objects.get()

    assert services.usage_sessions_close_idle(now=session.last_report_at + services.IDLE_AFTER / 2) == 0
    assert services.usage_sessions_close_idle(now=session.last_report_at + services.IDLE_AFTER * 2) == 1
    session.refresh_from_db()
    assert session.transaction.quantity == Decimal("-12.50")


# --- what OctoPrint-Spoolman and the frontends read ----------------------------------------------------

def test_octoprint_lists_the_spools_in_use_with_their_filament(client, printer_base, farm, tenant, admin_user):
    archived = receive_spool(tenant=tenant, by=admin_user, material=farm.pla, location=farm.room)
    archived.status = Spool.Status.ARCHIVED
    archived.save()

    response = get(client, printer_base, "/spool", "/spool")

    assert [row["id"] for row in response.json()] == [farm.pla_spool.pk, farm.petg_spool.pk]
    assert response["x-total-count"] == "2"
    everything = get(client, printer_base, "/spool", "/spool", allow_archived="true").json()
    assert {row["id"]: row["archived"] for row in everything}[archived.pk] is True


def test_the_lists_filter_sort_and_page_as_spoolman_does(client, printer_base, farm, tenant, admin_user):
    silk = MaterialFactory(tenant=tenant, name="Silk Gold PLA", material="PLA", manufacturer="Eryone")
    receive_spool(tenant=tenant, by=admin_user, material=silk, location=farm.room, lot_number="L-7")

    by_material = get(client, printer_base, "/spool", "/spool", **{"filament.material": "petg"}).json()
    exact = get(client, printer_base, "/spool", "/spool", **{"filament.name": '"Silk Gold PLA",nothing'}).json()
    page = get(client, printer_base, "/spool", "/spool", sort="remaining_weight:asc,id:desc", limit=1, offset=1)

    assert [row["filament"]["name"] for row in by_material] == ["Jet Black PETG"]
    assert [row["lot_nr"] for row in exact] == ["L-7"]
    assert exact[0]["filament"]["vendor"]["name"] == "Eryone"
    assert page["x-total-count"] == "3" and len(page.json()) == 1
    bad = client.get(f"{printer_base}/api/v1/spool", {"sort": "colour:asc"})
    assert bad.status_code == 400 and "Invalid sort item" in bad.json()["message"]
    ids = client.get(f"{printer_base}/api/v1/spool", {"filament.id": "1,x"})
    assert ids.status_code == 422 and ids.json()["detail"][0]["loc"] == ["query", "filament.id"]


def test_filaments_vendors_and_the_small_lists(client, printer_base, farm, tenant):
    MaterialFactory(tenant=tenant, name="Silk Gold PLA", material="PLA", manufacturer="Eryone")
    filaments = get(client, printer_base, "/filament", "/filament").json()
    vendors = get(client, printer_base, "/vendor", "/vendor").json()
    one = get(client, printer_base, f"/filament/{farm.pla.pk}", "/filament/{filament_id}").json()

    assert {row["name"] for row in filaments} == {"Galaxy Black PLA", "Jet Black PETG", "Silk Gold PLA"}
    assert "Eryone" in {row["name"] for row in vendors}
    assert get(client, printer_base, f"/vendor/{vendors[0]['id']}", "/vendor/{vendor_id}").json() == vendors[0]
    assert one["density"] > 0 and one["diameter"] > 0
    assert get(client, printer_base, "/location").json() == ["Print room"]
    assert "PETG" in get(client, printer_base, "/material").json()
    assert client.get(f"{printer_base}/api/v1/filament/999999").json() == {
        "message": "No filament with ID 999999 found."}
    assert get(client, printer_base, "/health", "/health").json() == {"status": "healthy"}
    openapi_check("get", "/info", 200, get(client, printer_base, "/info").json())


def test_measure_is_a_weigh_in_of_gross_minus_tare(client, printer_base, farm, tenant, admin_user):
    spool = receive_spool(tenant=tenant, by=admin_user, material=farm.pla, location=farm.room,
                          tare_weight_g=Decimal("250"))

    answer = put(client, printer_base, f"/spool/{spool.pk}/measure", {"weight": 1050}, "/spool/{spool_id}/measure")

    assert answer["remaining_weight"] == 800.0
    adjustment = InventoryTransaction.objects.get(spool=spool, transaction_type="adjustment")
    assert adjustment.quantity == Decimal("-200.00") and adjustment.created_by is None


def test_delete_archives_and_the_spool_is_gone_from_the_api(client, printer_base, farm):
    response = client.delete(f"{printer_base}/api/v1/spool/{farm.petg_spool.pk}")

    assert (response.status_code, response.json()) == (200, {"message": "Success!"})
    farm.petg_spool.refresh_from_db()
    assert farm.petg_spool.status == Spool.Status.ARCHIVED
    assert client.get(f"{printer_base}/api/v1/spool/{farm.petg_spool.pk}").status_code == 404


# --- tokens and tenants -------------------------------------------------------------------------------

def test_a_revoked_or_unknown_token_is_404_everywhere(client, printer_base, farm):
    token = selectors.printer_token_resolve(token=printer_base.rsplit("/", 1)[1])
    services.printer_token_revoke(printer_token=token)

    for path in ("/health", "/spool", f"/spool/{farm.pla_spool.pk}", "/info"):
        response = client.get(f"{printer_base}/api/v1{path}")
        assert (response.status_code, response.json()) == (404, {"detail": "Not Found"}), path
    assert client.get("/spoolman/not-a-token/api/v1/spool").status_code == 404
    assert client.put(f"{printer_base}/api/v1/spool/{farm.pla_spool.pk}/use", {"use_weight": 1},
                      format="json").status_code == 404


def test_a_token_sees_only_its_tenant(client, printer_base, farm, other_tenant, other_admin):
    theirs = receive_spool(tenant=other_tenant, by=other_admin)

    assert client.get(f"{printer_base}/api/v1/spool/{theirs.pk}").json() == {
        "message": f"No spool with ID {theirs.pk} found."}
    assert theirs.pk not in [row["id"] for row in client.get(f"{printer_base}/api/v1/spool").json()]
    assert client.put(f"{printer_base}/api/v1/spool/{theirs.pk}/use", {"use_weight": 5},
                      format="json").status_code == 404
    theirs.refresh_from_db()
    assert theirs.current_weight_g == theirs.initial_weight_g


def test_unknown_paths_and_bad_bodies_answer_like_fastapi(client, printer_base, farm):
    assert client.get(f"{printer_base}/api/v1/nothing/here").json() == {"detail": "Not Found"}
    bad = client.put(f"{printer_base}/api/v1/spool/{farm.pla_spool.pk}/measure", {"weight": "heavy"},
                     format="json")
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "weight"]
    openapi_check("put", "/spool/{spool_id}/measure", 422, bad.json())


def test_beat_posts_idle_sessions_every_minute(client, printer_base, farm):
    assert app.conf.beat_schedule["close-idle-usage-sessions"] == {
        "task": "printers.tasks.close_idle_usage_sessions", "schedule": 60.0}
    put(client, printer_base, f"/spool/{farm.pla_spool.pk}/use", {"use_weight": 3}, "/spool/{spool_id}/use")
    UsageSession.objects.update(last_report_at=UsageSession.objects.get().last_report_at - services.IDLE_AFTER * 2)

    assert close_idle_usage_sessions() == 1
    assert UsageSession.objects.get().transaction.quantity == Decimal("-3.00")


# --- the printer's run --------------------------------------------------------------------------------

@pytest.fixture
def pla_run(farm, tenant, admin_user):
    """An in-progress run of 4 phone stands on the printer, on the PLA spool only."""
    return run_services.production_run_create(
        tenant=tenant, by=admin_user, workstation=farm.printer,
        items=[run_services.ItemSpec(product=farm.stand, quantity=4)],
        materials=[run_services.MaterialSpec(spool=farm.pla_spool)])


def test_a_connected_printers_run_completes_with_the_reported_grams_and_one_ledger_row(
        client, printer_base, farm, tenant, admin_user, pla_run):
    for grams in (20.1, 21.2):
        put(client, printer_base, f"/spool/{farm.pla_spool.pk}/use", {"use_weight": grams}, "/spool/{spool_id}/use")
    material = pla_run.materials.get()
    material.refresh_from_db()
    assert (material.reported_g, material.reported_by) == (Decimal("41.30"), "MK4 #1")

    run = run_services.production_run_complete(run=pla_run, by=admin_user)          # nothing weighed

    material.refresh_from_db()
    assert (material.actual_weight_g, material.actual_purge_g, run.actual_weight_g) == (
        Decimal("41.30"), 0, Decimal("41.30"))
    rows = InventoryTransaction.objects.filter(spool=farm.pla_spool, transaction_type="usage")
    assert [(row.quantity, row.reference_type) for row in rows] == [(Decimal("-41.30"), "production_run")]
    farm.pla_spool.refresh_from_db()
    assert (farm.pla_spool.current_weight_g, farm.pla_spool.reported_unposted_g) == (Decimal("958.70"), 0)
    assert services.usage_sessions_close_idle(now=UsageSession.objects.get().last_report_at
                                              + services.IDLE_AFTER * 2) == 1
    assert UsageSession.objects.get().transaction is None          # the run posted its grams
    assert rows.count() == 1 and spool_drift(tenant=tenant) == []


def test_weighing_on_completion_wins_over_the_report(client, printer_base, farm, tenant, admin_user, pla_run):
    put(client, printer_base, f"/spool/{farm.pla_spool.pk}/use", {"use_weight": 41.3}, "/spool/{spool_id}/use")
    material = pla_run.materials.get()

    run_services.production_run_complete(run=pla_run, by=admin_user, materials=[
        run_services.MaterialActual(material_id=material.pk, actual_weight_g=Decimal("50"))])

    farm.pla_spool.refresh_from_db()
    assert farm.pla_spool.current_weight_g == Decimal("950.00") and spool_drift(tenant=tenant) == []


def test_a_run_cancelled_in_progress_leaves_the_reported_usage_to_its_session(client, printer_base, farm, tenant,
                                                                             admin_user, pla_run):
    put(client, printer_base, f"/spool/{farm.pla_spool.pk}/use", {"use_weight": 7}, "/spool/{spool_id}/use")
    run_services.production_run_cancel(run=pla_run, by=admin_user)

    put(client, printer_base, f"/spool/{farm.pla_spool.pk}/use", {"use_weight": 1}, "/spool/{spool_id}/use")

    first, second = UsageSession.objects.order_by("pk")
    assert (first.run, first.transaction.quantity) == (pla_run, Decimal("-7.00"))
    assert (second.run, second.closed_at, second.grams) == (None, None, Decimal("1.00"))
    assert spool_drift(tenant=tenant) == []


def test_the_complete_page_prefills_the_reported_grams(client, printer_base, farm, operator_client, pla_run):
    put(client, printer_base, f"/spool/{farm.pla_spool.pk}/use", {"use_weight": 41.3}, "/spool/{spool_id}/use")

    html = page_html(operator_client.get(f"/runs/{pla_run.pk}/complete/"))

    assert "Reported by MK4 #1: <strong>41.3 g</strong>" in html
    material = pla_run.materials.get()
    assert f'name="material-{material.pk}-actual_weight_g" value="41.30"' in html


def test_moonrakers_long_floats_are_taken(client, printer_base, farm):
    answer = put(client, printer_base, f"/spool/{farm.pla_spool.pk}/use", {"use_length": 1363.1202887763536},
                 "/spool/{spool_id}/use")

    assert answer["used_weight"] == 4.07          # π·0.875²·1363.12 mm³ × 1.24 g/cm³ = 4.066 g


# --- registering and changing spools ------------------------------------------------------------------

def test_a_spool_registered_through_the_api_is_a_receipt_then_a_weigh_in(client, printer_base, farm, tenant):
    response = client.post(f"{printer_base}/api/v1/spool", {
        "filament_id": farm.pla.pk, "initial_weight": 1000, "spool_weight": 210, "remaining_weight": 640,
        "price": 24.5, "location": "Shelf B", "lot_nr": "LOT-9"}, format="json")

    assert response.status_code == 200, response.content
    openapi_check("post", "/spool", 200, response.json())
    answer = response.json()
    assert (answer["remaining_weight"], answer["used_weight"], answer["location"], answer["lot_nr"]) == (
        640.0, 360.0, "Shelf B", "LOT-9")
    spool = Spool.objects.get(pk=answer["id"])
    rows = list(InventoryTransaction.objects.filter(spool=spool).order_by("pk").values_list(
        "transaction_type", "quantity"))
    assert rows == [("receipt", Decimal("1000.000")), ("adjustment", Decimal("-360.000"))]
    assert spool.location.name == "Shelf B" and spool.created_by is None and spool_drift(tenant=tenant) == []


def test_registering_refuses_two_weights_and_an_unknown_filament(client, printer_base, farm):
    both = client.post(f"{printer_base}/api/v1/spool", {"filament_id": farm.pla.pk, "remaining_weight": 1,
                                                         "used_weight": 1}, format="json")
    unknown = client.post(f"{printer_base}/api/v1/spool", {"filament_id": 999999}, format="json")
    missing = client.post(f"{printer_base}/api/v1/spool", {}, format="json")

    assert (both.status_code, both.json()) == (400, {"message": "Only specify either remaining_weight or used_weight."})
    assert (unknown.status_code, unknown.json()) == (404, {"message": "No filament with ID 999999 found."})
    assert missing.status_code == 422 and missing.json()["detail"][0]["loc"] == ["body", "filament_id"]


def test_patching_the_remaining_weight_is_an_adjustment_and_archiving_hides_it(client, printer_base, farm):
    url = f"{printer_base}/api/v1/spool/{farm.pla_spool.pk}"

    answer = client.patch(url, {"remaining_weight": 700, "lot_nr": "B-2", "price": 20}, format="json").json()

    openapi_check("patch", "/spool/{spool_id}", 200, answer)
    assert (answer["remaining_weight"], answer["lot_nr"], answer["price"]) == (700.0, "B-2", 20.0)
    assert InventoryTransaction.objects.get(spool=farm.pla_spool, transaction_type="adjustment").quantity == -300
    moved = client.patch(url, {"location": "Elsewhere"}, format="json").json()
    assert (moved["location"], moved["remaining_weight"]) == ("Elsewhere", 700.0)      # moved, its grams with it
    assert client.patch(url, {"archived": True}, format="json").json()["archived"] is True
    assert client.get(url).status_code == 404


def test_settings_give_the_tenants_currency_and_spoolmans_defaults(client, printer_base, tenant):
    tenant.currency = "USD"
    tenant.save()

    every = get(client, printer_base, "/setting/", "/setting/").json()
    currency = get(client, printer_base, "/setting/currency", "/setting/{key}").json()

    assert currency == {"value": '"USD"', "is_set": True, "type": "string"} == every["currency"]
    assert every["round_prices"] == {"value": "false", "is_set": False, "type": "boolean"}
    assert client.get(f"{printer_base}/api/v1/setting/colour").json() == {"message": "Setting colour does not exist."}
    assert get(client, printer_base, "/field/spool", "/field/{entity_type}").json() == []


# --- catalog, export, search, locations ---------------------------------------------------------------

def test_the_external_database_is_the_shipped_filament_catalog(client, printer_base):
    filaments = get(client, printer_base, "/external/filament", "/external/filament").json()
    found = get(client, printer_base, "/external/filament/search", "/external/filament/search",
                query="prusament galaxy").json()
    materials = get(client, printer_base, "/external/material", "/external/material").json()

    assert len(filaments) > 2000
    assert "prusament_pla_galaxyblack_1000_175" in {row["id"] for row in found}
    pla = next(row for row in materials if row["material"] == "PLA")
    assert 1.2 <= pla["density"] <= 1.3


def test_export_as_json_and_csv(client, printer_base, farm):
    as_json = get(client, printer_base, "/export/spools", fmt="json").json()
    as_csv = client.get(f"{printer_base}/api/v1/export/spools", {"fmt": "csv"})

    assert {row["id"] for row in as_json} == {farm.pla_spool.pk, farm.petg_spool.pk}
    header, *lines = as_csv.content.decode().splitlines()
    assert as_csv["Content-Type"].startswith("text/csv") and len(lines) == 2
    assert "filament.name" in header.split(",") and "remaining_weight" in header.split(",")
    assert client.get(f"{printer_base}/api/v1/export/spools", {"fmt": "xml"}).status_code == 422
    assert client.get(f"{printer_base}/api/v1/export/colours", {"fmt": "json"}).json() == {"detail": "Not Found"}


def test_search_finds_spools_filaments_and_vendors(client, printer_base, farm, tenant, admin_user):
    receive_spool(tenant=tenant, by=admin_user, material=farm.pla, location=farm.room, lot_number="GALAXY-7")

    results = get(client, printer_base, "/search", "/search", q="galaxy").json()

    assert [hit["match_field"] for hit in results["spools"]] == ["lot_nr"]
    assert [hit["filament"]["name"] for hit in results["filaments"]] == ["Galaxy Black PLA"]
    assert results["is_color_query"] is False


def test_renaming_a_location_renames_it_for_prodtrack(client, printer_base, farm):
    response = client.patch(f"{printer_base}/api/v1/location/Print room", {"name": "Farm floor"}, format="json")

    assert (response.status_code, response.json()) == (200, "Farm floor")
    farm.room.refresh_from_db()
    assert farm.room.name == "Farm floor"
    assert get(client, printer_base, f"/spool/{farm.pla_spool.pk}").json()["location"] == "Farm floor"


def test_filaments_are_created_changed_and_deleted_as_material_item_types(client, printer_base, farm):
    base = f"{printer_base}/api/v1/filament"
    created = client.post(base, {"name": "Matte Sage PLA", "material": "PLA", "density": 1.24, "diameter": 1.75,
                                 "weight": 1000, "spool_weight": 180, "price": 22.0, "color_hex": "8a9a5b"},
                          format="json")
    assert created.status_code == 200, created.content
    openapi_check("post", "/filament", 200, created.json())
    filament = created.json()
    assert (filament["color_hex"], filament["price"], filament["weight"]) == ("8A9A5B", 22.0, 1000.0)

    changed = client.patch(f"{base}/{filament['id']}", {"name": "Matte Sage PLA+", "price": 25}, format="json")
    assert changed.json()["name"] == "Matte Sage PLA+" and changed.json()["price"] == 25.0
    assert client.delete(f"{base}/{filament['id']}").json() == {"message": "Success!"}
    in_use = client.delete(f"{base}/{farm.pla.pk}")
    assert in_use.status_code == 403 and "is used by" in in_use.json()["message"]


def test_spools_group_by_filament_and_location_with_their_totals(client, printer_base, farm, tenant, admin_user):
    receive_spool(tenant=tenant, by=admin_user, material=farm.pla, location=farm.room, grams="500")
    put(client, printer_base, f"/spool/{farm.pla_spool.pk}/use", {"use_weight": 100}, "/spool/{spool_id}/use")

    by_filament = get(client, printer_base, "/spool/group", "/spool/group", group_by="filament").json()
    by_location = get(client, printer_base, "/spool/group", "/spool/group", group_by="location").json()

    pla = next(group for group in by_filament if group["key"] == str(farm.pla.pk))
    assert (pla["spool_count"], pla["in_use_count"], pla["total_remaining_weight"]) == (2, 1, 1400.0)
    assert pla["filament"]["name"] == "Galaxy Black PLA" and pla["last_used"].endswith("Z")
    assert by_location == [{"group_by": "location", "key": "Print room", "spool_count": 3, "in_use_count": 1,
                            "total_remaining_weight": 2400.0, "last_used": pla["last_used"]}]
    assert client.get(f"{printer_base}/api/v1/spool/group", {"group_by": "colour"}).status_code == 422


def test_a_report_into_an_open_session_is_one_statement(
        client, printer_base, farm, make_run, django_assert_num_queries):
    run = make_run(quantity=4)
    url = f"{printer_base}/api/v1/spool/{farm.pla_spool.pk}/use"
    client.put(url, {"use_length": 1000}, format="json")          # 2.98 g; opens the session (a transaction)

    with django_assert_num_queries(1):       # the fold, answering the spool as it now is
        answer = client.put(url, {"use_weight": 3}, format="json").json()
    with django_assert_num_queries(1):       # the material's density and diameter are in the cache
        by_length = client.put(url, {"use_length": 1000}, format="json").json()

    assert answer["remaining_weight"] == 994.02 and answer["filament"]["name"] == "Galaxy Black PLA"
    assert by_length["remaining_weight"] == 991.04 and by_length["location"] == "Print room"
    openapi_check("put", "/spool/{spool_id}/use", 200, by_length)
    session = UsageSession.objects.get()
    assert (session.grams, session.reports, session.run_id) == (Decimal("8.96"), 3, run.pk)
    assert run.materials.get(spool=farm.pla_spool).reported_g == Decimal("8.96")
    assert spool_drift(tenant=farm.printer.tenant) == []


def test_the_hand_written_spool_read_gives_what_the_orm_gives(farm):
    spool = farm.pla_spool
    spool.extra = {"shelf": '"A"'}
    spool.save(update_fields=["extra"])
    orm = Spool.objects.select_related("item_type", "location").get(pk=spool.pk)

    raw = selectors.spoolman_spool_get(tenant_id=spool.tenant_id, spool_id=spool.pk)

    for left, right in ((orm, raw), (orm.item_type, raw.item_type), (orm.location, raw.location)):
        for field in type(left)._meta.concrete_fields:
            mine, theirs = getattr(left, field.attname), getattr(right, field.attname)
            assert (theirs, type(theirs)) == (mine, type(mine)), field.attname
