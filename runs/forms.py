"""Forms of the production run pages: they parse and check input shapes; the services decide the rules.

Filter forms are bound to the query string and use the names of ``runs.filters.ProductionRunFilter``.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone

from inventory import selectors as inventory_selectors
from inventory.models import ItemType, Spool
from plans import selectors as plan_selectors
from prodtrack.exceptions import ApplicationError, ValidationError
from prodtrack.forms import DurationField, FilterForm, PageForm, PageModelForm, ProductChoiceField
from prodtrack.models import Tenant
from runs.models import ProductionRun, ProductionRunItem, ProductionRunMaterial, ProductionRunPart
from runs.services import ItemOutcome, ItemSpec, MaterialActual, MaterialSpec, PartUse


class ProductionRunFilterForm(FilterForm):
    """Production runs: run number search, status, started between two days, product, spool, printer."""

    search_hint = "Run number…"
    status = forms.ChoiceField(required=False, choices=[("", "Any status"), *ProductionRun.Status.choices])
    date_from = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))
    product = forms.ModelChoiceField(required=False, queryset=ItemType.objects.none(), empty_label="All products")
    spool = forms.IntegerField(required=False, min_value=1, label="Spool #",
                               widget=forms.NumberInput(attrs={"placeholder": "Spool #"}))
    workstation = forms.ModelChoiceField(required=False, queryset=ItemType.objects.none(), label="Printer",
                                         empty_label="All printers")

    def __init__(self, *args: Any, tenant: Tenant, **kwargs: Any) -> None:
        super().__init__(*args, tenant=tenant, **kwargs)
        self.fields["product"].queryset = (ItemType.objects.for_tenant(tenant)
                                           .filter(kind=ItemType.Kind.PRODUCT).order_by("name", "id"))
        self.fields["workstation"].queryset = inventory_selectors.workstation_list(tenant=tenant)


class VarianceFilterForm(FilterForm):
    """The variance report: runs started between two days, one product (no search box)."""

    q = None
    date_from = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))
    product = forms.ModelChoiceField(required=False, queryset=ItemType.objects.none(), empty_label="All products")

    def __init__(self, *args: Any, tenant: Tenant, **kwargs: Any) -> None:
        super().__init__(*args, tenant=tenant, **kwargs)
        self.fields["product"].queryset = (ItemType.objects.for_tenant(tenant)
                                           .filter(kind=ItemType.Kind.PRODUCT).order_by("name", "id"))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", "The end day is before the start day.")
        return data


# --- the edit page of an in-progress run ---------------------------------------------------------

class MinuteDateTimeField(forms.DateTimeField):
    """A date and time typed to the minute (``datetime-local``), read in the current (the tenant's)
    time zone; a value whose minute is unchanged counts as unchanged, so its seconds are kept."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")

    def has_changed(self, initial: Any, data: Any) -> bool:
        try:
            value = self.to_python(data)
        except forms.ValidationError:
            return True
        if initial is None or value is None:
            return initial != value
        return initial.replace(second=0, microsecond=0) != value.replace(second=0, microsecond=0)


class RunEditForm(PageModelForm):
    """An in-progress run's own fields (all but its number) for ``production_run_update``: start
    (in the tenant's time zone, which the middleware makes current), printer (a workstation, or a
    name when it is not listed), output location, slicer, estimated print time (typed "1h 30m",
    kept in seconds), temperatures (°C), notes."""

    started_at = MinuteDateTimeField(label="Started")
    estimated_duration_s = DurationField(required=False, label="Estimated print time")
    nozzle_temp_c = forms.IntegerField(required=False, min_value=0, max_value=500, label="Nozzle °C")
    bed_temp_c = forms.IntegerField(required=False, min_value=0, max_value=200, label="Bed °C")

    class Meta:
        model = ProductionRun
        fields = ["started_at", "workstation", "printer_name", "location", "slicer", "estimated_duration_s",
                  "nozzle_temp_c", "bed_temp_c", "notes"]
        labels = {"workstation": "Printer", "printer_name": "Printer name", "location": "Output to"}
        help_texts = {"printer_name": "When the printer is not in the list.",
                      "location": "Where the good pieces go when the run is completed."}
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, tenant: Tenant, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["workstation"].queryset = inventory_selectors.workstation_list(tenant=tenant)
        self.fields["workstation"].empty_label = "Not listed"
        self.fields["location"].queryset = inventory_selectors.location_list(tenant=tenant)
        self.fields["location"].empty_label = "None yet"


