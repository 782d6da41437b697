"""Spools registered and changed through the Spoolman API, and a value of a spool field renamed
wherever it occurs."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction

from inventory.errors import SpoolStateError
from inventory.models import ItemType, Location, Spool
from inventory.services import (
    location_create,
    location_update,
    spool_adjust,
    spool_archive,
    spool_extra_value_rename,
    spool_move,
    spool_receive,
    spool_update,
)
from printers.models import PrinterToken
from printers.selectors import (
    extra_fields,
)
from printers.spoolman import (
    SpoolmanRuleError,
    extra_merged,
    extra_values_check,
)
from prodtrack.exceptions import ValidationError
from prodtrack.models import Tenant
from prodtrack.telemetry import traced

# --- spools registered and changed through the Spoolman API --------------------------------------

UNCHANGEABLE = {"initial_weight_g": "initial_weight", "first_used": "first_used", "last_used": "last_used"}


def _location(printer_token: PrinterToken, name: str | None) -> Location:
    """The tenant's location named ``name`` (created when it does not exist: Spoolman's locations
    are free text), the printer's own when no name is given."""
    if not name:
        return printer_token.workstation.location
    found = Location.objects.for_tenant(printer_token.tenant_id).filter(name=name).first()
    return found or location_create(tenant=printer_token.tenant, name=name)


def extra_values_validate(*, tenant_id: int, entity_type: str, values: dict[str, str | None] | None) -> None:
    """The ``extra`` of a spool, filament or vendor written through the API against the entity
    type's extra fields. Raises ValidationError (400, Spoolman's message: ``Unknown extra field
    shelf.``, ``Invalid extra field for key shelf: Value is not a string.``)."""
    try:
        extra_values_check(extra_fields(tenant_id=tenant_id, entity_type=entity_type), values)
    except SpoolmanRuleError as error:
        raise ValidationError(str(error)) from None


@traced("spool.register")
@transaction.atomic
def spool_register(*, printer_token: PrinterToken, material: ItemType, price: Decimal | None = None,
                   initial_weight_g: Decimal | None = None, tare_weight_g: Decimal | None = None,
                   remaining_weight_g: Decimal | None = None, used_weight_g: Decimal | None = None,
                   location_name: str | None = None, lot_number: str | None = None, archived: bool = False,
                   comment: str | None = None, extra: dict[str, str | None] | None = None,
                   **ignored: Any) -> Spool:
    """A spool registered through the Spoolman API (``POST /spool``): a receipt
    (``inventory.services.spool_receive``: initial weight by default the material's full-spool
    grams), then, when ``remaining_weight_g`` or ``used_weight_g`` is given, the weigh-in that
    brings it there; archived at once when asked. ``comment`` and ``extra`` (checked against the
    spool extra fields; null values are not stored) are kept; usage times are not (the ledger
    stamps them). Raises ValidationError (400) as ``spool_receive`` or for an ``extra`` the extra
    fields refuse (Spoolman's message)."""
    extra_values_validate(tenant_id=printer_token.tenant_id, entity_type="spool", values=extra)
    spool = spool_receive(tenant=printer_token.tenant, by=None, item_type=material,
                          location=_location(printer_token, location_name), initial_weight_g=initial_weight_g,
                          tare_weight_g=tare_weight_g, cost=price, lot_number=lot_number or "",
                          comment=comment or "", extra=extra_merged({}, extra),
                          note=f"Registered through {printer_token.workstation.name}")
    return _weight_and_state(spool, remaining_weight_g=remaining_weight_g, used_weight_g=used_weight_g,
                             archived=archived)


@traced("spool.patch")
@transaction.atomic
def spool_patch(*, printer_token: PrinterToken, spool: Spool, **fields: Any) -> Spool:
    """``PATCH /spool/{id}``: ``remaining_weight_g`` / ``used_weight_g`` are a weigh-in
    (adjustment); ``price``, ``lot_number`` and ``comment`` are edits; ``extra`` is merged per key
    (a null value clears one) after the spool extra fields accept it; a new ``location_name``
    moves the spool there (``inventory.services.spool_move``: its grams go with it in the
    ledger; a new name is a new location); ``archived`` archives. Raises ValidationError (400)
    naming a field prodtrack does not change this way (initial weight, usage times, the tare
    other than to what it is) or with Spoolman's message for a refused ``extra``."""
    for name, label in UNCHANGEABLE.items():
        if fields.get(name) not in (None, {}, ""):
            raise ValidationError(f"{label} cannot be changed through this API; change the spool in prodtrack.")
    if fields.get("tare_weight_g") not in (None, spool.tare_weight_g):
        raise ValidationError("spool_weight cannot be changed through this API; change the spool in prodtrack.")
    extra_values_validate(tenant_id=spool.tenant_id, entity_type="spool", values=fields.get("extra"))
    spool = Spool.objects.select_for_update().select_related("location").get(pk=spool.pk)
    edits: dict[str, Any] = {name: value for name, value in (
        ("cost", fields.get("price")), ("lot_number", fields.get("lot_number"))) if value is not None}
    if "comment" in fields:
        edits["comment"] = fields["comment"] or ""
    if fields.get("extra"):
        edits["extra"] = extra_merged(spool.extra, fields["extra"])
    if edits:
        spool = spool_update(spool=spool, data=edits)
    if fields.get("location_name") not in (None, "", spool.location.name):
        spool = spool_move(spool=spool, location=_location(printer_token, fields["location_name"]), by=None,
                           note=f"Moved through {printer_token.workstation.name}")
    return _weight_and_state(spool, remaining_weight_g=fields.get("remaining_weight_g"),
                             used_weight_g=fields.get("used_weight_g"), archived=fields.get("archived", False))


