"""Forms of the plans pages: they parse and check input shapes; the services decide the rules.

Filter forms are bound to the query string and use the names of ``plans.filters``. The step
editor's form gets its recipe and location choices from lists loaded once for the whole tree,
so rendering a form per step costs no query.
"""
from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from inventory import selectors as inventory_selectors
from inventory.models import ItemType, Location, Workstation
from plans import selectors
from plans.models import JobQueueEntry, ProductionPlan, ProductionPlanRun, ProductionPlanStep, Recipe
from prodtrack.forms import DurationField, FilterForm, PageForm, PageModelForm, ProductChoiceField
from prodtrack.models import Tenant

MAX_QUANTITY = 1_000_000
MAX_PARALLELISM = 1_000
PERCENT = {"max_digits": 5, "decimal_places": 2, "min_value": Decimal("0"), "max_value": Decimal("100")}
MONEY = {"max_digits": 12, "decimal_places": 2, "min_value": Decimal("0")}


def _any(label: str, choices: Any) -> list[tuple[str, str]]:
    return [("", label), *choices]


# --- list filters ----------------------------------------------------------------------------

class PlanFilterForm(FilterForm):
    """Plans: search by name."""

    search_hint = "Plan name…"


class PlanRunFilterForm(FilterForm):
    """Plan runs: plan, source, created between two days."""

    q = None
    plan = forms.ModelChoiceField(required=False, queryset=ProductionPlan.objects.none(), empty_label="All plans")
    source = forms.ChoiceField(required=False, choices=_any("Any source", ProductionPlanRun.Source.choices))
    date_from = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, tenant: Tenant, **kwargs: Any) -> None:
        super().__init__(*args, tenant=tenant, **kwargs)
        self.fields["plan"].queryset = ProductionPlan.objects.for_tenant(tenant).order_by("name", "id")


class JobQueueFilterForm(FilterForm):
    """The job queue: status (open jobs unless chosen), location, plan run."""

    OPEN = ""
    ALL = "all"

    q = None
    status = forms.ChoiceField(required=False, choices=[
        (OPEN, "Open (planned + active)"), *JobQueueEntry.Status.choices, (ALL, "Any status")])
    location = forms.ModelChoiceField(required=False, queryset=Location.objects.none(), empty_label="All locations")
    plan_run = forms.IntegerField(required=False, min_value=1, label="Plan run #",
                                  widget=forms.NumberInput(attrs={"placeholder": "Plan run #"}))

    def __init__(self, *args: Any, tenant: Tenant, **kwargs: Any) -> None:
        super().__init__(*args, tenant=tenant, **kwargs)
        self.fields["location"].queryset = inventory_selectors.location_list(tenant=tenant)

    def selector_filters(self) -> dict[str, Any]:
        """``plans.filters.JobFilter`` input: the chosen status (open = planned + active)."""
        status = self.cleaned_data["status"]
        if status == self.OPEN:
            statuses = [JobQueueEntry.Status.PLANNED, JobQueueEntry.Status.ACTIVE]
        else:
            statuses = [] if status == self.ALL else [status]
        location = self.cleaned_data["location"]
        return {"status": statuses, "location": location.pk if location else None,
                "plan_run": self.cleaned_data["plan_run"]}


# --- plans -----------------------------------------------------------------------------------

def _optional_cost(form: forms.BaseForm) -> None:
    """The transport cost may be left empty (0)."""
    field = form.fields["transport_cost_per_item"]
    field.required = False
    field.widget.attrs.update({"inputmode": "decimal", "placeholder": "0.00"})


class PlanCreateForm(PageModelForm):
    """A new plan: its name, the product it makes and the transport settings."""

    product = ProductChoiceField(queryset=ItemType.objects.none(), empty_label="Choose a product…",
                                 help_text="The plan's root step makes it with its recipe.")

    class Meta:
        model = ProductionPlan
        fields = ["name", "product", "transport_enabled", "transport_cost_per_item"]
        labels = {"transport_enabled": "Plan transport between locations",
                  "transport_cost_per_item": "Transport cost per item"}

    def __init__(self, *args: Any, tenant: Tenant, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = selectors.plan_product_choices(tenant=tenant)
        _optional_cost(self)

    def clean_transport_cost_per_item(self) -> Decimal:
        return self.cleaned_data["transport_cost_per_item"] or Decimal("0")


class PlanSettingsForm(PageModelForm):
    """A plan's name, notes and transport settings (the product is fixed)."""

    class Meta:
        model = ProductionPlan
        fields = ["name", "notes", "transport_enabled", "transport_cost_per_item"]
        labels = PlanCreateForm.Meta.labels
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"transport_cost_per_item": "Per piece moved between two locations."}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "settings")
        super().__init__(*args, **kwargs)
        _optional_cost(self)

    def clean_transport_cost_per_item(self) -> Decimal:
        return self.cleaned_data["transport_cost_per_item"] or Decimal("0")


