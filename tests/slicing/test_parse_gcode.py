"""slicing.parse_gcode: slicer estimates from G-code and 3MF projects (issue 7, point 1).

Plain functions, no database. The real files are PrusaSlicer 2.5.0 output (tests/fixtures/gcode,
licence and provenance in its SOURCE.md, whose tables the first tests read); the other slicers'
conventions are small synthetic files written here after their real headers and footers.
"""
from __future__ import annotations

import ast
import dataclasses
import hashlib
import io
import json
import re
import sys
import zipfile
from pathlib import Path

import pytest

import slicing
from slicing import Filament, GcodeError, PrintedObject, files, parse_gcode

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "gcode"
REAL_FILES = sorted(p.name for p in FIXTURES.glob("*.gcode"))
MODELS = {"01_box_40mm_pla_0.20mm.gcode": ("box.stl", 1), "02_cylinder_60pct_petg_0.15mm.gcode": ("cylinder.stl", 1),
          "03_torus_x4_petg_0.20mm.gcode": ("torus.stl", 4), "04_bunny_30pct_pla_0.15mm.gcode": ("bunny.stl", 1)}


def _source_rows() -> dict[str, dict[str, str]]:
    """SOURCE.md's two tables under "Values in each file", merged per file: column → cell."""
    section = (FIXTURES / "SOURCE.md").read_text().split("## Values in each file", 1)[1]
    rows: dict[str, dict[str, str]] = {}
    header = None
    for line in section.splitlines():
        if not line.startswith("|"):
            header = None
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if header is None:
            header = cells
        elif not set(cells[0]) <= set("-: "):
            rows.setdefault(cells[0].strip("`"), {}).update(zip(header[1:], (c.strip("`") for c in cells[1:]), strict=False))
    return rows


SOURCE = _source_rows()


def _seconds(text: str) -> int:
    """``1h 29m 20s`` as SOURCE.md writes it, counted here independently of the parser."""
    units = {"d": 86400, "h": 3600, "m": 60, "s": 1}
    return sum(int(n) * units[u] for n, u in re.findall(r"(\d+)([dhms])", text))


def _error(source, **kwargs) -> GcodeError:
    with pytest.raises(GcodeError) as caught:
        parse_gcode(source, **kwargs)
    return caught.value


# --- the real files ----------------------------------------------------------------------------


def test_every_fixture_file_has_its_row_in_source_md_and_its_checksum():
    assert REAL_FILES == sorted(SOURCE) and len(REAL_FILES) == 4
    for name in REAL_FILES:
        assert hashlib.sha256((FIXTURES / name).read_bytes()).hexdigest() == SOURCE[name]["sha256"]


@pytest.mark.parametrize("name", REAL_FILES)
def test_real_file_parses_to_the_values_in_source_md(name):
    row = SOURCE[name]

    estimate = parse_gcode(FIXTURES / name)

    (filament,) = estimate.filaments
    assert estimate.print_time_s == _seconds(row["estimated printing time (normal mode)"])
    assert estimate.print_time_silent_s == _seconds(row["silent-mode time"])
    assert f"{filament.grams:.2f}" == row["filament used [g]"]
    assert f"{filament.length_mm:.2f}" == row["filament used [mm]"]
    assert f"{filament.volume_cm3:.2f}" == row["filament used [cm3]"]
    assert f"{filament.cost:.2f}" == row["filament cost"]
    assert f"{estimate.total_grams:.2f}" == row["total filament used [g]"]
    assert f"{estimate.total_cost:.2f}" == row["total filament cost"]
    assert estimate.layer_count == int(row["layers (`;LAYER_CHANGE`)"])
    assert estimate.file_size == estimate.gcode_size == int(row["size (bytes)"])
    assert filament.settings_id == row["material"]                      # "Generic PLA"
    assert filament.material == row["material"].split()[-1]             # filament_type = PLA
    assert f"{estimate.layer_height_mm} mm" == row["layer height"]
    assert f"{estimate.infill_density_pct:.0f}% {estimate.infill_pattern}" == row["infill"]
    assert f"{estimate.max_z_mm:g} mm" == row["max Z"]


@pytest.mark.parametrize("name", REAL_FILES)
def test_real_file_names_its_slicer_object_copies_and_colour(name):
    estimate = parse_gcode(FIXTURES / name)

    assert (estimate.slicer, estimate.slicer_version) == ("PrusaSlicer", "2.5.0")
    assert estimate.objects == (PrintedObject(*MODELS[name]),)          # --duplicate 4 for the torus
    assert estimate.filaments[0].index == 0
    assert estimate.filaments[0].colour == "#29B2B2"                    # the config's default colour
    assert estimate.plate is None and estimate.notes == ()


@pytest.mark.parametrize("name", REAL_FILES)
def test_real_file_under_two_mib_is_read_once_and_whole(name):
    data = (FIXTURES / name).read_bytes()
    upload = CountingReader(io.BytesIO(data))

    estimate = parse_gcode(upload)

    assert estimate.whole_gcode_read and estimate.gcode_bytes_read == len(data)
    assert upload.bytes_read == len(data) + 4                           # + the 4-byte format sniff
    assert estimate == parse_gcode(FIXTURES / name)