class ServicePathErrors:
    """Shows service errors about ``<service_path><field>`` (``item[0].quantity``) beside the field."""

    service_path = ""

    def add_application_error(self, error: ApplicationError) -> None:
        if isinstance(error, ValidationError) and self.service_path:
            error = ValidationError(error.message, fields={
                name.removeprefix(self.service_path): messages for name, messages in error.fields.items()})
        super().add_application_error(error)


EDIT_FORM_ID = "run-edit"


class RunRowForm(PageModelForm):
    """One row of an edit-page table (an item, a material), prefixed ``<row_prefix>-<pk>``. Its
    inputs carry ``form="run-edit"``: they sit in the row's cells and are saved with the page's
    one Save (``RunEditAllForm``)."""

    row_prefix = "row"

    def __init__(self, *args: Any, obj: Any, **kwargs: Any) -> None:
        super().__init__(*args, obj=obj, prefix=f"{self.row_prefix}-{obj.pk}", **kwargs)
        for field in self.fields.values():
            field.widget.attrs["form"] = EDIT_FORM_ID


class ItemRowForm(RunRowForm):
    """An item's quantity, bed position and estimated cost (``production_run_item_update``)."""

    row_prefix = "item"
    quantity = forms.IntegerField(min_value=1)

    class Meta:
        model = ProductionRunItem
        fields = ["quantity", "bed_position", "estimated_cost"]


class MaterialRowForm(RunRowForm):
    """A material's estimated grams and purge (``production_run_material_update``)."""

    row_prefix = "material"
    estimated_weight_g = forms.DecimalField(min_value=0, max_digits=12, decimal_places=2, label="Estimated (g)")
    estimated_purge_g = forms.DecimalField(min_value=0, max_digits=12, decimal_places=2, label="Purge (g)")

    class Meta:
        model = ProductionRunMaterial
        fields = ["estimated_weight_g", "estimated_purge_g"]


def row_data(data: Any, prefix: str) -> Any:
    """``data`` when any of its keys start with ``prefix`` (a row's inputs were posted), else None."""
    return data if data is not None and any(key.startswith(prefix) for key in data) else None


class RunEditAllForm(RunEditForm):
    """The whole edit page's one Save (``production_run_edit``): the run's fields, an
    ``ItemRowForm`` per item and a ``MaterialRowForm`` per material. A row none of whose inputs
    were posted is left as it is; a service error about ``items[<pk>].<field>`` or
    ``materials[<pk>].<field>`` lands beside that row's field."""

    ROW_PATH = re.compile(r"(?P<rows>items|materials)\[(?P<pk>\d+)\]\.(?P<field>\w+)")

    def __init__(self, data: Any = None, *, obj: ProductionRun, tenant: Tenant,
                 items: Sequence[ProductionRunItem], materials: Sequence[ProductionRunMaterial]) -> None:
        super().__init__(data, obj=obj, tenant=tenant)
        self.item_forms = {item.pk: ItemRowForm(row_data(data, f"item-{item.pk}-"), obj=item) for item in items}
        self.material_forms = {material.pk: MaterialRowForm(row_data(data, f"material-{material.pk}-"),
                                                            obj=material) for material in materials}

    def _rows(self) -> list[PageModelForm]:
        return [row for row in (*self.item_forms.values(), *self.material_forms.values()) if row.is_bound]

    def is_valid(self) -> bool:
        return all([super().is_valid(), *(row.is_valid() for row in self._rows())])

    def has_row_errors(self) -> bool:
        return any(row.errors for row in self._rows())

    def item_changes(self) -> dict[int, dict[str, Any]]:
        return {pk: row.changed_values() for pk, row in self.item_forms.items() if row.is_bound}

    def material_changes(self) -> dict[int, dict[str, Any]]:
        return {pk: row.changed_values() for pk, row in self.material_forms.items() if row.is_bound}

    def add_application_error(self, error: ApplicationError) -> None:
        if isinstance(error, ValidationError) and error.fields:
            rest = {}
            for path, messages in error.fields.items():
                match = self.ROW_PATH.fullmatch(path)
                rows = {"items": self.item_forms, "materials": self.material_forms}[match["rows"]] if match else {}
                row = rows.get(int(match["pk"])) if match else None
                if row is None:
                    rest[path] = messages
                    continue
                for message in messages:
                    row.add_error(match["field"] if match["field"] in row.fields else None, message)
            if rest:
                super().add_application_error(ValidationError(error.message, fields=rest))
            else:
                self.add_error(None, "Nothing was saved: fix the fields marked below.")
            return
        super().add_application_error(error)