class StepForm(PageForm):
    """A step's settings, edited in place. ``recipes`` (of the step's product) and ``locations``
    are the choices, loaded once for the whole tree; the cleaned values are the objects."""

    recipe = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    material_efficiency = forms.DecimalField(
        **PERCENT, label="Material saving %",
        help_text="Less input per plate than the recipe says: 10 means 90 % of its grams and parts.")
    time_efficiency = forms.DecimalField(
        **PERCENT, label="Time saving %", help_text="Shorter than the recipe's print time: 10 means 90 % of it.")
    tax_per_run = forms.DecimalField(
        **MONEY, label="Extra cost per plate",
        help_text="Added to the cost of every plate (run) of this step: electricity, wear, handling.")
    location = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    workstation_kind = forms.ChoiceField(required=False, label="Workstation kind",
                                         choices=_any("Any workstation", Workstation.Kind.choices))

    def __init__(self, *args: Any, step: ProductionPlanStep, recipes: Iterable[Recipe],
                 locations: Iterable[Location], **kwargs: Any) -> None:
        kwargs.setdefault("prefix", f"step-{step.pk}")
        kwargs.setdefault("initial", {
            "recipe": step.recipe_id, "material_efficiency": step.material_efficiency,
            "time_efficiency": step.time_efficiency, "tax_per_run": step.tax_per_run,
            "location": step.location_id, "workstation_kind": step.workstation_kind})
        super().__init__(*args, **kwargs)
        self.recipes = {recipe.pk: recipe for recipe in recipes}
        self.locations = {location.pk: location for location in locations}
        self.fields["recipe"].choices = _any("No recipe (the step is skipped)", [
            (recipe.pk, recipe.name if recipe.is_active else f"{recipe.name} (inactive)")
            for recipe in self.recipes.values()])
        self.fields["location"].choices = _any("No location", [(pk, loc.name) for pk, loc in self.locations.items()])
        for name in ("material_efficiency", "time_efficiency", "tax_per_run"):
            self.fields[name].widget.attrs["inputmode"] = "decimal"

    def clean_recipe(self) -> Recipe | None:
        pk = self.cleaned_data["recipe"]
        return self.recipes[pk] if pk is not None else None

    def clean_location(self) -> Location | None:
        pk = self.cleaned_data["location"]
        return self.locations[pk] if pk is not None else None


class StepProductForm(PageForm):
    """Which input of a step's recipe to make in the plan (a hidden product id)."""

    product = forms.ModelChoiceField(queryset=ItemType.objects.none(), widget=forms.HiddenInput,
                                     error_messages={"invalid_choice": "That item is not in your catalog."})

    def __init__(self, *args: Any, tenant: Tenant, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = ItemType.objects.for_tenant(tenant)


class GenerateForm(PageForm):
    """How many pieces to generate, over how many workstations per job."""

    quantity = forms.IntegerField(
        min_value=1, max_value=MAX_QUANTITY, label="Quantity",
        error_messages={"required": "Enter how many pieces to make.", "invalid": "Enter a whole number of pieces.",
                        "min_value": "Enter at least 1 piece."},
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "step": "1", "min": "1"}))
    parallelism = forms.IntegerField(
        min_value=0, max_value=MAX_PARALLELISM, required=False, label="Parallelism",
        help_text="Workstations per job at most; 0 = every one that can run it.",
        error_messages={"invalid": "Enter a whole number, 0 or more."},
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "step": "1", "min": "0", "placeholder": "0"}))

    def __init__(self, *args: Any, product: ItemType | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"parallelism": 0})
        super().__init__(*args, **kwargs)
        if product is not None:
            self.fields["quantity"].help_text = f"Pieces of {product.name}."

    def clean_parallelism(self) -> int:
        return self.cleaned_data["parallelism"] or 0