def test_real_file_read_at_head_and_tail_only_keeps_what_those_parts_prove(monkeypatch):
    monkeypatch.setattr(files, "HEAD_BYTES", 128 * 1024)    # given: a window smaller than the file
    monkeypatch.setattr(files, "TAIL_BYTES", 128 * 1024)

    estimate = parse_gcode(FIXTURES / "03_torus_x4_petg_0.20mm.gcode")

    assert not estimate.whole_gcode_read and estimate.gcode_bytes_read == 256 * 1024
    assert estimate.print_time_s == 2492 and estimate.filaments[0].grams == 7.46     # summary: tail
    assert estimate.objects == (PrintedObject("torus.stl", 4),)  # first layer in head, by layer
    assert estimate.max_z_mm == 5.6                              # last ;Z: in the tail
    assert estimate.layer_count is None                          # no count line: not guessed
    assert any("layer count" in note for note in estimate.notes)


def test_real_file_from_a_django_upload_parses_like_the_path():
    from django.core.files.uploadedfile import SimpleUploadedFile

    path = FIXTURES / "01_box_40mm_pla_0.20mm.gcode"
    upload = SimpleUploadedFile(path.name, path.read_bytes(), content_type="text/x-gcode")

    assert parse_gcode(upload) == parse_gcode(path)


def test_estimate_turns_into_json_with_asdict():
    estimate = parse_gcode(FIXTURES / "03_torus_x4_petg_0.20mm.gcode")

    data = json.loads(json.dumps(dataclasses.asdict(estimate)))

    assert data["filaments"][0] == {"index": 0, "grams": 7.46, "length_mm": 2441.83, "volume_cm3": 5.87,
                                    "cost": 0.21, "material": "PETG", "colour": "#29B2B2",
                                    "settings_id": "Generic PETG"}
    assert data["objects"] == [{"name": "torus.stl", "copies": 4}]
    assert data["print_time_s"] == 2492


def test_library_imports_nothing_but_the_standard_library_and_itself():
    modules = sorted(Path(slicing.__file__).parent.glob("*.py"))
    imported = set()
    for module in modules:
        tree = ast.parse(module.read_text())
        imported |= {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                     for alias in node.names}
        imported |= {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}

    assert len(modules) > 1 and "slicing" in imported
    assert imported - {"slicing"} <= set(sys.stdlib_module_names)


# --- synthetic files per slicer ----------------------------------------------------------------

PRUSA_MULTI = """\
; generated by PrusaSlicer 2.7.1+linux-x64-GTK3 on 2024-03-04 at 10:11:12 UTC

M73 P0 R1563
M107
;LAYER_CHANGE
;Z:0.2
;HEIGHT:0.2
; printing object Phone stand id:0 copy 0
G1 X10 Y10 E.5
; stop printing object Phone stand id:0 copy 0
; printing object Phone stand id:0 copy 1
G1 X50 Y10 E.5
; stop printing object Phone stand id:0 copy 1
; printing object Cable clip id:1 copy 0
T1
G1 X90 Y10 E.5
; stop printing object Cable clip id:1 copy 0
;LAYER_CHANGE
;Z:0.35
;HEIGHT:0.15
; printing object Phone stand id:0 copy 0
G1 X10 Y10 E.5
; stop printing object Phone stand id:0 copy 0
M73 P100 R0
; filament used [mm] = 559.12, 874.35
; filament used [cm3] = 1.34, 2.10
; filament used [g] = 1.68, 2.66
; filament cost = 0.04, 0.07
; total filament used [g] = 4.34
; total filament cost = 0.11
; total toolchanges = 3
; estimated printing time (normal mode) = 1d 2h 3m 4s
; estimated printing time (silent mode) = 1d 2h 10m 0s

; prusaslicer_config = begin
; complete_objects = 0
; fill_density = 15%
; fill_pattern = gyroid
; filament_colour = #FF8000;#FFFFFF
; filament_settings_id = "Prusament PLA";"Prusament PETG \\"Jet\\""
; filament_type = PLA;PETG
; layer_height = 0.15
; prusaslicer_config = end
"""


def test_prusaslicer_lists_one_value_per_extruder():
    estimate = parse_gcode(io.BytesIO(PRUSA_MULTI.encode()))

    assert estimate.filaments == (
        Filament(index=0, grams=1.68, length_mm=559.12, volume_cm3=1.34, cost=0.04, material="PLA",
                 colour="#FF8000", settings_id="Prusament PLA"),
        Filament(index=1, grams=2.66, length_mm=874.35, volume_cm3=2.10, cost=0.07, material="PETG",
                 colour="#FFFFFF", settings_id='Prusament PETG "Jet"'),
    )
    assert (estimate.total_grams, estimate.total_cost) == (4.34, 0.11)


