"""POST /api/v1/gcode/estimates: a slicer file in, its estimate and the tenant's matching
materials and spools out (issue 7, point 2). The real files are the PrusaSlicer 2.5.0 fixtures
(tests/fixtures/gcode, values from its SOURCE.md)."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from slicing import MAX_FILE_BYTES
from tests.factories import LocationFactory, MaterialFactory, receive_spool

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "gcode"
URL = "/api/v1/gcode/estimates"
# From SOURCE.md: seconds of "estimated printing time (normal mode)", grams, mm, cm³, cost, layers.
EXPECTED = {
    "01_box_40mm_pla_0.20mm.gcode": (5360, 24.97, 8372.94, 20.14, 0.63, "PLA", 200, ("box.stl", 1)),
    "02_cylinder_60pct_petg_0.15mm.gcode": (1064, 2.29, 749.30, 1.80, 0.06, "PETG", 100, ("cylinder.stl", 1)),
    "03_torus_x4_petg_0.20mm.gcode": (2492, 7.46, 2441.83, 5.87, 0.21, "PETG", 28, ("torus.stl", 4)),
    "04_bunny_30pct_pla_0.15mm.gcode": (2308, 4.35, 1459.37, 3.51, 0.11, "PLA", 214, ("bunny.stl", 1)),
}


def upload(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, (FIXTURES / name).read_bytes(), content_type="application/octet-stream")


def multi_gcode(n: int) -> bytes:
    """A PrusaSlicer-style file with ``n`` filaments, alternating PLA (#FF8000) and PETG (#FFFFFF)."""
    kinds = ["PLA" if i % 2 == 0 else "PETG" for i in range(n)]
    colours = ["#FF8000" if i % 2 == 0 else "#FFFFFF" for i in range(n)]
    grams = [f"{i + 1}.50" for i in range(n)]
    return (";LAYER_CHANGE\n;Z:0.2\nG1 X10 Y10 E.5\n"
            f"; filament used [g] = {', '.join(grams)}\n"
            "; estimated printing time (normal mode) = 1h 2m 3s\n"
            "; prusaslicer_config = begin\n"
            f"; filament_type = {';'.join(kinds)}\n; filament_colour = {';'.join(colours)}\n"
            "; prusaslicer_config = end\n").encode()


@pytest.fixture
def operator(api_as, operator_user):
    return api_as(operator_user)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_real_file_answers_the_values_of_source_md(operator, name):
    seconds, grams, mm, cm3, cost, material, layers, (obj, copies) = EXPECTED[name]

    response = operator.post(URL, {"file": upload(name)}, format="multipart")

    assert response.status_code == 200, response.json()
    body = response.json()
    estimate = body["estimate"]
    assert body["file_name"] == name
    assert (estimate["slicer"], estimate["slicer_version"], estimate["print_time_s"]) == (
        "PrusaSlicer", "2.5.0", seconds)
    assert estimate["filaments"] == [{"index": 0, "grams": grams, "length_mm": mm, "volume_cm3": cm3, "cost": cost,
                                      "material": material, "colour": "#29B2B2",
                                      "settings_id": f"Generic {material}"}]
    assert (estimate["total_grams"], estimate["layer_count"], estimate["objects"]) == (
        grams, layers, [{"name": obj, "copies": copies}])
    assert body["filaments"] == [{"index": 0, "materials": [], "spools": []}]    # nothing in stock matches


def test_materials_of_the_filaments_type_come_with_the_same_colour_first(operator, tenant, admin_user):
    room = LocationFactory(tenant=tenant, name="Shelf A")
    teal = MaterialFactory(tenant=tenant, name="Zeta Teal PETG", material="PETG", color_hex="#29b2b2")
    black = MaterialFactory(tenant=tenant, name="Alpha Black PETG", material="petg", color_hex="#000000")
    MaterialFactory(tenant=tenant, name="Teal PLA", material="PLA", color_hex="#29B2B2")      # other type
    black_spool = receive_spool(tenant=tenant, by=admin_user, material=black, location=room, grams="800")
    small_teal = receive_spool(tenant=tenant, by=admin_user, material=teal, location=room, grams="5")
    full_teal = receive_spool(tenant=tenant, by=admin_user, material=teal, location=room, grams="900")

    body = operator.post(URL, {"file": upload("03_torus_x4_petg_0.20mm.gcode")}, format="multipart").json()

    match = body["filaments"][0]
    assert [(m["name"], m["colour_match"]) for m in match["materials"]] == [
        ("Zeta Teal PETG", True), ("Alpha Black PETG", False)]       # hex compared case-insensitively
    # The teal spools first (their material ranks first), the one holding the 7.46 g first.
    assert [s["id"] for s in match["spools"]] == [full_teal.pk, small_teal.pk, black_spool.pk]
    assert match["spools"][0]["location"] == {"id": room.pk, "name": "Shelf A"}


def test_several_filaments_each_get_their_materials(operator, tenant, admin_user):
    orange = MaterialFactory(tenant=tenant, name="Orange PLA", material="PLA", color_hex="#FF8000")
    white = MaterialFactory(tenant=tenant, name="White PETG", material="PETG", color_hex="#FFFFFF")

    body = operator.post(URL, {"file": SimpleUploadedFile("two.gcode", multi_gcode(2))}, format="multipart").json()

    assert [f["grams"] for f in body["estimate"]["filaments"]] == [1.5, 2.5]
    assert [[m["id"] for m in f["materials"]] for f in body["filaments"]] == [[orange.pk], [white.pk]]


def test_another_tenants_materials_and_spools_are_never_suggested(operator, tenant, other_tenant, other_admin):
    theirs = MaterialFactory(tenant=other_tenant, material="PETG", color_hex="#29B2B2")
    receive_spool(tenant=other_tenant, by=other_admin, material=theirs,
                  location=LocationFactory(tenant=other_tenant), grams="900")

    body = operator.post(URL, {"file": upload("03_torus_x4_petg_0.20mm.gcode")}, format="multipart").json()

    assert body["filaments"] == [{"index": 0, "materials": [], "spools": []}]


@pytest.mark.parametrize("content, rule", [
    (b"", "empty"),
    (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, "not_gcode"),
    (b"PK\x03\x04 not really a zip", "corrupt_zip"),
])
def test_a_file_the_parser_refuses_is_400_naming_file_and_the_rule(operator, content, rule):
    response = operator.post(URL, {"file": SimpleUploadedFile("bad.gcode", content)}, format="multipart")

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and body["extra"]["rule"] == rule
    assert list(body["extra"]["fields"]) == ["file"] and body["message"].startswith("file: ")


def test_a_missing_file_is_400_naming_file(operator):
    response = operator.post(URL, {}, format="multipart")

    assert response.status_code == 400 and "file" in response.json()["extra"]["fields"]


def test_a_body_over_the_parsers_limit_is_refused_before_it_is_read(operator):
    response = operator.post(URL, {"file": upload("01_box_40mm_pla_0.20mm.gcode")}, format="multipart",
                             CONTENT_LENGTH=str(MAX_FILE_BYTES + 10 * 2**20))

    assert response.status_code == 400
    assert response.json()["extra"] == {"fields": {"file": [response.json()["message"][6:]]}, "rule": "too_large"}


def test_a_plate_below_1_is_400(operator):
    assert operator.post(URL, {"file": upload("01_box_40mm_pla_0.20mm.gcode"), "plate": "0"},
                         format="multipart").status_code == 400


def test_a_viewer_is_refused(api_as, viewer_user):
    response = api_as(viewer_user).post(URL, {"file": upload("01_box_40mm_pla_0.20mm.gcode")}, format="multipart")

    assert response.status_code == 403


# Tenant resolution (1) + materials of the filaments' types (1) + their active spools (1).
GCODE_ESTIMATE_QUERIES = 3


@pytest.mark.parametrize("filaments, spools_each", [(1, 1), (6, 3)])
def test_query_count_does_not_grow_with_filaments_or_spools(operator, tenant, admin_user, filaments, spools_each,
                                                            django_assert_num_queries):
    room = LocationFactory(tenant=tenant)
    for kind, hex_ in (("PLA", "#FF8000"), ("PETG", "#FFFFFF")):
        for _ in range(3):
            material = MaterialFactory(tenant=tenant, material=kind, color_hex=hex_)
            for _ in range(spools_each):
                receive_spool(tenant=tenant, by=admin_user, material=material, location=room, grams="500")
    file = SimpleUploadedFile("many.gcode", multi_gcode(filaments))

    with django_assert_num_queries(GCODE_ESTIMATE_QUERIES):
        response = operator.post(URL, {"file": file}, format="multipart")

    assert response.status_code == 200
    assert len(response.json()["filaments"]) == filaments
    assert all(len(f["spools"]) == 3 * spools_each for f in response.json()["filaments"])
    assert Decimal(str(response.json()["estimate"]["filaments"][0]["grams"])) == Decimal("1.5")
