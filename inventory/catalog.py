"""The SpoolmanDB filament catalog: read its files into one entry per (manufacturer, filament, colour).

Layout of a catalog directory (see ``data/spoolmandb/SOURCE.md``; the project ships a copy)::

    <root>/filaments/<manufacturer>.json   {"manufacturer": str, "filaments": [filament, …]}
    <root>/materials.json                  [{"material": str, "density": g/cm³, …}, …]
    <root>/filaments.schema.json           the JSON schema of a filament file

A filament line holds a ``name`` template containing ``{color_name}``, a ``material``, a
``density`` (g/cm³), ``weights`` (``[{"weight": net g, "spool_weight": tare g?}, …]``),
``diameters`` (mm) and ``colors`` (``[{"name", "hex": "RRGGBB[AA]"} | {"name", "hexes": […]}]``).
Each colour of a line becomes one ``CatalogEntry`` carrying the line's first weight and its
1.75 mm diameter when offered (else the first). Keys this module does not know — including the
misspelt ones found in the data (``"extruder_temp "``, ``"extruder_temp_Range"``) — are ignored.

Everything here is pure (files in, dataclasses out); ``inventory.services.item_type_catalog_import``
writes the entries as material item types of a tenant.
"""
from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, fields, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from inventory.errors import CatalogError

DEFAULT_CATALOG_DIR = Path(__file__).resolve().parent / "data" / "spoolmandb"
PREFERRED_DIAMETER_MM = Decimal("1.75")
COLOR_PLACEHOLDER = "{color_name}"
SKU_MAX_LENGTH = 48
_SKU_HASH_LENGTH = 8


@dataclass(frozen=True)
class CatalogEntry:
    """One importable catalog colour: the values of a material ``ItemType``.

    ``catalog_id`` is stable across catalog versions (see ``make_catalog_id``), e.g.
    ``prusament_pla_galaxyblack_1000_175``; ``name`` is readable, e.g. "Prusament PLA Galaxy
    Black", and unique within a catalog read by ``read_catalog``. Units: ``density_g_cm3`` in g/cm³ (3 decimals), ``diameter_mm`` in mm (2 decimals),
    ``net_weight_g`` (filament on a full spool) and ``spool_weight_g`` (empty spool, tare) in
    grams (2 decimals). ``spool_weight_g`` is None when the catalog does not give it;
    ``density_g_cm3`` is None only when neither the line nor ``materials.json`` gives one.
    ``color_hex`` is ``#RRGGBB`` (upper case) or ``""``.
    """

    catalog_id: str
    name: str
    manufacturer: str
    material: str
    color_name: str
    color_hex: str
    density_g_cm3: Decimal | None
    diameter_mm: Decimal
    net_weight_g: Decimal
    spool_weight_g: Decimal | None

    @property
    def sku(self) -> str:
        """The SKU an import gives a new item type (``catalog_sku``)."""
        return catalog_sku(self.catalog_id)


#: The ``ItemType`` fields an import writes (and rewrites when the catalog changes).
ITEM_TYPE_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(CatalogEntry) if f.name != "catalog_id")


# --- small pure helpers ----------------------------------------------------------------------

def to_decimal(value: Any, places: int) -> Decimal:
    """A JSON number as a Decimal rounded to ``places`` decimals (via ``str``: 1.24 → 1.24, not
    1.2399999…). Raises CatalogError for anything that is not a number."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise CatalogError(f"{value!r} is not a number.")
    try:
        return Decimal(str(value)).quantize(Decimal(1).scaleb(-places))
    except InvalidOperation as error:
        raise CatalogError(f"{value!r} is not a number.") from error


def _slug(text: str) -> str:
    """``"add:north"`` → ``"addnorth"``, ``"PETG - Black"`` → ``"petg-black"``: ASCII, lower
    case, no spaces, only letters, digits, ``+`` and ``-`` (like SpoolmanDB's ids)."""
    text = re.sub(r"[™®©]", "", text)
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9+\-]", "", ascii_text.lower())


def make_catalog_id(*, manufacturer: str, material: str, name: str, weight_g: Decimal,
                    diameter_mm: Decimal) -> str:
    """Stable id ``<manufacturer>_<material>_<name>_<net g>_<diameter ×100>``.

    ``name`` is the filament name with the colour filled in, so the id covers manufacturer,
    material, name, colour, weight and diameter — lines that differ only by spool size or
    diameter get distinct ids: ``addnorth_petg_petg-black_750_175`` vs ``…_2300_175``.
    """
    weight = f"{weight_g:.0f}"
    diameter = f"{diameter_mm:.2f}".replace(".", "")
    return "_".join([_slug(manufacturer), _slug(material), _slug(name), weight, diameter])