def test_prusaslicer_time_with_days_and_the_rest_of_the_header():
    estimate = parse_gcode(io.BytesIO(PRUSA_MULTI.encode()))

    assert estimate.print_time_s == 1 * 86400 + 2 * 3600 + 3 * 60 + 4
    assert estimate.print_time_silent_s == 86400 + 2 * 3600 + 10 * 60
    assert (estimate.slicer, estimate.slicer_version) == ("PrusaSlicer", "2.7.1+linux-x64-GTK3")
    assert (estimate.layer_height_mm, estimate.layer_count, estimate.max_z_mm) == (0.15, 2, 0.35)
    assert (estimate.infill_density_pct, estimate.infill_pattern) == (15.0, "gyroid")
    assert estimate.objects == (PrintedObject("Phone stand", 2), PrintedObject("Cable clip", 1))


def test_prusaslicer_extruders_the_print_does_not_use_are_left_out():
    text = PRUSA_MULTI.replace("; filament used [g] = 1.68, 2.66", "; filament used [g] = 0.00, 2.66") \
        .replace("= 559.12, 874.35", "= 0.00, 874.35").replace("= 1.34, 2.10", "= 0.00, 2.10") \
        .replace("= 0.04, 0.07", "= 0.00, 0.07")

    estimate = parse_gcode(io.BytesIO(text.encode()))

    assert [(f.index, f.grams, f.material) for f in estimate.filaments] == [(1, 2.66, "PETG")]


SUPERSLICER = """\
; generated by SuperSlicer 2.5.59.2 on 2024-02-10 at 10:00:00 UTC
M73 P0 R13
G28
;LAYER_CHANGE
;Z:0.3
G1 X1 Y1 E1
; filament used [mm] = 1234.56
; filament used [cm3] = 2.97
; filament used [g] = 3.69
; filament cost = 0.07
; total filament used [g] = 3.69
; total filament cost = 0.07
; estimated printing time (normal mode) = 12m 40s

; SuperSlicer_config = begin
; filament_colour = #1E90FF
; filament_settings_id = "Generic ASA"
; filament_type = ASA
; layer_height = 0.3
; SuperSlicer_config = end
"""


def test_superslicer_header_and_footer():
    estimate = parse_gcode(io.BytesIO(SUPERSLICER.encode()))

    assert (estimate.slicer, estimate.slicer_version) == ("SuperSlicer", "2.5.59.2")
    assert estimate.print_time_s == 12 * 60 + 40
    assert estimate.filaments == (Filament(index=0, grams=3.69, length_mm=1234.56, volume_cm3=2.97, cost=0.07,
                                           material="ASA", colour="#1E90FF", settings_id="Generic ASA"),)
    assert (estimate.layer_height_mm, estimate.layer_count) == (0.3, 1)


ORCA = """\
; HEADER_BLOCK_START
; generated by OrcaSlicer 2.1.1 on 2024-08-02 at 09:12:44
; total layer number: 50
; filament_density: 1.24
; filament_diameter: 1.75
; max_z_height: 10.00
; HEADER_BLOCK_END

EXCLUDE_OBJECT_DEFINE NAME=Cube_id_0_copy_0 CENTER=100,100 POLYGON=[[90,90],[110,90],[110,110],[90,110]]
EXCLUDE_OBJECT_DEFINE NAME=Cube_id_0_copy_1 CENTER=130,100 POLYGON=[[120,90],[140,90],[140,110],[120,110]]
EXCLUDE_OBJECT_DEFINE NAME='Cable clip_id_1_copy_0' CENTER=160,100 POLYGON=[[150,90],[170,90],[170,110]]
M73 P0 R35
G28
;LAYER_CHANGE
;Z:0.2
EXCLUDE_OBJECT_START NAME=Cube_id_0_copy_0
G1 X95 Y95 E.4
EXCLUDE_OBJECT_END NAME=Cube_id_0_copy_0
M73 P100 R0
; filament used [mm] = 1340.50
; filament used [cm3] = 3.22
; filament used [g] = 4.00
; filament cost = 0.08
; total filament used [g] = 4.00
; total filament cost = 0.08
; total layers count = 50
; estimated printing time (normal mode) = 34m 54s
; estimated first layer printing time (normal mode) = 1m 5s

; CONFIG_BLOCK_START
; filament_colour = #FFFF00
; filament_settings_id = "Generic PLA @System"
; filament_type = PLA
; layer_height = 0.2
; print_sequence = by layer
; sparse_infill_density = 15%
; sparse_infill_pattern = crosshatch
; CONFIG_BLOCK_END
"""


def test_orcaslicer_header_block_footer_and_klipper_objects():
    estimate = parse_gcode(io.BytesIO(ORCA.encode()))

    assert (estimate.slicer, estimate.slicer_version) == ("OrcaSlicer", "2.1.1")
    assert estimate.print_time_s == 34 * 60 + 54                # not the first-layer time
    assert estimate.filaments == (Filament(index=0, grams=4.0, length_mm=1340.5, volume_cm3=3.22, cost=0.08,
                                           material="PLA", colour="#FFFF00", settings_id="Generic PLA @System"),)
    assert (estimate.layer_count, estimate.layer_height_mm, estimate.max_z_mm) == (50, 0.2, 10.0)
    assert (estimate.infill_density_pct, estimate.infill_pattern) == (15.0, "crosshatch")
    assert estimate.objects == (PrintedObject("Cube", 2), PrintedObject("Cable clip", 1))


