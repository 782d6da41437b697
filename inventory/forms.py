"""Forms of the inventory pages: they parse and check input shapes; the services decide the rules.

Filter forms are bound to the query string and use the same names as ``inventory.filters``,
so the view hands ``request.GET`` to the selector once the form is valid. Edit forms never
save: the view passes ``cleaned_data`` to a service and puts the service's errors back on the
form with ``add_application_error``.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from inventory import selectors
from inventory.errors import StockShortError
from inventory.models import InventoryTransaction, ItemType, Location, Spool, Workstation
from inventory.services import StockLine
from prodtrack.exceptions import ApplicationError, ValidationError
from prodtrack.forms import NON_FIELD, FilterForm, PageForm, PageModelForm
from prodtrack.models import Tenant

GRAMS = {"max_digits": 12, "decimal_places": 2}


def _any(label: str, choices: Any) -> list[tuple[str, str]]:
    """``choices`` behind an empty "any" choice."""
    return [("", label), *choices]


def _location_filter() -> forms.ModelChoiceField:
    """A location filter; its form sets the tenant's locations as the queryset."""
    return forms.ModelChoiceField(required=False, queryset=Location.objects.none(), empty_label="All locations")


class ItemTypeFilterForm(FilterForm):
    """Item types: search, kind and whether to show the catalog's filaments the farm never stocked."""

    search_hint = "Name, SKU, manufacturer, colour…"
    kind = forms.ChoiceField(required=False, choices=_any("All kinds", ItemType.Kind.choices))
    catalog = forms.ChoiceField(required=False, label="Catalog filaments", choices=[
        ("", "Without catalog filaments"), ("all", "With catalog filaments"), ("only", "Catalog filaments only")],
        help_text="Filaments imported from the catalog that this farm never received a spool of.")


class SpoolFilterForm(FilterForm):
    """Spools: search, status, location and material (PLA, PETG…)."""

    search_hint = "#id, material, colour, lot…"
    status = forms.ChoiceField(required=False, choices=_any("Any status", Spool.Status.choices))
    location = _location_filter()
    material = forms.ChoiceField(required=False)

    def __init__(self, *args: Any, tenant: Tenant, **kwargs: Any) -> None:
        super().__init__(*args, tenant=tenant, **kwargs)
        self.fields["location"].queryset = selectors.location_list(tenant=tenant)
        self.fields["material"].choices = _any("All materials",
                                               [(m, m) for m in selectors.material_names(tenant=tenant)])


class LedgerFilterForm(FilterForm):
    """The ledger: item (those that moved), location, spool, type, reference text, dates."""

    q = None  # the ledger searches its references instead
    item_type = forms.ModelChoiceField(required=False, queryset=ItemType.objects.none(), label="Item",
                                       empty_label="All items")
    location = _location_filter()
    spool = forms.IntegerField(required=False, min_value=1, label="Spool #",
                               widget=forms.NumberInput(attrs={"placeholder": "Spool #"}))
    transaction_type = forms.ChoiceField(required=False, label="Type",
                                         choices=_any("All types", InventoryTransaction.Type.choices))
    reference = forms.CharField(required=False, label="Reference",
                                widget=forms.TextInput(attrs={"type": "search", "placeholder": "Reference contains…"}))
    date_from = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, tenant: Tenant, **kwargs: Any) -> None:
        super().__init__(*args, tenant=tenant, **kwargs)
        self.fields["item_type"].queryset = selectors.moved_item_types(tenant=tenant)
        self.fields["location"].queryset = selectors.location_list(tenant=tenant)


class StockFilterForm(FilterForm):
    """Stock on hand: search, location, kind, only non-zero balances."""

    search_hint = "Item, SKU, colour…"
    location = _location_filter()
    kind = forms.ChoiceField(required=False, choices=_any("All kinds", ItemType.Kind.choices))
    nonzero = forms.BooleanField(required=False, label="Only non-zero",
                                 widget=forms.CheckboxInput(attrs={"value": "true"}))

    def __init__(self, *args: Any, tenant: Tenant, **kwargs: Any) -> None:
        super().__init__(*args, tenant=tenant, **kwargs)
        self.fields["location"].queryset = selectors.location_list(tenant=tenant)