def catalog_sku(catalog_id: str) -> str:
    """A short SKU for a catalog item type: ``SM-`` + the upper-cased id, at most
    ``SKU_MAX_LENGTH`` characters; longer ids keep their head and end in 8 hex digits of
    their SHA-1, so distinct ids give distinct SKUs."""
    sku = f"SM-{catalog_id.upper()}"
    if len(sku) <= SKU_MAX_LENGTH:
        return sku
    digest = hashlib.sha1(catalog_id.encode()).hexdigest()[:_SKU_HASH_LENGTH].upper()
    return f"{sku[:SKU_MAX_LENGTH - _SKU_HASH_LENGTH - 1]}~{digest}"


def _mentions_material(name: str, material: str) -> bool:
    """True when a word of ``name`` is the base of ``material`` (``PC`` for ``PC-CF``), alone or
    followed by a grade number (``PA12`` mentions ``PA``)."""
    base = re.split(r"[-+]", material.upper(), maxsplit=1)[0]
    for word in re.findall(r"[A-Za-z0-9]+", name.upper()):
        if word == base or (word.startswith(base) and word[len(base):][:1].isdigit()):
            return True
    return False


def display_name(*, manufacturer: str, material: str, name: str) -> str:
    """A readable item name: ``"Prusament PLA Galaxy Black"``, ``"add:north PETG - Black"``.

    ``name`` is the filament name with the colour filled in. The manufacturer is prefixed
    (unless ``name`` already starts with it and names the material) and the material is inserted
    when ``name`` does not mention it.
    """
    if _mentions_material(name, material):
        parts = [name] if name.casefold().startswith(manufacturer.casefold()) else [manufacturer, name]
    else:
        parts = [manufacturer, material, name]
    return " ".join(" ".join(parts).split())


def color_hex(color: dict[str, Any]) -> str:
    """``#RRGGBB`` of a catalog colour: its ``hex``, or the first of its ``hexes`` (multi-colour
    filament); an alpha channel (``RRGGBBAA``) is dropped. ``""`` when there is none."""
    value = color.get("hex") or next(iter(color.get("hexes") or []), "")
    value = str(value).strip().lstrip("#")
    if not re.fullmatch(r"[0-9A-Fa-f]{6}([0-9A-Fa-f]{2})?", value):
        return ""
    return f"#{value[:6].upper()}"


def pick_diameter(diameters: Iterable[Any]) -> Decimal:
    """The diameter (mm) an entry stands for: 1.75 when offered, else the first listed."""
    values = [to_decimal(d, 2) for d in diameters]
    if not values:
        raise CatalogError("A filament line lists no diameters.")
    return PREFERRED_DIAMETER_MM if PREFERRED_DIAMETER_MM in values else values[0]


# --- materials.json: default densities ---------------------------------------------------------

def _material_keys(label: str) -> list[str]:
    """Lookup keys of a ``materials.json`` label: ``"Flexible (TPU)"`` → ``["FLEXIBLE (TPU)",
    "TPU"]``, ``"PC/ABS"`` → ``["PC/ABS", "PC+ABS"]``."""
    label = label.strip().upper()
    keys = [label, label.replace("/", "+")]
    keys += re.findall(r"\(([A-Z0-9+\-]+)[^)]*\)", label)
    return keys


def default_densities(materials: Iterable[dict[str, Any]]) -> dict[str, Decimal]:
    """``{MATERIAL KEY: density g/cm³}`` from the rows of ``materials.json``.

    Each row is reachable by its label and by the abbreviation in brackets, so that a filament
    of material ``TPU`` finds ``"Flexible (TPU)"``. The first row wins when keys repeat.
    """
    densities: dict[str, Decimal] = {}
    for row in materials:
        if row.get("density") is None or not row.get("material"):
            continue
        for key in _material_keys(row["material"]):
            densities.setdefault(key, to_decimal(row["density"], 3))
    return densities


def default_density(material: str, densities: dict[str, Decimal]) -> Decimal | None:
    """The density (g/cm³) ``materials.json`` gives ``material``: exact match first, then its
    base (``TPU-95A`` → ``TPU``, ``PETG-CF`` → ``PETG``); None when unknown."""
    material = material.strip().upper()
    base = re.split(r"[-+]", material, maxsplit=1)[0]
    return densities.get(material) or densities.get(base)


# --- filament files ------------------------------------------------------------------------------

def _require(data: dict[str, Any], key: str, where: str) -> Any:
    try:
        return data[key]
    except (KeyError, TypeError):
        raise CatalogError(f"{where}: missing {key!r}.") from None