BAMBU = """\
; HEADER_BLOCK_START
; BambuStudio 02.08.02.61
; model printing time: 1h 7m 26s; total estimated time: 1h 15m 52s
; total layer number: 25
; total filament length [mm] : 2941.14,435.56
; total filament volume [cm^3] : 7074.27,1047.64
; total filament weight [g] : 8.84,1.31
; model label id: 272,399
; filament_density: 1.25,1.27,1.25
; filament_diameter: 1.75,1.75,1.75
; max_z_height: 2.50
; filament: 1,3
; HEADER_BLOCK_END

; CONFIG_BLOCK_START
; filament_colour = #00AE42;#FFFFFF;#F72323
; filament_cost = 19.99,24.99,19.99
; filament_settings_id = "Bambu PLA Basic @BBL X1C";"Bambu PETG HF @BBL X1C";"Bambu PLA Matte @BBL X1C"
; filament_type = PLA;PETG;PLA
; layer_height = 0.1
; print_sequence = by layer
; sparse_infill_density = 15%
; sparse_infill_pattern = grid
; CONFIG_BLOCK_END

; EXECUTABLE_BLOCK_START
M73 P0 R75
; CHANGE_LAYER
; Z_HEIGHT: 0.2
; start printing object, unique label id: 272
G1 X10 Y10 E.5
; stop printing object, unique label id: 272
M73 P100 R0
; EXECUTABLE_BLOCK_END
"""


def test_bambu_studio_header_lists_are_per_used_filament_slot():
    estimate = parse_gcode(io.BytesIO(BAMBU.encode()))

    assert estimate.filaments == (           # "; filament: 1,3": slots 1 and 3 → indexes 0 and 2
        Filament(index=0, grams=8.84, length_mm=2941.14, volume_cm3=7.07427, material="PLA", colour="#00AE42",
                 settings_id="Bambu PLA Basic @BBL X1C"),
        Filament(index=2, grams=1.31, length_mm=435.56, volume_cm3=1.04764, material="PLA", colour="#F72323",
                 settings_id="Bambu PLA Matte @BBL X1C"),
    )
    assert estimate.total_grams == 10.15 and estimate.total_cost is None   # Bambu states no cost


def test_bambu_studio_total_time_layers_and_no_object_names():
    estimate = parse_gcode(io.BytesIO(BAMBU.encode()))

    assert (estimate.slicer, estimate.slicer_version) == ("Bambu Studio", "02.08.02.61")
    assert estimate.print_time_s == 1 * 3600 + 15 * 60 + 52          # total, not model-only time
    assert (estimate.layer_count, estimate.layer_height_mm, estimate.max_z_mm) == (25, 0.1, 2.5)
    assert estimate.objects is None                                   # label ids only, no names


def test_bambu_volume_that_matches_no_unit_is_left_unknown():
    text = BAMBU.replace("7074.27,1047.64", "99.00,1047.64")

    estimate = parse_gcode(io.BytesIO(text.encode()))

    assert [f.volume_cm3 for f in estimate.filaments] == [None, 1.04764]


CURA = """\
;FLAVOR:Marlin
;TIME:6737
;Filament used: 3.82368m
;Layer height: 0.2
;MINX:34.632
;MINY:28.359
;MINZ:0.2
;MAXX:72.806
;MAXY:95.027
;MAXZ:48
;Generated with Cura_SteamEngine 5.4.0
M140 S60
M190 S60
M82 ;absolute extrusion mode
G28 ;Home
G92 E0
;LAYER_COUNT:240
;LAYER:0
M107
;MESH:Phone stand.stl
G0 F6000 X54.433 Y34.879 Z0.2
;TYPE:SKIRT
G1 F1500 E0
;MESH:NONMESH
;TIME_ELAPSED:49.65
;LAYER:1
;MESH:Phone stand.stl(1)
G1 X55 Y35 E0.03
;TIME_ELAPSED:98.1
;End of Gcode
;SETTING_3 {"global_quality": "[general]\\\\nversion = 4\\\\nname = Draft"}
"""


def test_cura_metres_become_mm_and_grams_stay_unknown():
    estimate = parse_gcode(io.BytesIO(CURA.encode()))

    assert estimate.filaments == (Filament(index=0, length_mm=3823.68),)   # no grams, cost, material, colour
    assert estimate.total_grams is None and estimate.total_cost is None


def test_cura_header_time_layers_and_meshes():
    estimate = parse_gcode(io.BytesIO(CURA.encode()))

    assert (estimate.slicer, estimate.slicer_version) == ("Cura", "5.4.0")
    assert estimate.print_time_s == 6737
    assert (estimate.layer_height_mm, estimate.layer_count, estimate.max_z_mm) == (0.2, 240, 48.0)
    assert estimate.objects == (PrintedObject("Phone stand.stl", None), PrintedObject("Phone stand.stl(1)", None))
    assert estimate.infill_density_pct is None                             # only in ;SETTING_3: not read