class LocationFilterForm(FilterForm):
    """Locations: name and kind."""

    search_hint = "Name…"
    kind = forms.ChoiceField(required=False, choices=_any("All kinds", Location.Kind.choices))


class WorkstationFilterForm(FilterForm):
    """Workstations: name, kind, location, active or not."""

    search_hint = "Name…"
    kind = forms.ChoiceField(required=False, choices=_any("All kinds", Workstation.Kind.choices))
    location = _location_filter()
    is_active = forms.ChoiceField(required=False, label="Active",
                                  choices=[("", "Active or not"), ("true", "Active"), ("false", "Inactive")])

    def __init__(self, *args: Any, tenant: Tenant, **kwargs: Any) -> None:
        super().__init__(*args, tenant=tenant, **kwargs)
        self.fields["location"].queryset = selectors.location_list(tenant=tenant)


# --- item types, locations, workstations -------------------------------------------------------

class ItemTypeForm(PageModelForm):
    """Create or edit an item type; the filament fields matter for materials only."""

    MATERIAL_FIELDS = ("material", "manufacturer", "color_name", "color_hex", "density_g_cm3", "diameter_mm",
                       "net_weight_g", "spool_weight_g")

    class Meta:
        model = ItemType
        fields = ["name", "sku", "kind", "unit", "unit_cost", "is_active", "material", "manufacturer",
                  "color_name", "color_hex", "density_g_cm3", "diameter_mm", "net_weight_g", "spool_weight_g"]
        labels = {"unit_cost": "Unit cost", "is_active": "Active", "color_name": "Colour name",
                  "color_hex": "Colour (hex)", "density_g_cm3": "Density (g/cm³)", "diameter_mm": "Diameter (mm)",
                  "net_weight_g": "Net weight (g)", "spool_weight_g": "Empty spool (g)"}
        widgets = {"color_hex": forms.TextInput(attrs={"placeholder": "#1A2B3C", "data-swatch-input": ""})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].required = False
        self.fields["unit"].choices = [("", "Automatic: g for materials, pcs otherwise"), *ItemType.Unit.choices]
        self.fields["kind"].widget.attrs["data-kind-select"] = ""

    def material_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.MATERIAL_FIELDS]

    def general_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.Meta.fields if name not in self.MATERIAL_FIELDS]

    def create_values(self) -> dict[str, Any]:
        """Arguments of ``item_type_create``: every field, without an empty unit (the service picks)."""
        values = dict(self.cleaned_data)
        if not values.get("unit"):
            values.pop("unit", None)
        return values


class LocationForm(PageModelForm):
    """Create or edit a location."""

    class Meta:
        model = Location
        fields = ["name", "kind"]


class WorkstationForm(PageModelForm):
    """Create or edit a workstation; activities are typed comma-separated."""

    activities = forms.CharField(required=False, help_text="Comma-separated, e.g. printing, assembly.")

    class Meta:
        model = Workstation
        fields = ["name", "location", "kind", "model_name", "activities", "is_active"]
        labels = {"model_name": "Model", "is_active": "Active"}

    def __init__(self, *args: Any, tenant: Tenant, obj: Workstation | None = None, **kwargs: Any) -> None:
        if obj is not None:
            kwargs["initial"] = {"activities": ", ".join(obj.activities or [])}
        super().__init__(*args, obj=obj, **kwargs)
        self.fields["location"].queryset = selectors.location_list(tenant=tenant)
        self.fields["location"].empty_label = "Choose a location…"

    def clean_activities(self) -> list[str]:
        return [part.strip() for part in self.cleaned_data["activities"].split(",") if part.strip()]


# --- spools ----------------------------------------------------------------------------------

