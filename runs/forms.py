"""Forms of the production run pages: they parse and check input shapes; the services decide the rules.

Filter forms are bound to the query string and use the names of ``runs.filters.ProductionRunFilter``.
"""
from __future__ import annotations

from typing import Any

from django import forms

from inventory import selectors as inventory_selectors
from inventory.models import ItemType
from prodtrack.forms import FilterForm
from prodtrack.models import Tenant
from runs.models import ProductionRun


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