def test_cura_dual_extrusion_and_grams_when_the_start_gcode_gives_them():
    text = CURA.replace(";Filament used: 3.82368m", ";Filament used: 1.5m, 0.25m\n"
                        ";Filament weight = [4.47, 0.75]\n;Filament type = PLA,PVA")

    estimate = parse_gcode(io.BytesIO(text.encode()))

    assert estimate.filaments == (Filament(index=0, grams=4.47, length_mm=1500.0, material="PLA"),
                                  Filament(index=1, grams=0.75, length_mm=250.0, material="PVA"))
    assert estimate.total_grams == 5.22


CURA_GRIFFIN = """\
;START_OF_HEADER
;HEADER_VERSION:0.1
;FLAVOR:Griffin
;GENERATOR.NAME:Cura_SteamEngine
;GENERATOR.VERSION:4.5.0
;GENERATOR.BUILD_DATE:2020-02-25
;TARGET_MACHINE.NAME:Ultimaker 3
;EXTRUDER_TRAIN.0.INITIAL_TEMPERATURE:235
;EXTRUDER_TRAIN.0.MATERIAL.VOLUME_USED:2911
;EXTRUDER_TRAIN.0.NOZZLE.DIAMETER:0.8
;PRINT.TIME:480
;PRINT.SIZE.MAX.Z:2.8
;END_OF_HEADER
;Generated with Cura_SteamEngine 4.5.0
T0
M82 ;absolute extrusion mode
;LAYER_COUNT:7
;LAYER:0
G1 X1 Y1 E1
"""


def test_cura_griffin_header_of_ultimaker_printers():
    estimate = parse_gcode(io.BytesIO(CURA_GRIFFIN.encode()))

    assert (estimate.slicer, estimate.slicer_version) == ("Cura", "4.5.0")
    assert estimate.print_time_s == 480
    assert estimate.filaments == (Filament(index=0, volume_cm3=2.911),)     # mm³ → cm³
    assert (estimate.layer_count, estimate.max_z_mm, estimate.layer_height_mm) == (7, 2.8, None)


BAMBU_OLD = """\
; HEADER_BLOCK_START
; BambuStudio 01.07.03.50
; model printing time: 3h 31m 41s; total estimated time: 3h 37m 27s
; total layer number: 1001
; model label id: 88
; HEADER_BLOCK_END

; CONFIG_BLOCK_START
; filament_colour = #FFFFFF
; filament_settings_id = "Bambu PLA Basic @BBL P1P"
; filament_type = PLA
; layer_height = 0.08
; CONFIG_BLOCK_END
M73 P0 R217
G28
"""


def test_one_configured_filament_without_stated_amounts_is_listed_with_unknown_amounts():
    estimate = parse_gcode(io.BytesIO(BAMBU_OLD.encode()))

    assert estimate.print_time_s == 3 * 3600 + 37 * 60 + 27
    assert estimate.filaments == (Filament(index=0, material="PLA", colour="#FFFFFF",
                                           settings_id="Bambu PLA Basic @BBL P1P"),)
    assert estimate.total_grams is None


def test_several_configured_filaments_without_stated_amounts_are_not_listed():
    text = BAMBU_OLD.replace("= #FFFFFF", "= #FFFFFF;#000000;#FF0000;#00FF00") \
        .replace("= PLA\n", "= PLA;PLA;PETG;PLA\n")

    estimate = parse_gcode(io.BytesIO(text.encode()))

    assert estimate.filaments == ()                          # which AMS slots print is not stated
    assert any("which are used is unknown" in note for note in estimate.notes)


@pytest.mark.parametrize("text", [CURA, PRUSA_MULTI, BAMBU], ids=["cura", "prusaslicer", "bambu"])
def test_windows_line_endings_parse_the_same(text):
    def values(data: str):
        estimate = parse_gcode(io.BytesIO(data.encode()))
        return dataclasses.replace(estimate, file_size=0, gcode_size=0, gcode_bytes_read=0)

    assert values(text.replace("\n", "\r\n")) == values(text)


def test_gcode_without_slicer_comments_is_all_unknown_never_guessed():
    estimate = parse_gcode(io.BytesIO(b"G28\nG1 Z0.2 F720\nG1 X60 Y10 E9 F1000\nM84\n"))

    assert estimate.slicer is None and estimate.print_time_s is None and estimate.filaments == ()
    assert estimate.layer_count is None and estimate.layer_height_mm is None and estimate.objects is None


# --- 3MF projects ------------------------------------------------------------------------------

SLICE_INFO = """\
<?xml version="1.0" encoding="UTF-8"?>
<config>
  <header>
    <header_item key="X-BBL-Client-Type" value="slicer"/>
    <header_item key="X-BBL-Client-Version" value="02.08.02.61"/>
  </header>
  <plate>
    <metadata key="index" value="1"/>
    <metadata key="prediction" value="4552"/>
    <metadata key="weight" value="10.15"/>
    <object identify_id="272" name="Phone stand" skipped="false" />
    <object identify_id="399" name="Phone stand" skipped="false" />
    <object identify_id="420" name="Cable clip" skipped="false" />
    <filament id="1" tray_info_idx="GFA00" type="PLA" color="#00AE42" used_m="2.94" used_g="8.84" />
    <filament id="3" tray_info_idx="GFA01" type="PLA" color="#F72323" used_m="0.44" used_g="1.31" />
  </plate>
  <plate>
    <metadata key="index" value="2"/>
    <metadata key="prediction" value="1810"/>
    <metadata key="weight" value="5.50"/>
    <object identify_id="511" name="Hook" skipped="false" />
    <object identify_id="512" name="Hook" skipped="true" />
    <filament id="2" tray_info_idx="GFG02" type="PETG" color="#FFFFFF" used_m="1.75" used_g="5.50" />
  </plate>
</config>
"""

