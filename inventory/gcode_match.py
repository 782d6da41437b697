"""What a parsed G-code estimate means in a tenant: its filaments' material item types and spools,
its objects' products (issue 7). Reads only; the runs API and run wizard and the plans API (a
recipe from G-code) use it.

Rules:

- **Materials** of a filament: the tenant's active material item types whose ``material``
  equals the filament's material type (case-insensitive, ``PLA`` = ``pla``). Best first: the
  same colour first when the file names one (``#29B2B2`` = ``#29b2b2``; an item's 8-digit
  ``#RRGGBBAA`` compares by its ``#RRGGBB``), then item types that have an active spool, then by
  name. A colour that matches nothing does not hide the material's other colours (slicers
  write their default colour when the user never picked one): ``colour_match`` says which
  rows have it. A filament without a material type matches nothing. At most ``MATCH_LIMIT``.
- **Spools** of a filament: the active spools of its matching materials, in the materials'
  order, each material's spools ordered by ``inventory.selectors.spools_for_materials`` (at
  the printer's location, then holding the filament's grams, then the fullest, then the
  oldest). At most ``MATCH_LIMIT``.
- **Products** of an object: the tenant's active products whose name equals the object's name
  with a model-file extension (``.stl``, ``.3mf``, ``.obj``, ``.step``, ``.stp``, ``.amf``,
  ``.ply``) stripped, case-insensitive and trimmed: ``torus.stl`` ↔ ``Torus``. Quantity: the
  object's copies (1 when the file does not say).

Two queries for the filaments whatever their number, one for the objects.
"""
from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models.functions import Lower

from inventory import selectors as inventory_selectors
from inventory.models import ItemType, Spool
from prodtrack.exceptions import ValidationError
from prodtrack.models import Tenant
from slicing import MAX_FILE_BYTES, GcodeError, parse_gcode

MATCH_LIMIT = 10
UPLOAD_OVERHEAD_BYTES = 64 * 1024
"""Room for the multipart envelope and the other fields beside the file."""
MODEL_EXTENSIONS = re.compile(r"\.(stl|3mf|obj|step|stp|amf|ply)$", re.IGNORECASE)


@dataclass(frozen=True)
class MaterialMatch:
    """A material item type matching a filament; ``colour_match``: same colour as the file's."""

    item: ItemType
    colour_match: bool


@dataclass
class FilamentMatch:
    """One filament of the estimate (``index`` as in the file) with its best materials and spools."""

    index: int
    grams: Decimal | None
    materials: list[ItemType]
    colour_matches: set[int]
    spools: list[Spool]

    @property
    def material_matches(self) -> list[MaterialMatch]:
        """``materials``, best first, each with whether it has the file's colour."""
        return [MaterialMatch(item=item, colour_match=item.pk in self.colour_matches) for item in self.materials]

    @property
    def best_material(self) -> ItemType | None:
        return self.materials[0] if self.materials else None

    @property
    def best_spool(self) -> Spool | None:
        return self.spools[0] if self.spools else None


def gcode_upload_too_large(content_length: Any) -> ValidationError | None:
    """The error for a request body that cannot hold a file within the parser's limit, before
    Django reads it (``CONTENT_LENGTH``); None when it may. Django streams file parts to a
    temporary file past ``FILE_UPLOAD_MAX_MEMORY_SIZE`` (2.5 MB), so an upload never sits whole
    in memory either way."""
    try:
        length = int(content_length or 0)
    except (TypeError, ValueError):
        return None
    if length <= MAX_FILE_BYTES + UPLOAD_OVERHEAD_BYTES:
        return None
    return gcode_error(GcodeError(f"The upload is {length / 2**20:,.0f} MB; the limit is "
                                  f"{MAX_FILE_BYTES // 2**20} MB.", code="too_large"))


def gcode_error(error: GcodeError, field: str = "file") -> ValidationError:
    """A parser error as a 400 naming the upload field and the rule (``extra.rule``: the parser's code)."""
    return ValidationError(f"{field}: {error.message}", fields={field: [error.message]}, rule=error.code)


def gcode_upload_parse(*, upload: Any, plate: int | None = None, field: str = "file") -> dict[str, Any]:
    """``dataclasses.asdict`` of the estimate of an uploaded file (an ``UploadedFile``: in memory
    or a temporary file, both seekable; read at head and tail only). Raises ValidationError
    (400) naming ``field`` with the parser's rule."""
    try:
        estimate = parse_gcode(upload.file if hasattr(upload, "file") else upload, plate=plate)
    except GcodeError as error:
        raise gcode_error(error, field) from error
    return dataclasses.asdict(estimate)


