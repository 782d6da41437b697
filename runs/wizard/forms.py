"""The create-run wizard's forms: basics (step 1), a product row (step 2), a spool row (step 3)."""
from __future__ import annotations

from typing import Any

from django import forms

from inventory import selectors as inventory_selectors
from inventory.models import ItemType, Location, Spool, Workstation
from plans.models import JobQueueEntry
from prodtrack.forms import DurationField, PageForm
from prodtrack.models import Tenant


class ObjectChoiceField(forms.ChoiceField):
    """A dropdown over objects already loaded (``objects``), cleaned to the chosen object: unlike
    ModelChoiceField it runs no query per row to render or validate."""

    def __init__(self, *, objects: list[Any] = (), label_from: Any = str, empty_label: str = "", **kwargs: Any):
        super().__init__(**kwargs)
        self.empty_label, self.label_from = empty_label, label_from
        self.objects = objects

    @property
    def objects(self) -> list[Any]:
        return self._objects

    @objects.setter
    def objects(self, objects: list[Any]) -> None:
        self._objects = list(objects)
        self._by_pk = {str(obj.pk): obj for obj in self._objects}
        self.choices = [("", self.empty_label), *((obj.pk, self.label_from(obj)) for obj in self._objects)]

    def clean(self, value: Any) -> Any:
        key = super().clean(value)
        return self._by_pk.get(str(key)) if key not in (None, "") else None

    def valid_value(self, value: Any) -> bool:
        return str(value) in self._by_pk


class BasicsForm(PageForm):
    """Step 1: when the print started (tenant time), on which printer, slicer settings.

    ``workstation`` or a free-text ``printer_name``; ``location`` (where output goes) defaults
    to the workstation's. Durations are typed like ``2h 30m`` and cleaned to seconds.
    """

    started_at = forms.DateTimeField(label="Started", widget=forms.DateTimeInput(
        attrs={"type": "datetime-local", "step": 60}, format="%Y-%m-%dT%H:%M"))
    workstation = forms.ModelChoiceField(required=False, queryset=Workstation.objects.none(), label="Printer",
                                         empty_label="Other printer (type its name)…")
    printer_name = forms.CharField(required=False, max_length=100, label="Printer name",
                                   help_text="Only for a printer that is not in the list.")
    location = forms.ModelChoiceField(required=False, queryset=Location.objects.none(), label="Output to",
                                      empty_label="The printer's location",
                                      help_text="Where the finished pieces go.")
    slicer = forms.CharField(required=False, max_length=100, widget=forms.TextInput(
        attrs={"placeholder": "e.g. PrusaSlicer 2.8", "list": "slicers"}))
    estimated_duration_s = DurationField(required=False, label="Estimated print time",
                                         help_text="Like 2h 30m; blank: from the recipes.")
    nozzle_temp_c = forms.IntegerField(required=False, min_value=0, max_value=500, label="Nozzle °C")
    bed_temp_c = forms.IntegerField(required=False, min_value=0, max_value=200, label="Bed °C")
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, tenant: Tenant, job: JobQueueEntry | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["workstation"].queryset = inventory_selectors.workstation_list(tenant=tenant).select_related(
            "location")
        self.fields["location"].queryset = inventory_selectors.location_list(tenant=tenant)
        if job is not None:
            del self.fields["location"]  # a job's output goes where the job says

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("workstation") and data.get("printer_name"):
            data["printer_name"] = ""  # a listed printer names itself
        if self.fields.get("location") and not data.get("workstation") and not data.get("location"):
            self.add_error("location", "Choose where the output goes (or pick a printer from the list).")
        return data


class ItemForm(PageForm):
    """Step 2, one row: a product, how many pieces, where on the bed."""

    product = ObjectChoiceField(empty_label="Choose a product…")
    quantity = forms.IntegerField(min_value=1, max_value=100_000, initial=1, label="Pieces",
                                  widget=forms.NumberInput(attrs={"inputmode": "numeric"}))
    bed_position = forms.CharField(required=False, max_length=50, label="Bed position",
                                   widget=forms.TextInput(attrs={"placeholder": "e.g. left"}))

    def __init__(self, *args: Any, products: list[ItemType], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product"].objects = products


class MaterialForm(PageForm):
    """Step 3, one row: the spool for one material (``material`` = its item type id; blank for
    an extra spool), its estimated grams and purge. ``estimate`` is the recipe grams shown when
    the row was rendered: grams equal to it follow the recipes when the items change."""

    material = forms.IntegerField(required=False, widget=forms.HiddenInput)
    filament = forms.IntegerField(required=False, widget=forms.HiddenInput)
    estimate = forms.DecimalField(required=False, widget=forms.HiddenInput)
    spool = ObjectChoiceField(required=False, label_from=lambda spool: spool_label(spool), empty_label="No spool",
                              error_messages={"invalid_choice": "Spool #%(value)s is not an active spool of this "
                                                                "material any more; choose another."})
    estimated_weight_g = forms.DecimalField(required=False, min_value=0, max_digits=10, decimal_places=2,
                                            label="Estimated g", widget=forms.NumberInput(
                                                attrs={"step": "0.01", "inputmode": "decimal"}))
    estimated_purge_g = forms.DecimalField(required=False, min_value=0, max_digits=10, decimal_places=2,
                                           label="Purge g", widget=forms.NumberInput(
                                               attrs={"step": "0.01", "inputmode": "decimal"}))

    def __init__(self, *args: Any, spools: list[Spool], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["spool"].objects = spools
        self.spools = spools

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("spool") is None and data.get("material") is None and (
                data.get("estimated_weight_g") or data.get("estimated_purge_g")):
            self.add_error("spool", "Choose the spool these grams come from.")
        return data


def spool_label(spool: Spool) -> str:
    """``#12 · 842 g left · Galaxy Black PLA · Shelf A`` (a spool in a dropdown): the grams left come
    before the material's name, so a narrow dropdown cuts the name (shown above it), not the grams."""
    where = f" · {spool.location.name}" if spool.location_id else ""
    return f"#{spool.pk} · {spool.current_weight_g.normalize():f} g left · {spool.item_type.name}{where}"


class RowFormSet(forms.BaseFormSet):
    """A formset whose rows each get their own keyword arguments (``row_kwargs[index]``)."""

    def __init__(self, *args: Any, row_kwargs: list[dict[str, Any]], **kwargs: Any) -> None:
        self.row_kwargs = row_kwargs
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        extra = self.row_kwargs[index] if index is not None and index < len(self.row_kwargs) else {}
        return {**super().get_form_kwargs(index), **extra}


ItemFormSet = forms.formset_factory(ItemForm, formset=RowFormSet, extra=0)


MaterialFormSet = forms.formset_factory(MaterialForm, formset=RowFormSet, extra=0)