class ItemAddForm(ServicePathErrors, PageForm):
    """A product to add to a run; a blank cost comes from its recipe (``production_run_item_add``)."""

    service_path = "item[0]."
    prefix = "item-add"
    product = ProductChoiceField(queryset=ItemType.objects.none(), empty_label="Choose a product…")
    quantity = forms.IntegerField(min_value=1, initial=1)
    bed_position = forms.CharField(required=False, max_length=40)
    estimated_cost = forms.DecimalField(required=False, max_digits=12, decimal_places=2,
                                        widget=forms.NumberInput(attrs={"placeholder": "From the recipe"}))

    def __init__(self, *args: Any, tenant: Tenant, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = plan_selectors.plan_product_choices(tenant=tenant)

    def spec(self) -> ItemSpec:
        return ItemSpec(**self.cleaned_data)


class MaterialAddForm(ServicePathErrors, PageForm):
    """A spool to add to a run: an active spool not in it yet; blank grams come from the recipes
    (``production_run_material_add``)."""

    service_path = "material[0]."
    prefix = "material-add"
    spool = forms.ModelChoiceField(queryset=Spool.objects.none(), widget=forms.RadioSelect, empty_label=None,
                                   error_messages={"required": "Choose a spool."})
    estimated_weight_g = forms.DecimalField(required=False, min_value=0, max_digits=12, decimal_places=2,
                                            label="Estimated (g)",
                                            widget=forms.NumberInput(attrs={"placeholder": "From the recipes"}))
    estimated_purge_g = forms.DecimalField(required=False, min_value=0, max_digits=12, decimal_places=2,
                                           label="Purge (g)", widget=forms.NumberInput(attrs={"placeholder": "0"}))

    def __init__(self, *args: Any, tenant: Tenant, run: ProductionRun, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        taken = [material.spool_id for material in run.materials.all()]
        self.fields["spool"].queryset = inventory_selectors.spool_list(
            tenant=tenant, filters={"status": Spool.Status.ACTIVE, "ordering": "item"}).exclude(pk__in=taken)

    def spec(self) -> MaterialSpec:
        data = self.cleaned_data
        return MaterialSpec(spool=data["spool"], estimated_weight_g=data["estimated_weight_g"],
                            estimated_purge_g=data["estimated_purge_g"] or Decimal("0"))


class RunFailForm(PageForm):
    """Why a run failed (optional; kept in its completion notes)."""

    notes = forms.CharField(required=False, max_length=2000, label="What went wrong?",
                            widget=forms.Textarea(attrs={"rows": 3}))


# --- the complete form ---------------------------------------------------------------------------

GRAMS_ERRORS = {"required": "is needed.", "invalid": "must be a number of grams.", "min_value": "must be 0 or more.",
                "max_digits": "is too large.", "max_whole_digits": "is too large.",
                "max_decimal_places": "takes at most 2 decimals."}
PIECES_ERRORS = {"required": "is needed.", "invalid": "must be a whole number.", "min_value": "must be 0 or more."}


def _grams_field(label: str) -> forms.DecimalField:
    return forms.DecimalField(label=label, required=False, min_value=0, max_digits=12, decimal_places=2,
                              error_messages=GRAMS_ERRORS, widget=forms.NumberInput(attrs={"inputmode": "decimal"}))


class MaterialActualForm(PageForm):
    """How much filament one run material really used (``runs.services.MaterialActual``): its
    estimate, the spool weighed before and after printing (actual = before − after − purge), or
    grams; and the purge (grams; blank: the estimated purge). Prefixed ``material-<pk>``.

    The chosen way's fields are required (code ``required``: the live preview waits for them);
    the completion checks the rest (after ≤ before, purge ≤ what the spool lost).
    """

    ESTIMATE, WEIGH, GRAMS = "estimate", "weigh", "grams"
    NEEDS = {WEIGH: ("weight_before_g", "weight_after_g"), GRAMS: ("actual_weight_g",)}

    mode = forms.ChoiceField(label="Record", widget=forms.RadioSelect,
                             choices=[(ESTIMATE, "Use estimate"), (WEIGH, "Weigh spool"), (GRAMS, "Actual grams")],
                             error_messages={"required": "is needed.", "invalid_choice": "is not one of the three ways."})
    weight_before_g = _grams_field("Weight before")
    weight_after_g = _grams_field("Weight after")
    actual_weight_g = _grams_field("Grams used")
    actual_purge_g = _grams_field("Purge")

    def __init__(self, data: Any = None, *, material: ProductionRunMaterial, mode: str = ESTIMATE) -> None:
        self.material = material
        super().__init__(data, prefix=f"material-{material.pk}", initial=self.initial_for(material, mode=mode))
        self.fields["mode"].widget.attrs["class"] = "btn-check mode-choice"
        self.fields["actual_purge_g"].widget.attrs["placeholder"] = str(material.estimated_purge_g)
        for name in ("weight_before_g", "weight_after_g", "actual_weight_g", "actual_purge_g"):
            self.fields[name].widget.attrs.update({"class": "form-control preview-input",
                                                   "aria-describedby": self.feedback_id})

    @classmethod
    def initial_for(cls, material: ProductionRunMaterial, *, mode: str = ESTIMATE) -> dict[str, Any]:
        """``mode`` (the estimate, or blank grams for a failed print) with the spool's known gross
        weight (filament left + empty spool, g) as the weight before; the grams the printer
        reported (no separate purge: they are the whole extrusion); an actual recorded before the
        form (scale readings or grams) when there is one."""
        spool = material.spool
        initial = {"mode": mode, "actual_purge_g": material.estimated_purge_g,
                   "weight_before_g": spool.current_weight_g + spool.tare_weight_g}
        if material.actual_weight_g is None and material.reported_g:
            initial.update(mode=cls.GRAMS, actual_weight_g=material.reported_g, actual_purge_g=Decimal("0"))
        if material.actual_weight_g is not None:
            weighed = material.weight_before_g is not None and material.weight_after_g is not None
            initial.update(mode=cls.WEIGH if weighed else cls.GRAMS, actual_weight_g=material.actual_weight_g,
                           weight_before_g=material.weight_before_g, weight_after_g=material.weight_after_g,
                           actual_purge_g=material.actual_purge_g)
        return initial

    @property
    def feedback_id(self) -> str:
        """The id of the row's result: the computed actual, its variance, its errors."""
        return f"material-{self.material.pk}-result"

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for name in self.NEEDS.get(data.get("mode"), ()):
            if data.get(name) is None and name not in self.errors:
                self.add_error(name, forms.ValidationError(GRAMS_ERRORS["required"], code="required"))
        return data

    def is_waiting(self) -> bool:
        """Bound and invalid only because fields of the chosen way are still blank."""
        errors = self.errors.as_data()
        return bool(errors) and all(error.code == "required" for found in errors.values() for error in found)

    def actual(self) -> MaterialActual:
        """The ``MaterialActual`` of the cleaned input (or of the initial values when unbound)."""
        data = self.cleaned_data if self.is_bound else self.initial
        mode = data["mode"]
        return MaterialActual(
            material_id=self.material.pk, use_estimate=mode == self.ESTIMATE,
            weight_before_g=data.get("weight_before_g") if mode == self.WEIGH else None,
            weight_after_g=data.get("weight_after_g") if mode == self.WEIGH else None,
            actual_weight_g=data.get("actual_weight_g") if mode == self.GRAMS else None,
            actual_purge_g=data.get("actual_purge_g"))


class ItemOutcomeForm(PageForm):
    """How many pieces of one run item came out right and wrong (``runs.services.ItemOutcome``);
    all successful by default. Prefixed ``item-<pk>``. The service asks for a waste reason when any
    failed (``runs.services``); its error lands beside this row's field."""

    successful_quantity = forms.IntegerField(min_value=0, label="Successful", error_messages=PIECES_ERRORS)
    failed_quantity = forms.IntegerField(min_value=0, label="Failed", error_messages=PIECES_ERRORS)
    waste_reason = forms.CharField(required=False, max_length=300, label="Waste reason",
                                   widget=forms.TextInput(attrs={"placeholder": "e.g. warped corner, spaghetti"}))

    def __init__(self, data: Any = None, *, item: ProductionRunItem) -> None:
        self.item = item
        super().__init__(data, prefix=f"item-{item.pk}", initial={
            "successful_quantity": item.quantity, "failed_quantity": 0, "waste_reason": item.waste_reason})
        self.fields["successful_quantity"].widget.attrs.update(max=item.quantity, inputmode="numeric",
                                                               **{"data-successful": ""})
        self.fields["failed_quantity"].widget.attrs.update(max=item.quantity, inputmode="numeric",
                                                           **{"data-failed": ""})

    def shows_waste_reason(self) -> bool:
        """The waste reason is asked for once pieces failed (the page's script follows the typing)."""
        failed = str(self["failed_quantity"].value() or "").strip()
        return failed not in ("", "0") or bool(self["waste_reason"].value()) or "waste_reason" in self.errors

    def outcome(self) -> ItemOutcome:
        data = self.cleaned_data
        return ItemOutcome(item_id=self.item.pk, successful_quantity=data["successful_quantity"],
                           failed_quantity=data["failed_quantity"], waste_reason=data["waste_reason"].strip())


def _plain(quantity: Decimal) -> Decimal:
    """4.000 → 4, 2.500 → 2.5 (the value an input shows)."""
    return quantity.quantize(Decimal(1)) if quantity == quantity.to_integral_value() else quantity.normalize()


class PartUseForm(PageForm):
    """How much of one part or component the run used (``runs.services.PartUse``), prefilled with
    what the recipes take for every planned piece. Prefixed ``part-<item type pk>``; ``on_hand`` is
    the stock at the run's location (None: the run has no location)."""

    quantity = forms.DecimalField(min_value=0, max_digits=14, decimal_places=3, label="Used",
                                  error_messages={"required": "is needed (0 when none was used).",
                                                  "invalid": "must be a number.", "min_value": "must be 0 or more."},
                                  widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "any"}))

    def __init__(self, data: Any = None, *, part: ProductionRunPart, on_hand: Decimal | None) -> None:
        self.part, self.on_hand = part, on_hand
        super().__init__(data, prefix=f"part-{part.item_type_id}", initial={"quantity": _plain(part.quantity)})

    @property
    def short(self) -> bool:
        """The location holds less than the recipes take (the complete would be refused as it is)."""
        return self.on_hand is not None and self.on_hand < self.part.estimated_quantity

    def use(self) -> PartUse:
        return PartUse(item_type=self.part.item_type, quantity=self.cleaned_data["quantity"])


