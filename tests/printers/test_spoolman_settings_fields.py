"""Spoolman's settings, extra fields and field-value renames as prodtrack serves them: settings are
the tenant's (its currency is ``Tenant.currency``), extra fields are defined in the settings and
their values flow through spools, filaments and vendors; a location merge moves stock in the
ledger. Every answer is checked against Spoolman's OpenAPI document."""
from __future__ import annotations

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from inventory import services as inventory_services
from inventory.models import InventoryTransaction, ItemType, Location, Manufacturer, Spool, StockBalance
from inventory.selectors import spool_drift
from printers.models import SpoolmanSetting
from prodtrack.models import Tenant
from tests.factories import LocationFactory, TenantFactory, receive_spool
from tests.support.spoolman import call

pytestmark = pytest.mark.django_db

FIELD = "/field/{entity_type}/{key}"
SETTING = "/setting/{key}"


@pytest.fixture
def client() -> APIClient:
    return APIClient()


def define(client, base: str, entity_type: str, key: str, status: int = 200, **field):
    """``POST /field/{entity_type}/{key}`` with ``field`` (ExtraFieldParameters)."""
    return call(client, "post", base, f"/field/{entity_type}/{key}", FIELD, status, body=field).json()


def setting_post(client, base: str, key: str, text, status: int = 200):
    """``POST /setting/{key}``: ``text`` (JSON text) sent as the JSON string Spoolman takes. The
    document lists no 400 for this path, though Spoolman answers one (``{"message"}``) for a value
    of the wrong type: that answer is checked here instead."""
    answer = call(client, "post", base, f"/setting/{key}", SETTING if status != 400 else None, status,
                  body=text).json()
    if status == 400:
        assert list(answer) == ["message"] and isinstance(answer["message"], str)
    return answer


def new_spool(client, base: str, farm, status: int = 200, **fields):
    return call(client, "post", base, "/spool", "/spool", status, body={"filament_id": farm.pla.pk, **fields}).json()


# --- extra fields -------------------------------------------------------------------------------------

def test_a_field_defined_then_used_on_a_spool_shows_in_the_spool_its_values_and_the_settings(
        client, printer_base, farm):
    fields = define(client, printer_base, "spool", "shelf", name="Shelf", field_type="text", order=2)
    assert fields == [{"name": "Shelf", "order": 2, "field_type": "text", "key": "shelf", "entity_type": "spool"}]
    define(client, printer_base, "spool", "dried", name="Dried", field_type="boolean", default_value="false")

    spool = new_spool(client, printer_base, farm, comment="Opened for the demo",
                      extra={"shelf": '"Shelf A"', "dried": "true"})

    assert (spool["comment"], spool["extra"]) == ("Opened for the demo", {"shelf": '"Shelf A"', "dried": "true"})
    again = call(client, "get", printer_base, f"/spool/{spool['id']}", "/spool/{spool_id}").json()
    assert (again["comment"], again["extra"]) == (spool["comment"], spool["extra"])
    assert call(client, "get", printer_base, "/field/spool/shelf/values", "/field/{entity_type}/{key}/values",
                ).json() == ["Shelf A"]
    listed = call(client, "get", printer_base, "/field/spool", "/field/{entity_type}").json()
    assert [field["key"] for field in listed] == ["shelf", "dried"]
    setting = call(client, "get", printer_base, "/setting/extra_fields_spool", SETTING).json()
    assert setting["is_set"] is True and '"shelf"' in setting["value"]
    assert call(client, "get", printer_base, "/setting/", "/setting/").json()["extra_fields_spool"] == setting