class SpoolReceiveForm(PageForm):
    """Receive a spool: the material comes from the catalog search (a hidden id)."""

    item_type = forms.ModelChoiceField(
        queryset=ItemType.objects.none(), widget=forms.HiddenInput, label="Material",
        error_messages={"required": "Choose a material: search the catalog and click a match.",
                        "invalid_choice": "That material is not in your catalog; search again."})
    location = forms.ModelChoiceField(queryset=Location.objects.none(), empty_label="Choose a location…")
    initial_weight_g = forms.DecimalField(**GRAMS, min_value=Decimal("0.01"), required=False,
                                          label="Filament (net g)", help_text="Empty: the material's net weight.")
    tare_weight_g = forms.DecimalField(**GRAMS, min_value=Decimal("0"), required=False, label="Empty spool (tare g)",
                                       help_text="Empty: the material's spool weight.")
    cost = forms.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal("0"), required=False,
                              help_text="Empty: unit cost × weight.")
    lot_number = forms.CharField(max_length=80, required=False, label="Lot number")
    note = forms.CharField(max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, tenant: Tenant, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["item_type"].queryset = selectors.item_type_list(
            tenant=tenant, filters={"kind": ItemType.Kind.MATERIAL})
        locations = selectors.location_list(tenant=tenant)
        self.fields["location"].queryset = locations
        for name in ("initial_weight_g", "tare_weight_g", "cost"):
            self.fields[name].widget.attrs["inputmode"] = "decimal"

    def has_materials(self) -> bool:
        """False in a new shop: the page then says to add a material first."""
        return self.fields["item_type"].queryset.exists()

    def has_locations(self) -> bool:
        return self.fields["location"].queryset.exists()

    def chosen_material(self) -> ItemType | None:
        """The material picked so far (for the chosen-material card when the form comes back)."""
        return getattr(self, "cleaned_data", {}).get("item_type")

    def service_values(self) -> dict[str, Any]:
        """Arguments of ``spool_receive``: empty optional numbers are left to its defaults."""
        return {name: value for name, value in self.cleaned_data.items()
                if value is not None or name not in ("initial_weight_g", "tare_weight_g", "cost")}


class SpoolWeighForm(PageForm):
    """Weigh a spool: the gross weight on the scale (spool included); the page shows the net live."""

    gross_weight_g = forms.DecimalField(**GRAMS, min_value=Decimal("0"), label="Gross weight on the scale (g)",
                                        widget=forms.NumberInput(attrs={"inputmode": "decimal"}))
    note = forms.CharField(max_length=500, required=False)

    def __init__(self, *args: Any, spool: Spool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        gross = self.fields["gross_weight_g"]
        gross.widget.attrs.update({"data-tare": f"{spool.tare_weight_g:f}", "data-net-max": f"{spool.initial_weight_g:f}",
                                   "data-net-target": "#net-preview"})
        empty, full = spool.tare_weight_g, spool.tare_weight_g + spool.initial_weight_g
        gross.help_text = f"The empty spool's {empty:,.0f} g are subtracted; full, it weighed {full:,.0f} g."


class NoteForm(PageForm):
    """An optional note (mark empty, reverse)."""

    note = forms.CharField(max_length=500, required=False)


# --- stock moves of one product or component ---------------------------------------------------

class _LocationOnHandField(forms.ModelChoiceField):
    """A location choice labelled with what the item has on hand there (``form.on_hand_by_location``)."""

    on_hand: dict[int, Decimal]
    unit: str = ""

    def label_from_instance(self, obj: Location) -> str:
        quantity = self.on_hand.get(obj.pk, Decimal("0"))
        return f"{obj.name} · {quantity.normalize():,f} {self.unit} on hand"


class StockMoveForm(PageForm):
    """Base of the adjust, transfer and ship forms of one item: every location field lists the
    tenant's locations; ``source_field`` names the one stock leaves, whose on-hand shows beside the
    quantity. Service errors about the line (``items[0].quantity``) and a short shelf
    (StockShortError) land on ``quantity``."""

    source_field = "location"
    location_fields: tuple[str, ...] = ("location",)

    def __init__(self, *args: Any, tenant: Tenant, item_type: ItemType, on_hand: dict[int, Decimal],
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.item_type, self.on_hand_by_location = item_type, on_hand
        locations = selectors.location_list(tenant=tenant)
        for name in self.location_fields:
            self.fields[name].queryset = locations
        source = self.fields[self.source_field]
        source.on_hand, source.unit = on_hand, item_type.unit
        source.widget.attrs["data-on-hand-source"] = ""
        self.fields["quantity"].widget.attrs.update({"inputmode": "decimal", "aria-describedby": "on-hand"})

    def source(self) -> Location | None:
        """The location chosen as the source so far (posted, or the page's initial choice)."""
        field = self.fields[self.source_field]
        value = self[self.source_field].value()
        try:
            return field.queryset.get(pk=value) if value not in (None, "") else None
        except (ValueError, TypeError, Location.DoesNotExist):
            return None

    def has_stock(self) -> bool:
        """False when no location holds any of the item (the page then says how stock gets there)."""
        return any(quantity > 0 for quantity in self.on_hand_by_location.values())

    def source_on_hand(self) -> Decimal | None:
        source = self.source()
        return None if source is None else self.on_hand_by_location.get(source.pk, Decimal("0"))

    def add_application_error(self, error: ApplicationError) -> None:
        if isinstance(error, StockShortError):
            self.add_error("quantity", error.message)
            return
        if isinstance(error, ValidationError):
            renamed = {LINE_FIELDS.get(name, name): messages for name, messages in error.fields.items()}
            error = ValidationError(error.message, fields=renamed)
        super().add_application_error(error)


LINE_FIELDS = {"items[0].quantity": "quantity", "items[0].item_type": NON_FIELD, "items": NON_FIELD}


class StockAdjustForm(StockMoveForm):
    """A count correction: the signed change at one location, with the reason."""

    location = _LocationOnHandField(queryset=Location.objects.none(), empty_label="Choose a location…")
    quantity = forms.DecimalField(max_digits=14, decimal_places=3, label="Change",
                                  help_text="More found: a positive number (5). Missing or broken: negative (-3).")
    note = forms.CharField(max_length=500, label="Reason", help_text="Why the count changed: a stock count, "
                                                                    "breakage, a box found…")

    def clean_quantity(self) -> Decimal:
        quantity = self.cleaned_data["quantity"]
        if quantity == 0:
            raise forms.ValidationError("Enter the change: more than 0, or less than 0 for missing pieces.")
        return quantity

    def service_values(self) -> dict[str, Any]:
        """Arguments of ``stock_adjust`` (besides tenant, by and item)."""
        return dict(self.cleaned_data)


class StockTransferForm(StockMoveForm):
    """Move a quantity from one location to another."""

    source_field = "origin"
    location_fields = ("origin", "destination")
    origin = _LocationOnHandField(queryset=Location.objects.none(), empty_label="Choose a location…", label="From")
    destination = forms.ModelChoiceField(queryset=Location.objects.none(), empty_label="Choose a location…",
                                         label="To")
    quantity = forms.DecimalField(max_digits=14, decimal_places=3, min_value=Decimal("0.001"))
    note = forms.CharField(max_length=500, required=False)

    def service_values(self) -> dict[str, Any]:
        """Arguments of ``stock_transfer`` (besides tenant and by)."""
        data = self.cleaned_data
        return {"origin": data["origin"], "destination": data["destination"], "note": data["note"],
                "items": [StockLine(item_type=self.item_type, quantity=data["quantity"])]}


class StockShipForm(StockMoveForm):
    """Ship a quantity from one location to a customer."""

    location = _LocationOnHandField(queryset=Location.objects.none(), empty_label="Choose a location…",
                                    label="Ship from")
    quantity = forms.DecimalField(max_digits=14, decimal_places=3, min_value=Decimal("0.001"))
    customer = forms.CharField(max_length=120, required=False, help_text="Who it goes to (shown in the ledger).")
    note = forms.CharField(max_length=500, required=False, help_text="An order number, a tracking code…")

    def service_values(self) -> dict[str, Any]:
        """Arguments of ``stock_ship`` (besides tenant and by)."""
        data = self.cleaned_data
        return {"location": data["location"], "customer": data["customer"], "note": data["note"],
                "items": [StockLine(item_type=self.item_type, quantity=data["quantity"])]}