# --- recipes -------------------------------------------------------------------------------------

class RecipeFilterForm(FilterForm):
    """Recipes: search by name, filter by the product they make."""

    search_hint = "Recipe name…"
    product = forms.ModelChoiceField(required=False, queryset=ItemType.objects.none(), empty_label="All products")

    def __init__(self, *args: Any, tenant: Tenant, **kwargs: Any) -> None:
        super().__init__(*args, tenant=tenant, **kwargs)
        self.fields["product"].queryset = selectors.recipe_product_choices(tenant=tenant)


class RecipeForm(PageModelForm):
    """A recipe's own fields: what one plate (run) makes and how long it prints."""

    product = forms.ModelChoiceField(queryset=ItemType.objects.none(), empty_label="Choose a product…",
                                     help_text="What the plate makes.")
    duration_s = DurationField(label="Print time per plate", required=False,
                               help_text="Like 2h 30m, 1:45 or 90 (minutes). Leave empty when unknown.")

    class Meta:
        model = Recipe
        fields = ["name", "product", "output_quantity", "duration_s", "is_active", "notes"]
        labels = {"output_quantity": "Pieces per plate", "is_active": "In use (plans and jobs take this recipe)"}
        help_texts = {"output_quantity": "How many pieces one plate (one run) makes.",
                      "name": 'For example "Hook, 8 per plate".'}
        widgets = {"notes": forms.Textarea(attrs={"rows": 2}),
                   "output_quantity": forms.NumberInput(attrs={"inputmode": "numeric", "min": "1", "step": "1"})}

    def __init__(self, *args: Any, tenant: Tenant, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = ItemType.objects.for_tenant(tenant).filter(kind=ItemType.Kind.PRODUCT)

    def clean_duration_s(self) -> int:
        return self.cleaned_data["duration_s"] or 0


class QuickSelect(forms.Select):
    """A ``<select>`` (optgroups too) rendered in Python rather than one template per option: a
    filament row offers every material of an imported catalog (thousands), which Django's
    template-per-option rendering takes over a second to draw."""

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> str:
        chosen = "" if value is None else str(value)

        def options(choices: Any) -> str:
            return "".join(format_html('<option value="{}"{}>{}</option>', key, " selected" if str(key) == chosen
                                       else "", label) for key, label in choices)

        body = "".join(format_html('<optgroup label="{}">{}</optgroup>', key, mark_safe(options(label)))  # noqa: S308
                       if isinstance(label, list | tuple) else options([(key, label)]) for key, label in self.choices)
        return format_html("<select{}>{}</select>", flatatt(self.build_attrs(self.attrs, {**(attrs or {}), "name": name})),
                           mark_safe(body))  # noqa: S308 — every part escaped by format_html above


class RecipeInputRowForm(PageForm):
    """One input row: an item (a material in grams, or a part in pieces) and how much one plate
    takes. A row left empty is ignored; ``choices`` are the items the row offers."""

    item_type = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, widget=QuickSelect)
    quantity = forms.DecimalField(required=False, min_value=Decimal("0.001"), max_digits=14, decimal_places=3,
                                  widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}))

    def __init__(self, *args: Any, items: dict[int, ItemType], choices: list[Any], unit: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.items = items
        self.fields["item_type"].choices = choices
        self.fields["item_type"].label = "Filament" if unit == "g" else "Part"
        self.fields["quantity"].label = "Grams per plate" if unit == "g" else "Pieces per plate"

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        item, quantity = data.get("item_type"), data.get("quantity")
        if item is None and quantity is None and not self.errors:
            data["empty"] = True
            return data
        if item is None and "item_type" not in self.errors:
            self.add_error("item_type", "Choose an item, or remove the row.")
        if quantity is None and "quantity" not in self.errors:
            self.add_error("quantity", "Enter how much one plate takes.")
        return data

    def clean_item_type(self) -> ItemType | None:
        pk = self.cleaned_data["item_type"]
        return self.items[pk] if pk is not None else None


class RecipeGcodeForm(PageForm):
    """A sliced file to read into the recipe (its print time, pieces and grams)."""

    gcode = forms.FileField(required=False, label="G-code or sliced 3MF file")
