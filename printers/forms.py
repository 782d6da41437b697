"""Forms of the printers pages: they parse and check input shapes; the services decide the rules."""
from __future__ import annotations

import re
from typing import Any

from django import forms

from inventory.models import ItemType
from plans import selectors as plan_selectors
from printers.models import UsageSession
from printers.services import PrintedItem
from prodtrack.exceptions import ApplicationError, ValidationError
from prodtrack.forms import PageForm, ProductChoiceField
from prodtrack.models import Tenant
from runs.forms import PIECES_ERRORS, MinuteDateTimeField

MAX_LINES = 8


class PrintedLineForm(PageForm):
    """One product the printer printed: successful and failed pieces, and why pieces failed.
    Prefixed ``line-<i>``; a line with no product is left out (but the first needs one)."""

    product = ProductChoiceField(queryset=ItemType.objects.none(), required=False, empty_label="Choose a product…")
    successful = forms.IntegerField(min_value=0, required=False, label="Successful", error_messages=PIECES_ERRORS)
    failed = forms.IntegerField(min_value=0, required=False, label="Failed", error_messages=PIECES_ERRORS)
    waste_reason = forms.CharField(required=False, max_length=300, label="Why pieces failed",
                                   widget=forms.TextInput(attrs={"placeholder": "e.g. warped corner, spaghetti"}))

    def __init__(self, data: Any = None, *, index: int, products: Any, typed: dict[str, Any] | None = None) -> None:
        prefix = f"line-{index}"
        initial = {"successful": 1, "failed": 0}
        initial |= {name.removeprefix(f"{prefix}-"): value for name, value in (typed or {}).items()
                    if name.startswith(f"{prefix}-")}
        super().__init__(data, prefix=prefix, initial=initial)
        self.index = index
        self.fields["product"].queryset = products
        self.fields["product"].required = index == 0
        self.fields["product"].error_messages["required"] = "Choose what was printed."
        for name in ("successful", "failed"):
            self.fields[name].widget.attrs.update(inputmode="numeric")

    def is_blank(self) -> bool:
        return self.is_valid() and self.cleaned_data["product"] is None

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("product") is not None:
            for name in ("successful", "failed"):
                if data.get(name) is None and name not in self.errors:
                    data[name] = 0
        return data

    def item(self) -> PrintedItem:
        data = self.cleaned_data
        return PrintedItem(product=data["product"], successful=data["successful"], failed=data["failed"],
                           waste_reason=data["waste_reason"].strip())


class RecordRunForm(PageForm):
    """Record usage no run took as a run (``printers.services.usage_session_record_run``): what was
    printed (``PrintedLineForm`` lines, ``lines`` of them; "Add a product" posts the form back with
    one more), when (started and finished, by default the session's first and last report, to the
    minute in the tenant's time zone) and notes. ``add_application_error`` puts a service error on
    the line its path names (``items[1].waste_reason``)."""

    ROW_PATH = re.compile(r"items\[(?P<index>\d+)\]\.(?P<field>\w+)")

    lines = forms.IntegerField(min_value=1, max_value=MAX_LINES, widget=forms.HiddenInput)
    started_at = MinuteDateTimeField(label="Started")
    completed_at = MinuteDateTimeField(label="Finished")
    notes = forms.CharField(required=False, max_length=2000, label="Notes", widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, data: Any = None, *, tenant: Tenant, session: UsageSession, add_line: bool = False) -> None:
        count = max(1, min(self._line_count(data) + (1 if add_line else 0), MAX_LINES))
        initial = {"lines": count, "started_at": session.opened_at, "completed_at": session.last_report_at}
        typed = {}
        if add_line:                     # one more line, the input kept as it was typed and not judged yet
            typed = data.dict()
            initial |= {name: value for name, value in typed.items() if name in self.base_fields and name != "lines"}
            data = None
        super().__init__(data, initial=initial)
        products = plan_selectors.plan_product_choices(tenant=tenant)
        self.line_forms = [PrintedLineForm(data, index=index, products=products, typed=typed) for index in range(count)]

    @staticmethod
    def _line_count(data: Any) -> int:
        try:
            return int((data or {}).get("lines") or 1)
        except (TypeError, ValueError):
            return 1

    @property
    def can_add_line(self) -> bool:
        return len(self.line_forms) < MAX_LINES

    def is_valid(self) -> bool:
        valid = [super().is_valid(), *(line.is_valid() for line in self.line_forms)]
        return all(valid)

    def items(self) -> list[PrintedItem]:
        """The lines with a product, in order (a service error's ``items[i]`` is the i-th of these)."""
        return [line.item() for line in self._filled()]

    def _filled(self) -> list[PrintedLineForm]:
        return [line for line in self.line_forms if not line.is_blank()]

    def add_application_error(self, error: ApplicationError) -> None:
        if isinstance(error, ValidationError) and error.fields:
            filled, rest = self._filled(), {}
            for path, messages in error.fields.items():
                match = self.ROW_PATH.fullmatch(path)
                line = filled[int(match["index"])] if match and int(match["index"]) < len(filled) else None
                if line is None:
                    rest[path] = messages
                    continue
                for message in messages:
                    line.add_error(match["field"] if match["field"] in line.fields else None, message)
            if rest:
                super().add_application_error(ValidationError(error.message, fields=rest))
            return
        super().add_application_error(error)
