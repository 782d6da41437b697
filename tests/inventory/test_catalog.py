"""The SpoolmanDB catalog: parsing (pure, synthetic JSON) and importing the real shipped catalog."""
from __future__ import annotations

import json
import re
from dataclasses import replace
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from inventory.catalog import (
    DEFAULT_CATALOG_DIR,
    SKU_MAX_LENGTH,
    CatalogError,
    catalog_sku,
    parse_manufacturer,
    read_catalog,
)
from inventory.models import ItemType
from inventory.services import item_type_catalog_import, item_type_update
from prodtrack.exceptions import ValidationError
from tests.factories import ProductFactory

CATALOG_COLOURS = 2978
GALAXY_BLACK = "prusament_pla_galaxyblack_1000_175"


def line(**overrides):
    """One synthetic SpoolmanDB filament line (schema: filaments.schema.json)."""
    data = {"name": "{color_name}", "material": "PLA", "density": 1.24,
            "weights": [{"weight": 1000, "spool_weight": 193, "spool_type": "plastic"}],
            "diameters": [1.75], "colors": [{"name": "Galaxy Black", "hex": "3D3E3D"}]}
    return {**data, **overrides}


def parse(*lines, manufacturer="Prusament", densities=None):
    return list(parse_manufacturer({"manufacturer": manufacturer, "filaments": list(lines)}, densities=densities))