def test_patching_extra_merges_per_key_and_null_clears_a_value(client, printer_base, farm):
    define(client, printer_base, "spool", "shelf", name="Shelf", field_type="text")
    define(client, printer_base, "spool", "humidity", name="Humidity", field_type="float", unit="%")
    spool = new_spool(client, printer_base, farm, extra={"shelf": '"Shelf A"', "humidity": "31.5"})
    url = f"/spool/{spool['id']}"

    patched = call(client, "patch", printer_base, url, "/spool/{spool_id}", body={"extra": {"shelf": '"Shelf B"'}})
    assert patched.json()["extra"] == {"shelf": '"Shelf B"', "humidity": "31.5"}        # humidity kept
    cleared = call(client, "patch", printer_base, url, "/spool/{spool_id}",
                   body={"extra": {"humidity": None}, "comment": "Dry box 2"}).json()
    assert (cleared["extra"], cleared["comment"]) == ({"shelf": '"Shelf B"'}, "Dry box 2")
    assert Spool.objects.get(pk=spool["id"]).extra == {"shelf": '"Shelf B"'}


def test_extra_that_the_fields_refuse_is_spoolmans_400_and_writes_nothing(client, printer_base, farm):
    define(client, printer_base, "spool", "shelf", name="Shelf", field_type="text")
    spools = Spool.objects.count()

    unknown = new_spool(client, printer_base, farm, status=400, extra={"colour": '"red"'})
    not_text = call(client, "patch", printer_base, f"/spool/{farm.pla_spool.pk}", "/spool/{spool_id}", 400,
                    body={"extra": {"shelf": "12"}, "lot_nr": "L-9"}).json()
    not_json = new_spool(client, printer_base, farm, status=400, extra={"shelf": "Shelf A"})

    assert unknown == {"message": "Unknown extra field colour."}
    assert not_text == {"message": "Invalid extra field for key shelf: Value is not a string."}
    assert not_json == {"message": "Invalid extra field for key shelf: Value is not valid JSON."}
    farm.pla_spool.refresh_from_db()
    assert (Spool.objects.count(), farm.pla_spool.extra, farm.pla_spool.lot_number) == (spools, {}, "")


def test_filament_and_vendor_extras_are_kept_and_checked_against_their_own_fields(client, printer_base, farm):
    define(client, printer_base, "filament", "nozzle", name="Nozzle", field_type="integer_range", unit="°C")
    define(client, printer_base, "vendor", "website", name="Website", field_type="text")

    filament = call(client, "post", printer_base, "/filament", "/filament", body={
        "name": "PolyTerra", "density": 1.24, "diameter": 1.75, "weight": 1000, "extra": {"nozzle": "[190, 230]"}})
    vendor = call(client, "post", printer_base, "/vendor", "/vendor", body={
        "name": "Polymaker", "extra": {"website": '"https://polymaker.com"'}})
    wrong_entity = call(client, "post", printer_base, "/vendor", "/vendor", 400, body={
        "name": "Sunlu", "extra": {"nozzle": "[190, 230]"}})

    assert filament.json()["extra"] == {"nozzle": "[190, 230]"}
    assert ItemType.objects.get(pk=filament.json()["id"]).extra == {"nozzle": "[190, 230]"}
    assert vendor.json()["extra"] == {"website": '"https://polymaker.com"'}
    assert wrong_entity.json() == {"message": "Unknown extra field nozzle."}
    assert not Manufacturer.objects.filter(name="Sunlu").exists()


def test_deleting_a_field_removes_it_and_its_values_from_every_spool(client, printer_base, farm, tenant, admin_user):
    define(client, printer_base, "spool", "shelf", name="Shelf", field_type="text")
    define(client, printer_base, "spool", "owner", name="Owner", field_type="text")
    kept = new_spool(client, printer_base, farm, extra={"shelf": '"Shelf A"', "owner": '"Ana"'})
    archived = new_spool(client, printer_base, farm, extra={"shelf": '"Shelf B"'}, archived=True)

    left = call(client, "delete", printer_base, "/field/spool/shelf", FIELD).json()

    assert [field["key"] for field in left] == ["owner"]
    assert Spool.objects.get(pk=kept["id"]).extra == {"owner": '"Ana"'}
    assert Spool.objects.get(pk=archived["id"]).extra == {}                      # archived spools too
    gone = call(client, "delete", printer_base, "/field/spool/shelf", FIELD, 404).json()
    assert gone == {"message": "Extra field with key shelf does not exist for entity type spool"}
    assert call(client, "get", printer_base, "/field/spool/shelf/values", "/field/{entity_type}/{key}/values",
                404).json() == gone
    new_spool(client, printer_base, farm, status=400, extra={"shelf": '"Shelf C"'})    # no longer defined


