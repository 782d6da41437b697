"""Manufacturers (Spoolman's vendors). A material names its maker in ``ItemType.manufacturer``;
these services keep one ``Manufacturer`` row per name in use and carry a rename or a delete into
the materials' text in the same transaction."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from inventory.models import ItemType, Manufacturer
from inventory.selectors import manufacturers_forget
from prodtrack.services import model_save_validated, model_update
from prodtrack.telemetry import traced

MANUFACTURER_UNIQUE = ("name",)


def manufacturers_ensure(*, tenant_id: int, names: Iterable[str]) -> None:
    """A ``Manufacturer`` row for each non-blank name of ``names`` the tenant lacks (one query for
    any number; concurrent callers are safe: the unique (tenant, name) constraint keeps one).
    Called by every service that writes a material's manufacturer text."""
    wanted = {name for name in names if name}
    if not wanted:
        return
    now = timezone.now()
    Manufacturer.objects.bulk_create([Manufacturer(tenant_id=tenant_id, name=name, created_at=now) for name in wanted],
                                     ignore_conflicts=True)
    manufacturers_forget(tenant_id=tenant_id)


@traced("manufacturer.create")
@transaction.atomic
def manufacturer_create(*, tenant_id: int, name: str, **fields: Any) -> Manufacturer:
    """A new manufacturer (``comment``, ``empty_spool_weight_g``, ``external_id``, ``extra``).
    Raises ValidationError (400) for a name the tenant already has or an invalid field."""
    manufacturer = model_save_validated(Manufacturer(tenant_id=tenant_id, name=name.strip(), **fields),
                                        unique_fields=MANUFACTURER_UNIQUE)
    manufacturers_forget(tenant_id=tenant_id)
    return manufacturer


@traced("manufacturer.update")
@transaction.atomic
def manufacturer_update(*, manufacturer: Manufacturer, data: dict[str, Any]) -> Manufacturer:
    """Change a manufacturer's fields; a new ``name`` is written into its materials'
    ``manufacturer`` text too (one UPDATE). Raises ValidationError (400) for a name another
    manufacturer of the tenant has, or an invalid field."""
    manufacturer = Manufacturer.objects.select_for_update().get(pk=manufacturer.pk)
    old_name = manufacturer.name
    manufacturer = model_update(manufacturer, data=data, unique_fields=MANUFACTURER_UNIQUE)
    if manufacturer.name != old_name:
        ItemType.objects.filter(tenant_id=manufacturer.tenant_id, manufacturer=old_name).update(
            manufacturer=manufacturer.name)
    manufacturers_forget(tenant_id=manufacturer.tenant_id)
    return manufacturer


@traced("manufacturer.delete")
@transaction.atomic
def manufacturer_delete(*, manufacturer: Manufacturer) -> int:
    """Delete a manufacturer; its materials keep existing with no manufacturer (Spoolman clears the
    vendor of its filaments). Returns how many materials were cleared."""
    cleared = ItemType.objects.filter(tenant_id=manufacturer.tenant_id, manufacturer=manufacturer.name).update(
        manufacturer="")
    manufacturer.delete()
    manufacturers_forget(tenant_id=manufacturer.tenant_id)
    return cleared
