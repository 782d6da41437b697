"""What a run really used (DESIGN §4): ``MaterialActual`` in, grams set on the in-memory run
materials out; ``PartUse`` in, quantities set on the in-memory run parts out. Pure (no query, nothing saved): completion saves the result, the complete page's
live preview only shows it."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from inventory.models import ItemType
from prodtrack.exceptions import ValidationError
from runs.models import ProductionRunMaterial, ProductionRunPart


@dataclass(frozen=True)
class MaterialActual:
    """What a run material really used, given one of three ways:

    * ``actual_weight_g`` — grams of filament;
    * ``use_estimate`` — the estimated grams;
    * ``weight_before_g`` and ``weight_after_g`` — the spool on the scale before and after
      (actual = before − after − purge).

    ``actual_purge_g`` None → the estimated purge.
    """

    material_id: int
    actual_weight_g: Decimal | None = None
    actual_purge_g: Decimal | None = None
    use_estimate: bool = False
    weight_before_g: Decimal | None = None
    weight_after_g: Decimal | None = None


def reported_defaults_apply(materials: list[ProductionRunMaterial], actuals: Sequence[MaterialActual]) -> None:
    """A material with no actual, none given in ``actuals``, and grams its printer reported
    (``reported_g``) uses those: the printer's figure is the whole extrusion, so it is the actual
    weight with no separate purge. Pure: nothing saved."""
    given = {actual.material_id for actual in actuals}
    for material in materials:
        if material.actual_weight_g is None and material.reported_g and material.pk not in given:
            material.actual_weight_g, material.actual_purge_g = material.reported_g, Decimal("0")


def material_actuals_apply(materials: list[ProductionRunMaterial], actuals: Sequence[MaterialActual], *,
                           require_all: bool) -> None:
    """Set actual grams on the in-memory ``materials`` from ``actuals`` (see MaterialActual); no
    query, nothing saved: completion saves them, the complete page's live preview only shows them.

    Raises ValidationError (400) naming ``materials[i].<field>`` for bad input; with
    ``require_all`` also when a material ends up without an actual weight (completion).
    """
    by_id = {m.pk: m for m in materials}
    for index, actual in enumerate(actuals):
        where = f"materials[{index}]"
        material = by_id.get(actual.material_id)
        if material is None:
            raise ValidationError.for_field(f"{where}.material_id", f"{actual.material_id} is not in this run.")
        _apply_actual(material, actual, where)
    if require_all:
        missing = [m for m in materials if m.actual_weight_g is None]
        if missing:
            raise ValidationError(
                f"Actual weight missing for spool(s) {', '.join(f'#{m.spool_id}' for m in missing)}.",
                fields={"materials": [f"spool #{m.spool_id}: actual weight is required." for m in missing]},
                material_ids=[m.pk for m in missing])
    for material in materials:
        if material.actual_weight_g is not None and material.actual_purge_g is None:
            material.actual_purge_g = material.estimated_purge_g


def _apply_actual(material: ProductionRunMaterial, actual: MaterialActual, where: str) -> None:
    """One material's actual grams and purge from one of the three ways ``MaterialActual`` gives."""
    purge = actual.actual_purge_g if actual.actual_purge_g is not None else material.estimated_purge_g
    if purge < 0:
        raise ValidationError.for_field(f"{where}.actual_purge_g", "must be 0 or more.")
    weighed = actual.weight_before_g is not None or actual.weight_after_g is not None
    if sum([actual.use_estimate, actual.actual_weight_g is not None, weighed]) > 1:
        raise ValidationError.for_field(
            f"{where}.actual_weight_g", "give one of actual_weight_g, use_estimate or weight_before_g/after_g.")
    if actual.use_estimate:
        weight = material.estimated_weight_g
    elif actual.actual_weight_g is not None:
        weight = actual.actual_weight_g
    elif weighed:
        weight = _weighed_grams(actual, purge, where)
        material.weight_before_g, material.weight_after_g = actual.weight_before_g, actual.weight_after_g
    else:
        weight = material.actual_weight_g  # only the purge changes
    if weight is not None and weight < 0:
        raise ValidationError.for_field(f"{where}.actual_weight_g", "must be 0 or more.")
    material.actual_weight_g, material.actual_purge_g = weight, purge


def _weighed_grams(actual: MaterialActual, purge: Decimal, where: str) -> Decimal:
    """Filament grams from the spool on the scale: before − after − purge."""
    if actual.weight_before_g is None or actual.weight_after_g is None:
        raise ValidationError.for_field(f"{where}.weight_after_g", "give both weight_before_g and weight_after_g.")
    used = actual.weight_before_g - actual.weight_after_g
    if used < 0:
        raise ValidationError.for_field(f"{where}.weight_after_g", "is more than the weight before.")
    if used - purge < 0:
        raise ValidationError.for_field(f"{where}.actual_purge_g", f"is more than the {used} g the spool lost.")
    return used - purge


@dataclass(frozen=True)
class PartUse:
    """How much of a part or component (``item_type``, not filament) the run really used, in the
    item's unit; 0 says none was used."""

    item_type: ItemType
    quantity: Decimal


def part_uses_apply(parts: list[ProductionRunPart], uses: Sequence[PartUse], *, tenant_id: int) -> list[ProductionRunPart]:
    """``parts`` (the recipes' prefill, in-memory) with ``uses`` applied: a use of a prefilled
    item sets its quantity, a use of another item adds a part the recipes do not name (estimated
    0). Pure: no query, nothing saved.

    Raises ValidationError (400) naming ``parts[i].item_type`` for another tenant's item, a
    material (filament is recorded per spool) or an item named twice, and ``parts[i].quantity``
    for a negative quantity.
    """
    by_item = {part.item_type_id: part for part in parts}
    result = list(parts)
    seen: set[int] = set()
    for index, use in enumerate(uses):
        where = f"parts[{index}]"
        item = use.item_type
        if item.tenant_id != tenant_id:
            raise ValidationError.for_field(f"{where}.item_type", f"item type {item.pk} not found.")
        if item.kind == ItemType.Kind.MATERIAL:
            raise ValidationError.for_field(f"{where}.item_type",
                                            f"{item.name} is filament: record it on the run's spools.")
        if item.pk in seen:
            raise ValidationError.for_field(f"{where}.item_type", f"{item.name} is named twice.")
        if use.quantity < 0:
            raise ValidationError.for_field(f"{where}.quantity", "must be 0 or more.")
        seen.add(item.pk)
        part = by_item.get(item.pk)
        if part is None:
            part = ProductionRunPart(item_type=item, estimated_quantity=Decimal("0"), unit_cost=item.unit_cost)
            result.append(part)
        part.quantity = use.quantity
    return result