def test_extra_field_rules_are_spoolmans(client, printer_base):
    no_choices = define(client, printer_base, "spool", "grade", 400, name="Grade", field_type="choice",
                        multi_choice=False)
    bad_default = define(client, printer_base, "spool", "count", 400, name="Count", field_type="integer",
                         default_value='"many"')
    define(client, printer_base, "spool", "grade", name="Grade", field_type="choice", choices=["A", "B"],
           multi_choice=False, default_value='"A"')
    retyped = define(client, printer_base, "spool", "grade", 400, name="Grade", field_type="text")
    shrunk = define(client, printer_base, "spool", "grade", 400, name="Grade", field_type="choice", choices=["A"],
                    multi_choice=False)
    grown = define(client, printer_base, "spool", "grade", name="Quality grade", field_type="choice",
                   choices=["A", "B", "C"], multi_choice=False)
    bad_key = call(client, "post", printer_base, "/field/spool/Grade!", FIELD, 422,
                   body={"name": "Grade", "field_type": "text"}).json()
    bad_entity = call(client, "get", printer_base, "/field/printer", "/field/{entity_type}", 422).json()

    assert no_choices == {"message": "Choices must be set for field type choice."}
    assert bad_default == {"message": "Default value is not valid: Value is not an integer."}
    assert retyped == {"message": "Field type cannot be changed."}
    assert shrunk == {"message": "Cannot remove existing choices."}
    assert grown == [{"name": "Quality grade", "order": 0, "field_type": "choice", "choices": ["A", "B", "C"],
                      "multi_choice": False, "key": "grade", "entity_type": "spool"}]   # nulls left out
    assert bad_key["detail"][0]["loc"] == ["path", "key"]
    assert bad_entity["detail"][0]["loc"] == ["path", "entity_type"]


# --- settings -----------------------------------------------------------------------------------------

def test_a_setting_round_trips_and_an_empty_body_or_null_resets_it(client, printer_base, tenant):
    assert setting_post(client, printer_base, "round_prices", "true") == {
        "value": "true", "is_set": True, "type": "boolean"}
    presets = setting_post(client, printer_base, "print_presets", '[{"name": "PLA fast"}]')
    assert presets == {"value": '[{"name": "PLA fast"}]', "is_set": True, "type": "array"}
    assert call(client, "get", printer_base, "/setting/round_prices", SETTING).json()["value"] == "true"

    assert setting_post(client, printer_base, "round_prices", "") == {
        "value": "false", "is_set": False, "type": "boolean"}
    assert setting_post(client, printer_base, "print_presets", "null")["is_set"] is False
    assert not SpoolmanSetting.objects.filter(tenant=tenant).exists()


def test_a_setting_of_the_wrong_type_or_unknown_is_refused_as_spoolman_does_and_writes_nothing(
        client, printer_base, tenant):
    wrong_type = setting_post(client, printer_base, "round_prices", '"yes"', status=400)
    not_json = setting_post(client, printer_base, "base_url", "https://farm", status=400)
    bad_fields = setting_post(client, printer_base, "extra_fields_spool", '[{"name": "Shelf"}]', status=400)
    unknown = setting_post(client, printer_base, "colour", '"red"', status=404)
    not_a_string = call(client, "post", printer_base, "/setting/round_prices", SETTING, 422, body=True).json()
    plain_text = client.post(f"{printer_base}/api/v1/setting/round_prices", "true", content_type="text/plain")

    assert wrong_type == {"message": "Setting round_prices must be a boolean."}
    assert not_json["message"].startswith("Expecting value")
    assert bad_fields["message"].startswith("Extra field at index 0 is not valid")
    assert unknown == {"message": "Setting colour does not exist."}
    assert not_a_string["detail"][0]["type"] == "string_type"
    assert plain_text.status_code == 415 and "application/json" in plain_text.json()["message"]
    assert not SpoolmanSetting.objects.filter(tenant=tenant).exists()


