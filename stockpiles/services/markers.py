"""Stockpile markers: upsert, update, delete (DESIGN §6). A marker keeps a target quantity of one
item at one location for one member; with a plan and auto-production on, the runner fills its
deficit."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction

from inventory.models import ItemType, Location
from plans.models import ProductionPlan, ProductionPlanStep
from prodtrack.exceptions import ValidationError
from prodtrack.models import Membership, Tenant, User
from prodtrack.services import model_update
from prodtrack.telemetry import traced
from stockpiles.models import StockpileMarker


def _check_marker(tenant: Tenant, *, item_type: ItemType, location: Location, desired_quantity: Decimal,
                  plan: ProductionPlan | None, parallelism: int, enabled: bool, enabling: bool) -> None:
    """The marker rules; errors name the API field. ``enabling``: the change turns auto-production on."""
    if item_type.tenant_id != tenant.pk:
        raise ValidationError.for_field("item_type", "not found.")
    if location.tenant_id != tenant.pk:
        raise ValidationError.for_field("location", "not found.")
    if isinstance(desired_quantity, bool) or not isinstance(desired_quantity, (int, Decimal)) or desired_quantity < 0:
        raise ValidationError.for_field("desired_quantity", "must be 0 or more.")
    if item_type.unit == ItemType.Unit.PIECES and Decimal(desired_quantity) % 1:
        raise ValidationError.for_field("desired_quantity", f"must be whole pieces of {item_type.name}.")
    if isinstance(parallelism, bool) or not isinstance(parallelism, int) or parallelism < 0:
        raise ValidationError.for_field("auto_production_parallelism",
                                        "must be a whole number, 0 or more (0 = all workstations).")
    if plan is not None:
        if plan.tenant_id != tenant.pk:
            raise ValidationError.for_field("plan_id", "not found.")
        if plan.product_id != item_type.pk:
            raise ValidationError.for_field(
                "plan_id", f"plan {plan.name!r} makes {plan.product.name}, not {item_type.name}.")
    if enabled and enabling and plan is None:
        raise ValidationError.for_field("auto_production_enabled", "needs a plan (plan_id) that makes the item.")
    if enabled and enabling:
        _check_delivers_here(plan, location)


def _check_delivers_here(plan: ProductionPlan, location: Location) -> None:
    """Auto-production needs a plan whose output lands where the marker keeps stock (its root
    step's location, DESIGN §6); otherwise the deficit could never close and every tick would make
    another plan run. One query. Raises ValidationError naming ``plan_id`` and both locations."""
    root = ProductionPlanStep.objects.filter(plan=plan, parent__isnull=True).select_related("location").first()
    if root is not None and root.location_id == location.pk:
        return
    where = f"delivers to {root.location.name}" if root is not None and root.location else "says nowhere where it delivers"
    raise ValidationError.for_field(
        "plan_id", f"plan {plan.name!r} {where}, but this marker keeps stock at {location.name}: its output "
                   f"would never fill it. Choose a plan that delivers to {location.name} or give this plan's "
                   f"final step that location.")


@traced("stockpile_marker.upsert")
@transaction.atomic
def stockpile_marker_upsert(*, tenant: Tenant, owner: User, item_type: ItemType, location: Location,
                            desired_quantity: Decimal, plan: ProductionPlan | None = None,
                            auto_production_parallelism: int = 0,
                            auto_production_enabled: bool = False) -> tuple[StockpileMarker, bool]:
    """Create the owner's marker for (item, location), or replace its settings; returns
    ``(marker, created)``.

    Raises ValidationError (400) naming the field, with nothing written: desired < 0 (or not whole
    pieces), parallelism < 0, an item, location or plan of another tenant, a plan that makes
    another product, auto-production on without a plan, an owner who is not a member.
    """
    _check_marker(tenant, item_type=item_type, location=location, desired_quantity=desired_quantity, plan=plan,
                  parallelism=auto_production_parallelism, enabled=auto_production_enabled, enabling=True)
    if not Membership.objects.filter(tenant=tenant, user=owner).exists():
        raise ValidationError.for_field("owner", "is not a member of this tenant.")
    return StockpileMarker.objects.update_or_create(
        tenant=tenant, owner=owner, item_type=item_type, location=location,
        defaults={"desired_quantity": desired_quantity, "plan": plan,
                  "auto_production_parallelism": auto_production_parallelism,
                  "auto_production_enabled": auto_production_enabled})


MARKER_FIELDS = {"desired_quantity", "plan", "auto_production_parallelism", "auto_production_enabled"}


@traced("stockpile_marker.update")
@transaction.atomic
def stockpile_marker_update(*, marker: StockpileMarker, data: dict[str, Any]) -> StockpileMarker:
    """Change the given settings (``desired_quantity``, ``plan``, ``auto_production_parallelism``,
    ``auto_production_enabled``); the owner, item and location are fixed. Errors as the upsert."""
    unknown = set(data) - MARKER_FIELDS
    if unknown:
        raise ValidationError.for_field(sorted(unknown)[0], "cannot be changed.")
    marker = (StockpileMarker.objects.select_for_update(of=("self",))
              .select_related("tenant", "item_type", "location").get(pk=marker.pk))
    values = {name: data.get(name, getattr(marker, name)) for name in MARKER_FIELDS}
    _check_marker(marker.tenant, item_type=marker.item_type, location=marker.location,
                  desired_quantity=values["desired_quantity"], plan=values["plan"],
                  parallelism=values["auto_production_parallelism"], enabled=values["auto_production_enabled"],
                  enabling=bool(data.get("auto_production_enabled")) or "plan" in data)
    return model_update(marker, data=data)


@traced("stockpile_marker.delete")
@transaction.atomic
def stockpile_marker_delete(*, marker: StockpileMarker) -> None:
    """Delete a marker (its plan runs stay)."""
    marker.delete()