class RunActualsForm(PageForm):
    """What an ending run really used: a ``MaterialActualForm`` per material (in ``mode`` unless
    recorded or reported before) and a ``PartUseForm`` per part the recipes take (``parts``, with
    ``on_hand`` at the run's location). The complete and fail forms add their own fields.

    ``is_valid`` checks every row; ``add_application_error`` puts a service error on the row its
    field path names (``materials[1].weight_after_g``, ``items[0].failed_quantity``) or, for a
    spool or a part refused by the ledger (``spool_id``, ``item_type_id``), on its row and on top.
    """

    ROW_PATH = re.compile(r"(?P<rows>materials|items|parts)\[(?P<index>\d+)\]\.(?P<field>\w+)")
    material_mode = MaterialActualForm.ESTIMATE

    ended_field = ""

    def __init__(self, data: Any = None, *, materials: list[ProductionRunMaterial],
                 items: Sequence[ProductionRunItem] = (), parts: Sequence[ProductionRunPart] = (),
                 on_hand: dict[int, Decimal] | None = None, started_at: datetime | None = None) -> None:
        now = timezone.localtime().replace(second=0, microsecond=0)
        super().__init__(data, initial={self.ended_field: now} if self.ended_field else None)
        if self.ended_field:
            ended = self.fields[self.ended_field]
            ended.widget.attrs.update({"class": "form-control", "max": f"{now:%Y-%m-%dT%H:%M}"})
            if started_at is not None:
                started = timezone.localtime(started_at)
                ended.widget.attrs["min"] = f"{started:%Y-%m-%dT%H:%M}"
                ended.help_text = f"Started {started:%Y-%m-%d %H:%M}; the print time is counted to this."
        self.material_forms = [MaterialActualForm(data, material=material, mode=self.material_mode)
                               for material in materials]
        self.item_forms = [ItemOutcomeForm(data, item=item) for item in items]
        self.part_forms = [PartUseForm(data, part=part, on_hand=None if on_hand is None else
                                       on_hand.get(part.item_type_id, Decimal(0))) for part in parts]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        ended = data.get(self.ended_field) if self.ended_field else None
        if ended is not None and ended > timezone.now():
            self.add_error(self.ended_field, f"{self.fields[self.ended_field].label} is in the future.")
        return data

    def _row_forms(self) -> list[PageForm]:
        return [*self.material_forms, *self.item_forms, *self.part_forms]

    def is_valid(self) -> bool:
        valid = [super().is_valid(), *(row.is_valid() for row in self._row_forms())]
        return all(valid)

    def has_row_errors(self) -> bool:
        return any(row.errors for row in self._row_forms())

    def material_actuals(self) -> list[MaterialActual]:
        return [row.actual() for row in self.material_forms]

    def preview_actuals(self) -> list[MaterialActual | None]:
        """Each row's ``MaterialActual``, None for a row with invalid or missing input."""
        return [row.actual() if not row.is_bound or row.is_valid() else None for row in self.material_forms]

    def item_outcomes(self) -> list[ItemOutcome]:
        return [row.outcome() for row in self.item_forms]

    def part_uses(self) -> list[PartUse]:
        return [row.use() for row in self.part_forms]

    def add_application_error(self, error: ApplicationError) -> None:
        if isinstance(error, ValidationError) and error.fields:
            rest: dict[str, list[str]] = {}
            for path, messages in error.fields.items():
                row, field = self._row(path)
                if row is None:
                    rest[path] = messages
                    continue
                for message in messages:
                    row.add_error(field if field in row.fields else None, message)
            if self.ended_field in rest:                        # "Finished at is before the run started (…)."
                label = self.fields[self.ended_field].label
                rest[self.ended_field] = [f"{label} {message}" for message in rest[self.ended_field]]
            if rest:
                super().add_application_error(ValidationError(error.message, fields=rest))
            return
        spool_id, item_type_id = error.extra.get("spool_id"), error.extra.get("item_type_id")
        for row in self.material_forms:
            if spool_id is not None and row.material.spool_id == spool_id:
                row.add_error(None, error.message)
        for row in self.part_forms:
            if item_type_id is not None and row.part.item_type_id == item_type_id:
                row.add_error(None, error.message)
        self.add_error(None, error.message)

    def _row(self, path: str) -> tuple[PageForm | None, str]:
        match = self.ROW_PATH.fullmatch(path)
        if not match:
            return None, ""
        rows = {"materials": self.material_forms, "items": self.item_forms, "parts": self.part_forms}[match["rows"]]
        index = int(match["index"])
        return (rows[index], match["field"]) if index < len(rows) else (None, "")


