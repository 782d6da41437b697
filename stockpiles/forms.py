"""Forms of the stockpiles pages: they parse and check input shapes; the services decide the rules.

Filter forms are bound to the query string and use the names of ``stockpiles.selectors``' filters.
The marker form gets its choices from lists loaded once (items, locations, the plans that make the
chosen item) and cleans to the objects, so rendering it costs no query of its own.
"""
from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django import forms
from django.urls import reverse

from inventory import selectors as inventory_selectors
from inventory.models import ItemType, Location
from plans.models import ProductionPlan
from prodtrack.exceptions import ApplicationError, ValidationError
from prodtrack.forms import FilterForm, PageForm
from prodtrack.models import Tenant
from stockpiles.models import AutoProductionRun
from stockpiles.selectors import DeficitKind

MAX_PARALLELISM = 1_000
#: the service names the plan ``plan_id`` (the API's field); the form calls it ``plan``.
SERVICE_FIELDS = {"plan_id": "plan"}
#: the item kinds in the item picker, in this order
ITEM_GROUPS = ((ItemType.Kind.PRODUCT, "Products"), (ItemType.Kind.COMPONENT, "Components"),
               (ItemType.Kind.MATERIAL, "Materials in stock"))


def _location_filter() -> forms.ModelChoiceField:
    return forms.ModelChoiceField(required=False, queryset=Location.objects.none(), empty_label="All locations")


# --- list filters ----------------------------------------------------------------------------------

class StockpileFilterForm(FilterForm):
    """Markers: search, location, auto-production on or off, only those below target."""

    search_hint = "Item, SKU or location…"
    location = _location_filter()
    auto_production_enabled = forms.ChoiceField(
        required=False, label="Auto-production",
        choices=[("", "Any auto-production"), ("true", "Auto-production on"), ("false", "Auto-production off")])
    below_target = forms.BooleanField(required=False, label="Below target only",
                                      widget=forms.CheckboxInput(attrs={"value": "true"}))

    def __init__(self, *args: Any, tenant: Tenant, **kwargs: Any) -> None:
        super().__init__(*args, tenant=tenant, **kwargs)
        self.fields["location"].queryset = inventory_selectors.location_list(tenant=tenant)


class DeficitFilterForm(FilterForm):
    """Deficits: which list (both, to produce, to buy) and location."""

    q = None
    kind = forms.ChoiceField(required=False, label="List",
                             choices=[("", "To produce and to buy"), *[(value, label.split(" (")[0])
                                                                      for value, label in DeficitKind.CHOICES]])
    location = _location_filter()

    def __init__(self, *args: Any, tenant: Tenant, **kwargs: Any) -> None:
        super().__init__(*args, tenant=tenant, **kwargs)
        self.fields["location"].queryset = inventory_selectors.location_list(tenant=tenant)


class AutoProductionRunFilterForm(FilterForm):
    """Ticks: status and what triggered them."""

    q = None
    status = forms.ChoiceField(required=False, choices=[("", "Any status"), *AutoProductionRun.Status.choices])
    triggered_by = forms.ChoiceField(required=False, label="Trigger",
                                     choices=[("", "Any trigger"), *AutoProductionRun.Trigger.choices])


# --- the marker dialog -------------------------------------------------------------------------------