def write_catalog(root, files: dict[str, dict], materials: list | None = None):
    (root / "filaments").mkdir()
    for name, data in files.items():
        (root / "filaments" / name).write_text(json.dumps(data), encoding="utf-8")
    if materials is not None:
        (root / "materials.json").write_text(json.dumps(materials), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def catalog():
    """The real catalog shipped in inventory/data/spoolmandb, parsed once."""
    return read_catalog()


# --- parsing ----------------------------------------------------------------------------------

def test_each_colour_becomes_an_entry_named_by_manufacturer_material_and_colour():
    entries = parse(line(colors=[{"name": "Galaxy Black", "hex": "3D3E3D"}, {"name": "Jet Black", "hex": "0a0a0a"}]))

    assert [e.name for e in entries] == ["Prusament PLA Galaxy Black", "Prusament PLA Jet Black"]
    assert [e.catalog_id for e in entries] == ["prusament_pla_galaxyblack_1000_175", "prusament_pla_jetblack_1000_175"]
    first = entries[0]
    assert (first.manufacturer, first.material, first.color_name, first.color_hex) == (
        "Prusament", "PLA", "Galaxy Black", "#3D3E3D")
    assert (first.density_g_cm3, first.diameter_mm, first.net_weight_g, first.spool_weight_g) == (
        Decimal("1.240"), Decimal("1.75"), Decimal("1000.00"), Decimal("193.00"))
    assert entries[1].color_hex == "#0A0A0A"


def test_a_name_that_mentions_the_material_is_not_repeated():
    (entry,) = parse(line(name="PETG - {color_name}", material="PETG"), manufacturer="add:north")

    assert entry.name == "add:north PETG - Galaxy Black"
    assert entry.catalog_id == "addnorth_petg_petg-galaxyblack_1000_175"


def test_a_missing_spool_weight_is_null():
    (entry,) = parse(line(weights=[{"weight": 1000, "spool_type": "plastic"}]))

    assert entry.net_weight_g == Decimal("1000.00")
    assert entry.spool_weight_g is None


def test_a_multi_colour_filament_takes_its_first_hex():
    (entry,) = parse(line(colors=[{"name": "Blue Hawaii", "hexes": ["1E63BF", "2FBF71"],
                                   "multi_color_direction": "coaxial"}]))

    assert entry.color_hex == "#1E63BF"


def test_an_eight_digit_hex_keeps_its_colour_and_drops_the_alpha():
    (entry,) = parse(line(colors=[{"name": "Clear", "hex": "ffffff80"}]))

    assert entry.color_hex == "#FFFFFF"


def test_the_first_weight_is_used_and_1_75_mm_is_preferred():
    (entry,) = parse(line(weights=[{"weight": 750, "spool_weight": 207}, {"weight": 2300, "spool_weight": 600}],
                          diameters=[2.85, 1.75]))

    assert (entry.net_weight_g, entry.spool_weight_g, entry.diameter_mm) == (
        Decimal("750.00"), Decimal("207.00"), Decimal("1.75"))


def test_unknown_and_misspelt_keys_are_ignored():
    (entry,) = parse(line(**{"extruder_temp ": 215, "extruder_temp_Range": [200, 220], "sds_url": "x"}))

    assert entry.name == "Prusament PLA Galaxy Black"


def test_a_line_without_density_takes_the_default_of_its_material(tmp_path):
    no_density = {key: value for key, value in line(material="TPU-95A").items() if key != "density"}
    root = write_catalog(tmp_path, {"x.json": {"manufacturer": "Acme", "filaments": [no_density]}},
                         materials=[{"material": "Flexible (TPU)", "density": 1.21}])

    (entry,) = read_catalog(root)

    assert entry.density_g_cm3 == Decimal("1.210")


def test_lines_differing_only_by_weight_or_diameter_get_distinct_ids_skus_and_names(tmp_path):
    small = line(name="PETG - {color_name}", material="PETG", colors=[{"name": "Black", "hex": "000000"}],
                 weights=[{"weight": 750, "spool_weight": 207}])
    large = {**small, "weights": [{"weight": 2300, "spool_weight": 600}]}
    thick = {**small, "diameters": [2.85]}
    root = write_catalog(tmp_path, {"addnorth.json": {"manufacturer": "add:north", "filaments": [small, large, thick]}})

    entries = read_catalog(root)

    assert [e.catalog_id for e in entries] == ["addnorth_petg_petg-black_750_175", "addnorth_petg_petg-black_2300_175",
                                               "addnorth_petg_petg-black_750_285"]
    assert [e.name for e in entries] == ["add:north PETG - Black (750 g, 1.75 mm)",
                                         "add:north PETG - Black (2300 g, 1.75 mm)",
                                         "add:north PETG - Black (750 g, 2.85 mm)"]
    assert len({e.sku for e in entries}) == 3


def test_a_catalog_whose_ids_repeat_is_refused(tmp_path):
    root = write_catalog(tmp_path, {"a.json": {"manufacturer": "Acme", "filaments": [line(), line(finish="matte")]}})

    with pytest.raises(CatalogError, match="repeat"):
        read_catalog(root)


def test_a_directory_without_filaments_is_refused(tmp_path):
    with pytest.raises(CatalogError, match="no filaments/ directory"):
        read_catalog(tmp_path)


def test_invalid_json_names_the_file(tmp_path):
    root = write_catalog(tmp_path, {})
    (root / "filaments" / "broken.json").write_text("{", encoding="utf-8")

    with pytest.raises(CatalogError, match="broken.json is not valid JSON"):
        read_catalog(root)


def test_a_line_without_weights_names_the_file_and_line():
    with pytest.raises(CatalogError, match="catalog: filament 1: missing 'weights'"):
        parse({key: value for key, value in line().items() if key != "weights"})


def test_long_catalog_ids_get_short_distinct_skus():
    long_a, long_b = "polymaker_pla_" + "x" * 60 + "_a_1000_175", "polymaker_pla_" + "x" * 60 + "_b_1000_175"

    assert catalog_sku(GALAXY_BLACK) == "SM-PRUSAMENT_PLA_GALAXYBLACK_1000_175"
    assert len(catalog_sku(long_a)) == SKU_MAX_LENGTH
    assert catalog_sku(long_a) != catalog_sku(long_b)


def test_the_shipped_catalog_has_2978_distinct_colours(catalog):
    assert len(catalog) == CATALOG_COLOURS
    assert len({e.catalog_id for e in catalog}) == CATALOG_COLOURS
    assert len({e.sku for e in catalog}) == CATALOG_COLOURS
    assert len({e.name for e in catalog}) == CATALOG_COLOURS
    assert all(len(e.sku) <= SKU_MAX_LENGTH and len(e.catalog_id) <= 200 and len(e.name) <= 200 for e in catalog)
    assert (DEFAULT_CATALOG_DIR / "LICENSE").is_file() and (DEFAULT_CATALOG_DIR / "SOURCE.md").is_file()


# --- importing --------------------------------------------------------------------------------

def test_importing_the_real_catalog_creates_every_colour_as_a_material_of_the_tenant(catalog, tenant, other_tenant):
    result = item_type_catalog_import(tenant=tenant, entries=catalog)

    assert (result.created, result.updated, result.unchanged) == (CATALOG_COLOURS, 0, 0)
    materials = ItemType.objects.for_tenant(tenant)
    assert materials.filter(kind=ItemType.Kind.MATERIAL, unit=ItemType.Unit.GRAMS, unit_cost=0).count() == CATALOG_COLOURS
    assert materials.exclude(catalog_id="").values("catalog_id").distinct().count() == CATALOG_COLOURS
    assert not ItemType.objects.for_tenant(other_tenant).exists()


def test_prusament_galaxy_black_is_imported_with_its_catalog_values(catalog, tenant):
    item_type_catalog_import(tenant=tenant, entries=catalog)

    galaxy = ItemType.objects.for_tenant(tenant).get(catalog_id=GALAXY_BLACK)
    assert galaxy.name == "Prusament PLA Galaxy Black"
    assert (galaxy.manufacturer, galaxy.material, galaxy.color_name, galaxy.color_hex) == (
        "Prusament", "PLA", "Galaxy Black", "#3D3E3D")
    assert galaxy.density_g_cm3 == Decimal("1.24")
    assert galaxy.diameter_mm == Decimal("1.75")
    assert galaxy.net_weight_g == Decimal("1000")
    assert galaxy.spool_weight_g == Decimal("193")


def test_a_second_import_creates_nothing(catalog, tenant):
    item_type_catalog_import(tenant=tenant, entries=catalog)
    before = dict(ItemType.objects.for_tenant(tenant).values_list("catalog_id", "pk"))

    result = item_type_catalog_import(tenant=tenant, entries=catalog)

    assert (result.created, result.updated, result.unchanged) == (0, 0, CATALOG_COLOURS)
    assert dict(ItemType.objects.for_tenant(tenant).values_list("catalog_id", "pk")) == before


def test_a_changed_entry_is_updated_in_place_and_keeps_its_unit_cost(catalog, tenant):
    item_type_catalog_import(tenant=tenant, entries=catalog)
    galaxy = ItemType.objects.for_tenant(tenant).get(catalog_id=GALAXY_BLACK)
    item_type_update(item_type=galaxy, data={"unit_cost": Decimal("0.0300")})
    changed = [replace(e, color_hex="#3D3E3E", spool_weight_g=Decimal("190.00")) if e.catalog_id == GALAXY_BLACK
               else e for e in catalog]

    result = item_type_catalog_import(tenant=tenant, entries=changed)

    assert (result.created, result.updated, result.unchanged) == (0, 1, CATALOG_COLOURS - 1)
    updated = ItemType.objects.get(pk=galaxy.pk)
    assert (updated.color_hex, updated.spool_weight_g, updated.unit_cost) == (
        "#3D3E3E", Decimal("190.00"), Decimal("0.0300"))
    assert ItemType.objects.for_tenant(tenant).count() == CATALOG_COLOURS


def test_import_queries_do_not_grow_with_the_number_of_entries(catalog, tenant, other_tenant):
    def queries(target, entries):
        with CaptureQueriesContext(connection) as captured:
            item_type_catalog_import(tenant=target, entries=entries)
        return len(captured)

    assert queries(tenant, catalog[:5]) == queries(other_tenant, catalog[:50])
    assert queries(tenant, [replace(e, name=e.name + " v2") for e in catalog[:5]]) == \
        queries(other_tenant, [replace(e, name=e.name + " v2") for e in catalog[:50]])


def test_a_sku_taken_by_another_item_type_is_refused_and_nothing_is_written(catalog, tenant):
    galaxy = next(e for e in catalog if e.catalog_id == GALAXY_BLACK)
    ProductFactory(tenant=tenant, sku=galaxy.sku)

    with pytest.raises(ValidationError) as error:
        item_type_catalog_import(tenant=tenant, entries=catalog)

    assert "sku" in error.value.fields
    assert ItemType.objects.for_tenant(tenant).count() == 1


def test_an_invalid_entry_is_refused_naming_its_catalog_id(catalog, tenant):
    bad = replace(catalog[0], material="X" * 41)

    with pytest.raises(ValidationError, match=re.escape(catalog[0].catalog_id)) as error:
        item_type_catalog_import(tenant=tenant, entries=[bad, *catalog[1:]])

    assert "material" in error.value.fields
    assert not ItemType.objects.for_tenant(tenant).exists()


# --- the command ------------------------------------------------------------------------------

def test_the_command_imports_into_one_tenant_and_reports_counts(tenant, other_tenant):
    out = StringIO()

    call_command("import_filament_catalog", "--tenant", "acme", stdout=out)
    call_command("import_filament_catalog", "--tenant", "ACME", stdout=out)

    assert f"ACME: {CATALOG_COLOURS} created, 0 updated, 0 unchanged." in out.getvalue()
    assert f"ACME: 0 created, 0 updated, {CATALOG_COLOURS} unchanged." in out.getvalue()
    assert not ItemType.objects.for_tenant(other_tenant).exists()


def test_the_command_without_tenant_imports_into_every_tenant_and_names_them(tmp_path, tenant, other_tenant):
    root = write_catalog(tmp_path, {"p.json": {"manufacturer": "Prusament", "filaments": [line()]}})
    out = StringIO()

    call_command("import_filament_catalog", str(root), stdout=out)

    assert "importing into all 2 tenants: ACME, OTHER" in out.getvalue()
    assert ItemType.objects.filter(catalog_id=GALAXY_BLACK).count() == 2


def test_the_command_refuses_an_unknown_tenant(tenant):
    with pytest.raises(CommandError, match="Unknown tenant 'NOPE'"):
        call_command("import_filament_catalog", "--tenant", "NOPE", stdout=StringIO())


def test_the_command_refuses_a_path_that_is_not_a_catalog(tmp_path, tenant):
    with pytest.raises(CommandError, match="is not a SpoolmanDB catalog"):
        call_command("import_filament_catalog", str(tmp_path / "missing"), "--tenant", "ACME", stdout=StringIO())