def test_the_currency_setting_is_the_tenants_currency(client, printer_base, tenant):
    assert setting_post(client, printer_base, "currency", '"usd"') == {
        "value": '"USD"', "is_set": True, "type": "string"}
    assert Tenant.objects.get(pk=tenant.pk).currency == "USD"

    refused = setting_post(client, printer_base, "currency", '"XYZ"', status=400)
    assert "ISO 4217" in refused["message"] and Tenant.objects.get(pk=tenant.pk).currency == "USD"

    assert setting_post(client, printer_base, "currency", "")["value"] == '"EUR"'       # Spoolman's default
    assert Tenant.objects.get(pk=tenant.pk).currency == "EUR"


def test_another_tenants_settings_and_fields_are_not_seen(client, printer_base, farm, admin_user):
    other = TenantFactory(currency="GBP")
    SpoolmanSetting.objects.create(tenant=other, key="round_prices", value=True)
    SpoolmanSetting.objects.create(tenant=other, key="extra_fields_spool", value=[
        {"name": "Shelf", "order": 0, "field_type": "text", "key": "shelf", "entity_type": "spool"}])
    theirs = receive_spool(tenant=other, by=admin_user)
    Spool.objects.filter(pk=theirs.pk).update(extra={"shelf": '"Their shelf"'})

    every = call(client, "get", printer_base, "/setting/", "/setting/").json()
    assert (every["round_prices"]["is_set"], every["currency"]["value"]) == (False, '"EUR"')
    assert call(client, "get", printer_base, "/field/spool", "/field/{entity_type}").json() == []
    call(client, "get", printer_base, "/field/spool/shelf/values", "/field/{entity_type}/{key}/values", 404)
    define(client, printer_base, "spool", "shelf", name="Shelf", field_type="text")
    assert call(client, "get", printer_base, "/field/spool/shelf/values").json() == []
    call(client, "delete", printer_base, "/field/spool/shelf", FIELD)
    assert Spool.objects.get(pk=theirs.pk).extra == {"shelf": '"Their shelf"'}         # theirs untouched


# --- renaming a value of a spool field ----------------------------------------------------------------

def rename(client, base: str, field: str, value: str, new_value: str, status: int = 200):
    return call(client, "patch", base, f"/spool/field/{field}", "/spool/field/{field}", status,
                body={"value": value, "new_value": new_value}).json()


def test_renaming_a_location_value_renames_the_location_with_its_archived_spools(
        client, printer_base, farm, tenant, admin_user):
    archived = receive_spool(tenant=tenant, by=admin_user, material=farm.pla, location=farm.room)
    inventory_services.spool_archive(spool=archived, by=admin_user)

    assert rename(client, printer_base, "location", "Print room", "Print room A") == {"spools_updated": 3}

    farm.room.refresh_from_db()
    assert farm.room.name == "Print room A"
    assert Spool.objects.get(pk=archived.pk).location == farm.room
    assert not InventoryTransaction.objects.filter(transaction_type="transfer").exists()   # nothing moved
    assert rename(client, printer_base, "location", "Nowhere", "Somewhere") == {"spools_updated": 0}