def parse_manufacturer(data: dict[str, Any], *, densities: dict[str, Decimal] | None = None,
                       source: str = "catalog") -> Iterator[CatalogEntry]:
    """Entries of one manufacturer file (``{"manufacturer", "filaments": […]}``), one per colour.

    ``densities`` (from ``default_densities``) fills in a line without ``density``. ``source``
    names the file in error messages. Raises CatalogError for a missing required key.
    """
    manufacturer = str(_require(data, "manufacturer", source)).strip()
    for index, line in enumerate(_require(data, "filaments", source)):
        where = f"{source}: filament {index + 1}"
        template = str(_require(line, "name", where))
        material = str(_require(line, "material", where)).strip()
        density = (to_decimal(line["density"], 3) if line.get("density") is not None
                   else default_density(material, densities or {}))
        weights = _require(line, "weights", where)
        if not weights:
            raise CatalogError(f"{where}: lists no weights.")
        net_weight_g = to_decimal(_require(weights[0], "weight", where), 2)
        spool_weight = weights[0].get("spool_weight")
        spool_weight_g = to_decimal(spool_weight, 2) if spool_weight is not None else None
        diameter_mm = pick_diameter(_require(line, "diameters", where))
        for color in _require(line, "colors", where):
            color_name = str(_require(color, "name", where)).strip()
            if COLOR_PLACEHOLDER in template:
                name = template.replace(COLOR_PLACEHOLDER, color_name)
            else:
                name = f"{template} {color_name}"
            name = " ".join(name.split())
            yield CatalogEntry(
                catalog_id=make_catalog_id(manufacturer=manufacturer, material=material, name=name,
                                           weight_g=net_weight_g, diameter_mm=diameter_mm),
                name=display_name(manufacturer=manufacturer, material=material, name=name),
                manufacturer=manufacturer, material=material, color_name=color_name,
                color_hex=color_hex(color), density_g_cm3=density, diameter_mm=diameter_mm,
                net_weight_g=net_weight_g, spool_weight_g=spool_weight_g)


def _load_json(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as handle:
            return json.load(handle)
    except OSError as error:
        raise CatalogError(f"Cannot read {path}: {error.strerror or error}.", path=str(path)) from error
    except json.JSONDecodeError as error:
        raise CatalogError(f"{path} is not valid JSON: {error}.", path=str(path)) from error


def catalog_files(root: Path | str = DEFAULT_CATALOG_DIR) -> list[Path]:
    """The manufacturer files of a catalog directory, sorted by name.

    Raises CatalogError when ``root`` is not a directory with a non-empty ``filaments/``.
    """
    root = Path(root)
    folder = root / "filaments"
    if not folder.is_dir():
        raise CatalogError(f"{root} is not a SpoolmanDB catalog: no filaments/ directory.", path=str(root))
    files = sorted(folder.glob("*.json"))
    if not files:
        raise CatalogError(f"{folder} holds no *.json filament files.", path=str(root))
    return files


def check_unique(entries: Iterable[CatalogEntry]) -> None:
    """Raise CatalogError naming the repeated ids when two entries share a ``catalog_id``."""
    repeated = sorted(cid for cid, count in Counter(e.catalog_id for e in entries).items() if count > 1)
    if repeated:
        raise CatalogError(f"{len(repeated)} catalog ids repeat, e.g. {', '.join(repeated[:3])}.",
                           catalog_ids=repeated[:20])


def _size_label(entry: CatalogEntry, *, weight: bool, diameter: bool) -> str:
    parts = ([f"{entry.net_weight_g:.0f} g"] if weight else []) + ([f"{entry.diameter_mm} mm"] if diameter else [])
    return ", ".join(parts)


def disambiguate_names(entries: list[CatalogEntry]) -> list[CatalogEntry]:
    """Entries whose names repeat (lines differing only by spool size or diameter, e.g. add:north
    PETG Black 750 g / 2300 g) get the differing size appended: ``"Rosa3D ABS Black (2500 g)"``,
    ``"Protopasta PLA Opaque Black (2.85 mm)"``. Other entries are returned unchanged, in order."""
    groups: dict[str, list[int]] = defaultdict(list)
    for index, entry in enumerate(entries):
        groups[entry.name].append(index)
    result = list(entries)
    for indexes in groups.values():
        if len(indexes) < 2:
            continue
        group = [entries[i] for i in indexes]
        weight = len({e.net_weight_g for e in group}) > 1
        diameter = len({e.diameter_mm for e in group}) > 1
        if not (weight or diameter):
            continue
        for i in indexes:
            label = _size_label(entries[i], weight=weight, diameter=diameter)
            result[i] = replace(entries[i], name=f"{entries[i].name} ({label})")
    return result


def read_catalog(root: Path | str = DEFAULT_CATALOG_DIR, *,
                 progress: Callable[[list[Path]], Iterable[Path]] | None = None) -> list[CatalogEntry]:
    """Every entry of the catalog at ``root`` (default: the copy shipped with the project), with
    repeated names told apart by ``disambiguate_names``.

    ``progress`` wraps the list of files being read (e.g. a ``tqdm`` bar). Default densities come
    from ``materials.json`` when present. Raises CatalogError for an unreadable catalog or
    repeated catalog ids.
    """
    root = Path(root)
    files = catalog_files(root)
    materials_path = root / "materials.json"
    densities = default_densities(_load_json(materials_path)) if materials_path.is_file() else {}
    entries: list[CatalogEntry] = []
    for path in (progress(files) if progress else files):
        entries.extend(parse_manufacturer(_load_json(path), densities=densities, source=path.name))
    check_unique(entries)
    return disambiguate_names(entries)