class StockpileMarkerForm(PageForm):
    """A marker's settings. New markers also choose the item and location (fixed afterwards).

    ``items`` and ``locations`` are the choices for a new marker; ``plans`` the plans that make the
    chosen (or the marker's) item; cleaned values are the objects. ``plan_for`` is the item the plan
    choices belong to, shown in the help text.
    """

    item_type = forms.TypedChoiceField(coerce=int, label="Item",
                                       error_messages={"required": "Choose the item to keep in stock."})
    location = forms.TypedChoiceField(coerce=int, error_messages={"required": "Choose where to keep it."})
    desired_quantity = forms.DecimalField(
        max_digits=14, decimal_places=3, min_value=Decimal("0"), label="Desired quantity",
        error_messages={"required": "Enter how many to keep.", "min_value": "Enter 0 or more."},
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "any", "min": "0"}))
    plan = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    auto_production_parallelism = forms.IntegerField(
        min_value=0, max_value=MAX_PARALLELISM, required=False, label="Parallelism",
        help_text="Workstations a generated job is split over at most; 0 = every one that can run it.",
        error_messages={"invalid": "Enter a whole number, 0 or more.", "min_value": "Enter 0 or more."},
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "step": "1", "min": "0", "placeholder": "0"}))
    auto_production_enabled = forms.BooleanField(required=False, label="Auto-production",
                                                 help_text="Generate plan runs for the deficit with the plan.")

    def __init__(self, *args: Any, items: Iterable[ItemType] = (), locations: Iterable[Location] = (),
                 plans: Iterable[ProductionPlan] = (), plan_for: ItemType | None = None, editing: bool = False,
                 **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "marker-%s")   # the list's filter bar has its own id_location
        super().__init__(*args, **kwargs)
        self.items = {item.pk: item for item in items}
        self.locations = {location.pk: location for location in locations}
        self.plans = {plan.pk: plan for plan in plans}
        if editing:
            del self.fields["item_type"], self.fields["location"]
        else:
            self.fields["item_type"].choices = [("", "Choose an item…"), *[
                (label, [(pk, item.name) for pk, item in self.items.items() if item.kind == kind])
                for kind, label in ITEM_GROUPS if any(item.kind == kind for item in self.items.values())]]
            self.fields["location"].choices = [("", "Choose a location…"),
                                               *[(pk, location.name) for pk, location in self.locations.items()]]
        desired = self.fields["desired_quantity"]
        desired.help_text = (f"In {plan_for.get_unit_display()}." if plan_for is not None
                             else "Pieces for products and components, grams for materials.")
        if "item_type" in self.fields:
            self.fields["item_type"].widget.attrs.update({
                "hx-get": reverse("stockpiles:stockpile-plan-choices"), "hx-trigger": "change",
                "hx-target": "#plan-field", "hx-swap": "outerHTML"})
        self.fields["auto_production_enabled"].widget.attrs["role"] = "switch"
        plan = self.fields["plan"]
        plan.choices = [("", "No plan: the deficit goes on the buy list"),
                        *[(pk, p.name) for pk, p in self.plans.items()]]
        if plan_for is None:
            plan.help_text = "Choose the item first: the plans that make it are offered."
        elif self.plans:
            plan.help_text = f"Plans that make {plan_for.name}."
        elif plan_for.kind == ItemType.Kind.PRODUCT:
            plan.help_text = f"No plan makes {plan_for.name} yet; without one its deficit is bought."
        else:
            plan.help_text = f"{plan_for.get_kind_display()}s are bought: no plan makes {plan_for.name}."
        if not self.plans:
            plan.widget.attrs["disabled"] = True

    def clean_item_type(self) -> ItemType:
        return self.items[self.cleaned_data["item_type"]]

    def clean_location(self) -> Location:
        return self.locations[self.cleaned_data["location"]]

    def clean_plan(self) -> ProductionPlan | None:
        pk = self.cleaned_data["plan"]
        return self.plans[pk] if pk is not None else None

    def clean_auto_production_parallelism(self) -> int:
        return self.cleaned_data["auto_production_parallelism"] or 0

    def settings(self) -> dict[str, Any]:
        """The cleaned settings, named as the services name them."""
        return {name: self.cleaned_data[name] for name in ("desired_quantity", "plan", "auto_production_parallelism",
                                                           "auto_production_enabled")}

    def add_application_error(self, error: ApplicationError) -> None:
        """A service error on its field: the service's ``plan_id`` is this form's ``plan``."""
        if isinstance(error, ValidationError):
            error = ValidationError(error.message, fields={SERVICE_FIELDS.get(name, name): messages
                                                           for name, messages in error.fields.items()})
        super().add_application_error(error)