def _weight_and_state(spool: Spool, *, remaining_weight_g: Decimal | None, used_weight_g: Decimal | None,
                      archived: bool) -> Spool:
    # Spoolman keeps its used weight ≥ 0: a remaining weight above the initial one reads as full.
    net = min(remaining_weight_g, spool.initial_weight_g) if remaining_weight_g is not None else (
        max(spool.initial_weight_g - used_weight_g, Decimal(0)) if used_weight_g is not None else None)
    if net is not None:
        spool = spool_adjust(spool=spool, by=None, net_weight_g=net.quantize(Decimal("0.01")),
                             note="Weight set through the Spoolman API")
    if archived:
        spool = spool_archive(spool=spool, by=None)
    return spool


# --- renaming a value of a spool field ------------------------------------------------------------

EXTRA_PREFIX = "extra."
LOCATION_MAX_LENGTH = 64
RENAMEABLE_EXTRA_TYPES = ("text", "choice")


@traced("spool_field_value.rename")
@transaction.atomic
def spool_field_value_rename(*, tenant: Tenant, field: str, value: str, new_value: str) -> int:
    """``PATCH /spool/field/{field}``: every spool of the tenant (archived ones included) holding
    ``value`` in ``field`` holds ``new_value`` from now on; returns how many held it.

    ``location``: the location named ``value`` is renamed (as ``PATCH /location/{location}``: its
    spools, printers and stock follow; the ledger does not move) — unless the tenant has a
    location named ``new_value`` already: then the two merge, each spool moving there
    (``inventory.services.spool_move``: its grams go with it as a ledger transfer; the old location
    stays for whatever else is there). ``extra.<key>``: a text or single-choice spool extra field,
    matched on its text (``inventory.services.spool_extra_value_rename``).

    Raises ValidationError (400, Spoolman's words) for another field, an unknown extra field or
    one of another type, a location name over 64 characters, and when a merge would move an
    archived spool that still holds grams (the ledger takes no rows for it). Nothing is written
    then.
    """
    if field == "location":
        return _location_value_rename(tenant, value, new_value)
    if field.startswith(EXTRA_PREFIX):
        key = field.removeprefix(EXTRA_PREFIX)
        definition = next((f for f in extra_fields(tenant_id=tenant.pk, entity_type="spool") if f["key"] == key), None)
        if definition is None:
            raise ValidationError(f"Unknown spool extra field '{key}'.")
        if definition["field_type"] not in RENAMEABLE_EXTRA_TYPES or definition.get("multi_choice"):
            raise ValidationError(f"Spool extra field '{key}' does not hold a single plain value. "
                                  f"Only text and single-choice fields do.")
        return spool_extra_value_rename(tenant_id=tenant.pk, key=key, value=value, new_value=new_value)
    raise ValidationError(f"Cannot rename values of '{field}'. Only fields the spool itself owns can be renamed: "
                          f"location, or '{EXTRA_PREFIX}<spool extra field key>'.")


def _location_value_rename(tenant: Tenant, value: str, new_value: str) -> int:
    if len(new_value) > LOCATION_MAX_LENGTH:
        raise ValidationError(f"A location can be at most {LOCATION_MAX_LENGTH} characters.")
    locations = Location.objects.for_tenant(tenant)
    old = locations.select_for_update().filter(name=value).first()
    if old is None:
        return 0
    spools = list(Spool.objects.for_tenant(tenant).filter(location=old).order_by("pk"))
    if value == new_value:
        return len(spools)
    target = locations.filter(name=new_value).first()
    if target is None:
        location_update(location=old, data={"name": new_value})
        return len(spools)
    for spool in spools:
        try:
            spool_move(spool=spool, location=target, by=None, note=f"Location {value} merged into {new_value}")
        except SpoolStateError as error:
            raise ValidationError(f"{error.message} Nothing was moved.", spool_id=spool.pk) from None
    return len(spools)