def _hex(value: str | None) -> str:
    return (value or "").strip().upper()[:7]


def _grams(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def gcode_filament_matches(*, tenant: Tenant, estimate: dict[str, Any],
                           location_id: int | None = None) -> list[FilamentMatch]:
    """Per filament of ``estimate`` (``dataclasses.asdict`` of a ``GcodeEstimate``) its matching
    material item types and suggested active spools, best first (see the module rules)."""
    filaments = estimate.get("filaments") or []
    types = {(filament.get("material") or "").strip().lower() for filament in filaments} - {""}
    candidates: list[ItemType] = []
    if types:
        candidates = list(ItemType.objects.for_tenant(tenant).filter(kind=ItemType.Kind.MATERIAL, is_active=True)
                          .annotate(material_lower=Lower("material")).filter(material_lower__in=types)
                          .order_by("name", "id"))
    need: dict[int, Decimal] = {}
    for filament in filaments:
        grams = _grams(filament.get("grams")) or Decimal("0")
        for item in candidates:
            if item.material_lower == (filament.get("material") or "").strip().lower():
                need[item.pk] = max(need.get(item.pk, Decimal("0")), grams)
    spools = inventory_selectors.spools_for_materials(tenant=tenant, grams=need, location_id=location_id) \
        if need else {}
    matches = []
    for filament in filaments:
        kind, colour = (filament.get("material") or "").strip().lower(), _hex(filament.get("colour"))
        same = [item for item in candidates if kind and item.material_lower == kind]
        coloured = {item.pk for item in same if colour and _hex(item.color_hex) == colour}
        same.sort(key=lambda item: (item.pk not in coloured, not spools.get(item.pk)))  # stable: name, id
        chosen = same[:MATCH_LIMIT]
        matches.append(FilamentMatch(
            index=filament["index"], grams=_grams(filament.get("grams")), materials=chosen,
            colour_matches=coloured & {item.pk for item in chosen},
            spools=[spool for item in chosen for spool in spools.get(item.pk, [])][:MATCH_LIMIT]))
    return matches


def object_product_name(name: str) -> str:
    """The product name an object name stands for: ``torus.stl`` → ``torus`` (lower-case, trimmed)."""
    return MODEL_EXTENSIONS.sub("", name.strip()).strip().lower()


def gcode_object_products(*, tenant: Tenant, estimate: dict[str, Any]) -> list[tuple[ItemType, int]]:
    """``(product, pieces)`` per object of ``estimate`` whose name matches an active product of the
    tenant (see the module rules), in the file's order; an object named twice adds up. One query."""
    objects = estimate.get("objects") or []
    wanted = {object_product_name(obj["name"]) for obj in objects} - {""}
    if not wanted:
        return []
    products: dict[str, ItemType] = {}
    for product in (ItemType.objects.for_tenant(tenant).filter(kind=ItemType.Kind.PRODUCT, is_active=True)
                    .annotate(name_lower=Lower("name")).filter(name_lower__in=wanted).order_by("id")):
        products.setdefault(product.name_lower, product)
    found: dict[int, tuple[ItemType, int]] = {}
    for obj in objects:
        product = products.get(object_product_name(obj["name"]))
        if product is not None:
            pieces = found.get(product.pk, (product, 0))[1] + (obj.get("copies") or 1)
            found[product.pk] = (product, pieces)
    return list(found.values())


def gcode_filament_materials(*, tenant: Tenant, estimate: dict[str, Any], chosen: dict[int, int]
                             ) -> dict[int, ItemType]:
    """The material item type of each filament (index as in the file) for a recipe: the one
    ``chosen`` maps it to (filament index → item type id), else its best match
    (``gcode_filament_matches``); a filament with neither is left out. Raises ValidationError
    (400) naming ``materials.<index>`` for a chosen id that is not one of the tenant's item types.
    Two queries for the matches, one for the chosen ids."""
    found = {item.pk: item for item in ItemType.objects.for_tenant(tenant).filter(pk__in=chosen.values())}
    materials = {}
    for index, pk in chosen.items():
        if pk not in found:
            raise ValidationError.for_field(f"materials.{index}", f"item type {pk} not found.")
        materials[index] = found[pk]
    for match in gcode_filament_matches(tenant=tenant, estimate=estimate):
        if match.index not in materials and match.best_material is not None:
            materials[match.index] = match.best_material
    return materials