def test_renaming_onto_an_existing_location_moves_the_spools_and_their_stock(client, printer_base, farm, tenant):
    shelf = LocationFactory(tenant=tenant, name="Shelf A")
    call(client, "put", printer_base, f"/spool/{farm.pla_spool.pk}/use", "/spool/{spool_id}/use",
         body={"use_weight": 10})                                          # an open usage session: 10 g unposted

    assert rename(client, printer_base, "location", "Print room", "Shelf A") == {"spools_updated": 2}

    farm.pla_spool.refresh_from_db()
    assert (farm.pla_spool.location, farm.pla_spool.current_weight_g) == (shelf, Decimal("990.00"))
    balances = dict(StockBalance.objects.filter(item_type=farm.pla).values_list("location__name", "quantity"))
    assert balances == {"Print room": Decimal("0"), "Shelf A": Decimal("1000")}   # the ledger sum moved with it
    assert spool_drift(tenant=tenant) == []
    assert Location.objects.filter(pk=farm.room.pk).exists()                # the printer's room stays
    assert call(client, "get", printer_base, f"/spool/{farm.pla_spool.pk}").json()["location"] == "Shelf A"


def test_a_merge_that_would_move_an_archived_spools_grams_is_refused_and_moves_nothing(
        client, printer_base, farm, tenant, admin_user):
    LocationFactory(tenant=tenant, name="Shelf A")
    archived = receive_spool(tenant=tenant, by=admin_user, material=farm.pla, location=farm.room, grams="250")
    inventory_services.spool_archive(spool=archived, by=admin_user)

    refused = rename(client, printer_base, "location", "Print room", "Shelf A", status=400)

    assert f"Spool #{archived.pk} is archived and still holds 250 g" in refused["message"]
    assert set(Spool.objects.filter(tenant=tenant).values_list("location__name", flat=True)) == {"Print room"}
    assert not InventoryTransaction.objects.filter(transaction_type="transfer").exists()


def test_renaming_an_extra_value_changes_every_spool_holding_it(client, printer_base, farm):
    define(client, printer_base, "spool", "shelf", name="Shelf", field_type="text")
    define(client, printer_base, "spool", "tags", name="Tags", field_type="choice", choices=["a", "b"],
           multi_choice=True)
    first = new_spool(client, printer_base, farm, extra={"shelf": '"Shelf A"'})
    second = new_spool(client, printer_base, farm, extra={"shelf": '"Shelf A"'}, archived=True)
    other = new_spool(client, printer_base, farm, extra={"shelf": '"Shelf B"'})

    assert rename(client, printer_base, "extra.shelf", "Shelf A", "Shelf Ä") == {"spools_updated": 2}

    extras = {spool.pk: spool.extra["shelf"] for spool in Spool.objects.filter(extra__has_key="shelf")}
    assert extras == {first["id"]: '"Shelf Ä"', second["id"]: '"Shelf Ä"', other["id"]: '"Shelf B"'}
    assert call(client, "get", printer_base, "/field/spool/shelf/values").json() == ["Shelf B", "Shelf Ä"]
    assert rename(client, printer_base, "extra.tags", "a", "c", status=400)["message"] == (
        "Spool extra field 'tags' does not hold a single plain value. Only text and single-choice fields do.")
    assert rename(client, printer_base, "extra.bin", "a", "b", status=400) == {
        "message": "Unknown spool extra field 'bin'."}
    assert rename(client, printer_base, "lot_nr", "a", "b", status=400)["message"].startswith(
        "Cannot rename values of 'lot_nr'.")
    assert call(client, "patch", printer_base, "/spool/field/location", "/spool/field/{field}", 422,
                body={"value": "", "new_value": "b"}).json()["detail"][0]["loc"] == ["body", "value"]


# --- backup -------------------------------------------------------------------------------------------

def test_backup_answers_spoolmans_500_as_on_any_database_but_sqlite(client, printer_base):
    assert call(client, "post", printer_base, "/backup", "/backup", 500).json() == {
        "message": "Backup failed. See server logs for more information."}
