"""Locations and workstations (a printer is a workstation)."""
from __future__ import annotations

from typing import Any

from django.db import transaction

from inventory.models import Location, Workstation
from prodtrack.exceptions import ValidationError
from prodtrack.models import Tenant
from prodtrack.services import model_delete, model_save_validated, model_update
from prodtrack.telemetry import traced


@traced("location.create")
@transaction.atomic
def location_create(*, tenant: Tenant, name: str, kind: str = Location.Kind.WAREHOUSE) -> Location:
    """Create a location; names are unique per tenant (ValidationError 400)."""
    return model_save_validated(Location(tenant=tenant, name=name, kind=kind), unique_fields=["name"])


@traced("location.update")
@transaction.atomic
def location_update(*, location: Location, data: dict[str, Any]) -> Location:
    """Rename or re-kind a location."""
    return model_update(location, data=data, unique_fields=["name"])


@traced("location.delete")
@transaction.atomic
def location_delete(*, location: Location) -> None:
    """Delete a location nothing uses. Raises InUseError (409) saying what uses it (ledger rows,
    stock balances, spools, workstations, plan steps, jobs, transports, runs, stockpile markers)."""
    model_delete(location)


def _workstation_check(tenant: Tenant, location: Location | None) -> None:
    if location is not None and location.tenant_id != tenant.pk:
        raise ValidationError.for_field("location", "not found.")


@traced("workstation.create")
@transaction.atomic
def workstation_create(*, tenant: Tenant, name: str, location: Location, kind: str = Workstation.Kind.PRINTER,
                       activities: list[str] | None = None, model_name: str = "",
                       is_active: bool = True) -> Workstation:
    """Create a workstation (a printer by default) at ``location``; names unique per tenant."""
    _workstation_check(tenant, location)
    workstation = Workstation(tenant=tenant, name=name, location=location, kind=kind, model_name=model_name,
                              activities=activities if activities is not None else ["printing"],
                              is_active=is_active)
    return model_save_validated(workstation, unique_fields=["name"])


@traced("workstation.update")
@transaction.atomic
def workstation_update(*, workstation: Workstation, data: dict[str, Any]) -> Workstation:
    """Update a workstation's fields."""
    _workstation_check(workstation.tenant, data.get("location"))
    return model_update(workstation, data=data, unique_fields=["name"])