class RunCompleteForm(RunActualsForm):
    """The complete form of an in-progress run (``production_run_complete``): the actuals
    (``RunActualsForm``), an ``ItemOutcomeForm`` per item, when the print finished (prefilled now;
blank: now),
    the quality rating (1–5 stars, optional) and notes."""

    completed_at = MinuteDateTimeField(label="Finished at", required=False,
                                       error_messages={"invalid": "must be a date and time."})
    quality_rating = forms.TypedChoiceField(
        required=False, coerce=int, empty_value=None, label="Quality", widget=forms.RadioSelect,
        choices=[("", "Not rated"), *((n, f"{n} star{'s' if n > 1 else ''}") for n in range(1, 6))],
        error_messages={"invalid_choice": "Choose from 1 to 5 stars."})
    quality_notes = forms.CharField(required=False, max_length=2000, label="Quality notes",
                                    widget=forms.Textarea(attrs={"rows": 2}))
    completion_notes = forms.CharField(required=False, max_length=2000, label="Completion notes",
                                       widget=forms.Textarea(attrs={"rows": 2}))

    ended_field = "completed_at"

    def __init__(self, data: Any = None, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.fields["quality_rating"].widget.attrs["class"] = "star-input"


class RunFailActualsForm(RunActualsForm):
    """Failing an in-progress run (``production_run_fail``): the filament and parts it really used
    (grams typed, weighed or reported by the printer — none prefilled from the estimate; parts 0
    unless typed), when it stopped (prefilled now; blank: now) and what went wrong."""

    material_mode = MaterialActualForm.GRAMS
    failed_at = MinuteDateTimeField(label="Stopped at", required=False,
                                    error_messages={"invalid": "must be a date and time."})
    notes = forms.CharField(required=False, max_length=2000, label="What went wrong?",
                            widget=forms.Textarea(attrs={"rows": 2}))

    ended_field = "failed_at"

    def __init__(self, data: Any = None, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.fields["notes"].widget.attrs["class"] = "form-control"