PLATE_2 = BAMBU.replace("1h 7m 26s; total estimated time: 1h 15m 52s", "25m 1s; total estimated time: 30m 10s") \
    .replace("2941.14,435.56", "1753.31").replace("7074.27,1047.64", "4217.16").replace("8.84,1.31", "5.50") \
    .replace("; filament: 1,3", "; filament: 2").replace("; total layer number: 25", "; total layer number: 60")


def _project(plates: dict[int, str], *, slice_info: str | None = SLICE_INFO,
             compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("3D/3dmodel.model", "<model/>")
        for number, text in plates.items():
            zf.writestr(f"Metadata/plate_{number}.gcode", text)
            zf.writestr(f"Metadata/plate_{number}.gcode.md5", "0" * 32)
        if slice_info is not None:
            zf.writestr("Metadata/slice_info.config", slice_info)
    return buffer.getvalue()


def test_3mf_reads_plate_1_by_default_and_says_so():
    estimate = parse_gcode(io.BytesIO(_project({1: BAMBU, 2: PLATE_2})))

    assert (estimate.plate, estimate.plates) == (1, (1, 2))
    assert estimate.print_time_s == 4552 and estimate.layer_count == 25
    assert [(f.index, f.grams) for f in estimate.filaments] == [(0, 8.84), (2, 1.31)]
    assert estimate.objects == (PrintedObject("Phone stand", 2), PrintedObject("Cable clip", 1))
    assert "read plate 1 of the sliced plates 1, 2" in estimate.notes


def test_3mf_reads_the_plate_asked_for():
    estimate = parse_gcode(io.BytesIO(_project({1: BAMBU, 2: PLATE_2})), plate=2)

    assert estimate.plate == 2
    assert estimate.print_time_s == 30 * 60 + 10 and estimate.layer_count == 60
    assert estimate.filaments == (Filament(index=1, grams=5.5, length_mm=1753.31, volume_cm3=4.21716,
                                           material="PETG", colour="#FFFFFF", settings_id="Bambu PETG HF @BBL X1C"),)
    assert estimate.objects == (PrintedObject("Hook", 1),)                  # the skipped instance is not printed


def test_3mf_fills_what_the_plate_gcode_does_not_state_from_slice_info():
    old_header = "; HEADER_BLOCK_START\n; BambuStudio 01.07.03.50\n; total layer number: 25\n; HEADER_BLOCK_END\nG28\n"

    estimate = parse_gcode(io.BytesIO(_project({1: old_header})))

    assert estimate.print_time_s == 4552                                   # prediction
    assert estimate.filaments == (Filament(index=0, grams=8.84, length_mm=2940.0, material="PLA", colour="#00AE42"),
                                  Filament(index=2, grams=1.31, length_mm=440.0, material="PLA", colour="#F72323"))
    assert estimate.total_grams == 10.15                                   # weight


def test_3mf_without_plate_1_reads_its_lowest_sliced_plate():
    estimate = parse_gcode(io.BytesIO(_project({2: PLATE_2})))

    assert (estimate.plate, estimate.plates) == (2, (2,))
    assert "read plate 2 of the sliced plates 2" in estimate.notes


def test_3mf_plate_that_is_not_sliced_is_an_error_naming_the_sliced_ones():
    error = _error(io.BytesIO(_project({1: BAMBU, 2: PLATE_2})), plate=3)

    assert error.code == "plate_not_found" and "sliced plates: 1, 2" in error.message


def test_3mf_orca_plate_uses_its_footer_as_for_a_gcode_file(tmp_path):
    path = tmp_path / "stand.gcode.3mf"
    path.write_bytes(_project({1: ORCA}, slice_info=None))

    estimate = parse_gcode(path)

    assert (estimate.slicer, estimate.print_time_s, estimate.plate) == ("OrcaSlicer", 2094, 1)
    assert estimate.filaments[0].settings_id == "Generic PLA @System"


def _large_orca(body_bytes: int) -> str:
    head, _, foot = ORCA.partition("M73 P100 R0\n")
    return head + "G1 X110.512 Y97.31 E.04676\n" * (body_bytes // 27) + "M73 P100 R0\n" + foot


def test_3mf_large_stored_plate_is_read_at_head_and_tail_only():
    project = CountingReader(io.BytesIO(_project({1: _large_orca(8 * 2**20)}, compression=zipfile.ZIP_STORED)))

    estimate = parse_gcode(project)

    assert estimate.gcode_size > 8 * 2**20 and not estimate.whole_gcode_read
    assert project.bytes_read < files.HEAD_BYTES + files.TAIL_BYTES + 64 * 1024   # + zip directory, headers
    assert estimate.print_time_s == 2094 and estimate.filaments[0].cost == 0.08  # from the plate's tail


def test_3mf_compressed_plate_over_the_inflate_limit_skips_its_tail(monkeypatch):
    monkeypatch.setattr(files, "ZIP_INFLATE_LIMIT", 4 * 2**20)      # given: a plate larger than that
    project = _project({1: _large_orca(6 * 2**20)}, slice_info=SLICE_INFO)

    estimate = parse_gcode(io.BytesIO(project))

    assert estimate.gcode_bytes_read == files.HEAD_BYTES
    assert estimate.print_time_s == 4552                            # slice_info, the footer was not read
    assert estimate.filaments[0].cost is None and estimate.filaments[0].grams == 8.84
    assert any("was not read" in note for note in estimate.notes)


def test_3mf_compressed_plate_under_the_inflate_limit_reaches_its_tail():
    estimate = parse_gcode(io.BytesIO(_project({1: _large_orca(6 * 2**20)}, slice_info=None)))

    assert not estimate.whole_gcode_read
    assert estimate.print_time_s == 2094 and estimate.filaments[0].cost == 0.08


# --- bounded reading of large files ------------------------------------------------------------


class CountingReader(io.RawIOBase):
    """Wraps a binary file and counts the bytes read through it."""

    def __init__(self, raw):
        self.raw, self.bytes_read = raw, 0

    def readable(self):
        return True

    def seekable(self):
        return True

    def seek(self, offset, whence=io.SEEK_SET):
        return self.raw.seek(offset, whence)

    def tell(self):
        return self.raw.tell()

    def readinto(self, buffer):
        data = self.raw.read(len(buffer))
        buffer[:len(data)] = data
        self.bytes_read += len(data)
        return len(data)


class SyntheticGcode(io.RawIOBase):
    """``header`` + ``body_bytes`` of G1 moves + ``footer``, made on demand (a 100 MB file without
    100 MB in memory), counting the bytes handed out."""

    LINE = b"G1 X110.512 Y97.31 E.04676\n"

    def __init__(self, header: str, footer: str, body_bytes: int):
        self.header, self.footer = header.encode(), footer.encode()
        self.body = body_bytes - body_bytes % len(self.LINE)
        self.size = len(self.header) + self.body + len(self.footer)
        self.pos = self.bytes_read = 0

    def readable(self):
        return True

    def seekable(self):
        return True

    def tell(self):
        return self.pos

    def seek(self, offset, whence=io.SEEK_SET):
        self.pos = {io.SEEK_SET: 0, io.SEEK_CUR: self.pos, io.SEEK_END: self.size}[whence] + offset
        return self.pos

    def readinto(self, buffer):
        start, end = self.pos, min(self.pos + len(buffer), self.size)
        head_end, body_end, size = len(self.header), len(self.header) + self.body, len(self.LINE)
        data = bytearray(self.header[start:min(end, head_end)])
        if end > head_end and start < body_end:
            lo, hi = max(start, head_end) - head_end, min(end, body_end) - head_end
            first = lo // size
            data += (self.LINE * (-(-hi // size) - first))[lo - first * size:hi - first * size]
        if end > body_end:
            data += self.footer[max(start, body_end) - body_end:end - body_end]
        buffer[:len(data)] = data
        self.pos += len(data)
        self.bytes_read += len(data)
        return len(data)


PRUSA_HEAD, _, PRUSA_FOOT = PRUSA_MULTI.partition("M73 P100 R0\n")


def test_large_prusa_gcode_is_read_only_at_head_and_tail():
    upload = SyntheticGcode(PRUSA_HEAD, "M73 P100 R0\n" + PRUSA_FOOT, body_bytes=100 * 2**20)

    estimate = parse_gcode(upload)

    assert upload.size > 100 * 2**20
    assert upload.bytes_read == files.HEAD_BYTES + files.TAIL_BYTES + 4    # + the 4-byte sniff
    assert estimate.gcode_bytes_read == files.HEAD_BYTES + files.TAIL_BYTES and not estimate.whole_gcode_read
    assert estimate.print_time_s == 93784 and [f.grams for f in estimate.filaments] == [1.68, 2.66]
    assert estimate.layer_count is None                                    # no count line, middle unseen


def test_large_prusa_gcode_lists_objects_when_its_whole_first_layer_is_in_the_head():
    upload = SyntheticGcode(PRUSA_HEAD, "M73 P100 R0\n" + PRUSA_FOOT, body_bytes=20 * 2**20)

    estimate = parse_gcode(upload)                 # layer 1 ends in the head; complete_objects = 0

    assert estimate.objects == (PrintedObject("Phone stand", 2), PrintedObject("Cable clip", 1))


@pytest.mark.parametrize(("head", "foot"), [
    (PRUSA_HEAD.split(";LAYER_CHANGE\n;Z:0.35")[0], PRUSA_FOOT),             # layer 1 runs past the head
    (PRUSA_HEAD, PRUSA_FOOT.replace("complete_objects = 0", "complete_objects = 1")),  # object by object
], ids=["first-layer-not-in-head", "sequential-printing"])
def test_large_prusa_gcode_does_not_list_objects_it_cannot_prove_complete(head, foot):
    upload = SyntheticGcode(head, "M73 P100 R0\n" + foot, body_bytes=20 * 2**20)

    estimate = parse_gcode(upload)

    assert estimate.objects is None and any(note.startswith("objects:") for note in estimate.notes)


def test_large_gcode_with_an_objects_info_line_lists_its_objects():
    info = ('; objects_info = {"objects":[{"name":"Hook id:0 copy 0","polygon":[[1,1],[9,1],[9,9]]},'
            '{"name":"Hook id:0 copy 1","polygon":[[11,1],[19,1],[19,9]]},{"name":"Clip id:1 copy 0"}]}\n')
    head = PRUSA_HEAD.split(";LAYER_CHANGE\n;Z:0.35")[0]            # layer 1 runs past the head
    upload = SyntheticGcode(head.replace("M107\n", "M107\n" + info), "M73 P100 R0\n" + PRUSA_FOOT,
                            body_bytes=20 * 2**20)

    estimate = parse_gcode(upload)

    assert estimate.objects == (PrintedObject("Hook", 2), PrintedObject("Clip", 1))


def test_large_cura_gcode_takes_everything_from_its_head():
    upload = SyntheticGcode(CURA.partition(";TIME_ELAPSED:49.65\n")[0], ";End of Gcode\n", body_bytes=50 * 2**20)

    estimate = parse_gcode(upload)

    assert upload.bytes_read <= files.HEAD_BYTES + files.TAIL_BYTES + 4
    assert (estimate.print_time_s, estimate.layer_count) == (6737, 240)
    assert estimate.filaments == (Filament(index=0, length_mm=3823.68),) and estimate.objects is None


# --- bad input ---------------------------------------------------------------------------------


def test_empty_file_is_an_error(tmp_path):
    path = tmp_path / "empty.gcode"
    path.write_bytes(b"")

    assert _error(path).code == "empty"
    assert _error(io.BytesIO(b"")).code == "empty"


def test_binary_junk_is_not_gcode():
    error = _error(io.BytesIO(bytes(range(256)) * 64))

    assert error.code == "not_gcode" and "binary" in error.message


def test_text_without_gcode_commands_or_slicer_comments_is_not_gcode():
    error = _error(io.BytesIO(b"product,quantity\nphone stand,4\nhook,12\n"))

    assert error.code == "not_gcode" and "no G-code commands" in error.message


def test_binary_gcode_asks_for_plain_text():
    error = _error(io.BytesIO(b"GCDE\x01\x00\x00\x00" + bytes(200)))

    assert error.code == "binary_gcode" and ".bgcode" in error.message


def test_zip_without_a_plate_gcode_is_an_error():
    error = _error(io.BytesIO(_project({})))

    assert error.code == "no_plate" and "Metadata/plate_N.gcode" in error.message


def test_corrupt_zip_is_an_error():
    assert _error(io.BytesIO(b"PK\x03\x04" + bytes(300))).code == "corrupt_zip"
    project = _project({1: BAMBU})
    assert _error(io.BytesIO(project[: len(project) // 2])).code == "corrupt_zip"   # cut short


def test_damaged_plate_inside_a_zip_is_an_error():
    project = bytearray(_project({1: BAMBU * 20}, slice_info=None))
    start = project.index(b"Metadata/plate_1.gcode") + len("Metadata/plate_1.gcode")
    project[start + 40:start + 80] = bytes(40)                              # zero part of the deflated data

    assert _error(io.BytesIO(bytes(project))).code == "corrupt_zip"


def test_3mf_plate_that_is_not_gcode_is_an_error():
    error = _error(io.BytesIO(_project({1: "just some notes about the print\n"})))

    assert error.code == "not_gcode" and error.message.startswith("Plate 1's G-code")


def test_file_over_the_size_limit_is_refused_without_reading_it(tmp_path):
    path = tmp_path / "huge.gcode"
    with open(path, "wb") as f:
        f.truncate(files.MAX_FILE_BYTES + 1)                                # sparse: nothing written
    upload = SyntheticGcode(PRUSA_HEAD, PRUSA_FOOT, body_bytes=files.MAX_FILE_BYTES)

    assert _error(path).code == "too_large"
    assert _error(upload).code == "too_large" and upload.bytes_read == 0
    assert "the limit is 512 MB" in _error(upload).message


def test_plate_number_for_a_plain_gcode_or_below_1_is_an_error():
    assert _error(io.BytesIO(SUPERSLICER.encode()), plate=2).code == "plate_not_found"
    assert _error(io.BytesIO(_project({1: BAMBU})), plate=0).code == "plate_not_found"


def test_unseekable_upload_is_an_error():
    class Stream:
        def read(self, n=-1):
            return b"G28\n"

    assert _error(Stream()).code == "not_seekable"


def test_text_mode_file_is_a_programming_error():
    with pytest.raises(TypeError, match="binary"):
        parse_gcode(io.StringIO("G28\n"))
