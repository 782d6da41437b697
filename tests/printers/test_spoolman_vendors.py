"""Spoolman's vendors are the tenant's manufacturers: created, renamed and deleted through the API
as Spoolman does it, and the materials (prodtrack's item pages) follow."""
from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from inventory import services as inventory_services
from inventory.catalog import read_catalog
from inventory.models import ItemType, Manufacturer
from printers import services
from tests.factories import MaterialFactory, TenantFactory, WorkstationFactory
from tests.support.spoolman import call

pytestmark = pytest.mark.django_db


@pytest.fixture
def client() -> APIClient:
    return APIClient()


def test_a_vendor_is_created_listed_renamed_and_deleted_and_materials_follow(client, printer_base, farm, tenant):
    call(client, "post", printer_base, "/field/vendor/website", "/field/{entity_type}/{key}",
         body={"name": "Website", "field_type": "text"})
    created = call(client, "post", printer_base, "/vendor", "/vendor", body={
        "name": "Polymaker", "comment": "Ships fast", "empty_spool_weight": 140, "external_id": "polymaker",
        "extra": {"website": '"https://polymaker.com"'}}).json()
    assert {key: created[key] for key in ("name", "comment", "empty_spool_weight", "external_id", "extra")} == {
        "name": "Polymaker", "comment": "Ships fast", "empty_spool_weight": 140.0, "external_id": "polymaker",
        "extra": {"website": '"https://polymaker.com"'}}
    assert created["registered"].endswith("Z")

    taken = call(client, "post", printer_base, "/vendor", status=400, body={"name": "Polymaker"}).json()
    assert "already used" in taken["message"]

    # A filament of the new vendor is a material of that manufacturer on prodtrack's pages.
    filament = call(client, "post", printer_base, "/filament", "/filament", body={
        "name": "PolyTerra Charcoal", "vendor_id": created["id"], "material": "PLA", "density": 1.24,
        "diameter": 1.75, "weight": 1000}).json()
    assert ItemType.objects.get(pk=filament["id"]).manufacturer == "Polymaker"

    renamed = call(client, "patch", printer_base, f"/vendor/{created['id']}", "/vendor/{vendor_id}",
                   body={"name": "Polymaker Ltd", "extra": {"website": None}}).json()
    assert (renamed["id"], renamed["name"], renamed["extra"], renamed["comment"]) == (
        created["id"], "Polymaker Ltd", {}, "Ships fast")            # fields not given are kept
    assert ItemType.objects.get(pk=filament["id"]).manufacturer == "Polymaker Ltd"
    assert call(client, "get", printer_base, f"/filament/{filament['id']}").json()["vendor"]["name"] == "Polymaker Ltd"

    assert call(client, "delete", printer_base, f"/vendor/{created['id']}", "/vendor/{vendor_id}").json() == {
        "message": "Success!"}
    assert "vendor" not in call(client, "get", printer_base, f"/filament/{filament['id']}").json()
    assert ItemType.objects.get(pk=filament["id"]).manufacturer == ""
    assert call(client, "get", printer_base, f"/vendor/{created['id']}", status=404).json() == {
        "message": f"No vendor with ID {created['id']} found."}


def test_vendor_list_filters_sorts_and_pages(client, printer_base, tenant):
    for name in ("Eryone", "Elegoo", "Prusament", "Sunlu"):
        MaterialFactory(tenant=tenant, manufacturer=name)
    inventory_services.manufacturer_create(tenant_id=tenant.pk, name="Fiberlogy", external_id="fiberlogy")

    page = call(client, "get", printer_base, "/vendor", "/vendor", sort="name:desc", limit=2, offset=1)
    assert [row["name"] for row in page.json()] == ["Prusament", "Fiberlogy"]
    assert page["x-total-count"] == "5"
    found = call(client, "get", printer_base, "/vendor", "/vendor", name='e,"Sunlu"').json()
    assert {row["name"] for row in found} == {"Eryone", "Elegoo", "Fiberlogy", "Prusament", "Sunlu"}
    exact = call(client, "get", printer_base, "/vendor", "/vendor", name='"Sunlu"').json()
    assert [row["name"] for row in exact] == ["Sunlu"]
    assert [row["name"] for row in call(client, "get", printer_base, "/vendor", external_id="fiberlogy").json()] == [
        "Fiberlogy"]
    assert call(client, "get", printer_base, "/vendor", status=400, sort="colour:asc").json()["message"].startswith(
        "Invalid sort item")


def test_a_vendor_of_another_tenant_is_404_and_names_are_per_tenant(client, printer_base, tenant, admin_user):
    other = TenantFactory()
    theirs = inventory_services.manufacturer_create(tenant_id=other.pk, name="Polymaker")
    assert call(client, "get", printer_base, f"/vendor/{theirs.pk}", status=404).json() == {
        "message": f"No vendor with ID {theirs.pk} found."}
    call(client, "patch", printer_base, f"/vendor/{theirs.pk}", status=404, body={"name": "Mine now"})
    call(client, "delete", printer_base, f"/vendor/{theirs.pk}", status=404)
    call(client, "post", printer_base, "/vendor", "/vendor", body={"name": "Polymaker"})   # same name, own tenant
    assert Manufacturer.objects.get(pk=theirs.pk).name == "Polymaker"
    assert Manufacturer.objects.filter(name="Polymaker").count() == 2


def test_a_catalog_import_registers_its_manufacturers_once(tenant, admin_user):
    entries = read_catalog()[:200]
    inventory_services.item_type_catalog_import(tenant=tenant, entries=entries)
    inventory_services.item_type_catalog_import(tenant=tenant, entries=entries)
    assert set(Manufacturer.objects.filter(tenant=tenant).values_list("name", flat=True)) == {
        entry.manufacturer for entry in entries}


def test_vendor_input_errors_are_fastapi_422(client, printer_base):
    missing = call(client, "post", printer_base, "/vendor", "/vendor", status=422, body={"comment": "no name"}).json()
    assert missing["detail"][0]["loc"] == ["body", "name"]
    negative = call(client, "post", printer_base, "/vendor", status=422,
                    body={"name": "X", "empty_spool_weight": -1}).json()
    assert negative["detail"][0]["loc"] == ["body", "empty_spool_weight"]
    assert not Manufacturer.objects.filter(name="X").exists()


def test_a_revoked_token_cannot_reach_vendors(client, farm, admin_user):
    printer = WorkstationFactory(tenant=farm.printer.tenant, location=farm.printer.location)
    token_row, token = services.printer_token_create(workstation=printer, by=admin_user)
    services.printer_token_revoke(printer_token=token_row)
    response = client.post(f"/spoolman/{token}/api/v1/vendor", {"name": "Ghost"}, format="json")
    assert response.status_code == 404 and response.json() == {"detail": "Not Found"}
    assert not Manufacturer.objects.filter(name="Ghost").exists()
