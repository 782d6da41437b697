"""Form bases of every app's pages: Bootstrap widgets, service errors mapped onto fields.

Forms parse and check input shapes; services decide the rules. Edit forms never save: the view
passes ``cleaned_data`` to a service and puts the service's errors back on the form with
``add_application_error``.
"""
from __future__ import annotations

import re
from typing import Any

from django import forms
from django.forms.models import model_to_dict

from prodtrack.exceptions import ApplicationError, ValidationError
from prodtrack.models import Tenant

NON_FIELD = "non_field_errors"


class PageForm(forms.Form):
    """Bootstrap classes on every widget, and service errors mapped onto fields."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_widgets(self)

    def add_application_error(self, error: ApplicationError) -> None:
        """Show a service error: ``ValidationError.fields`` beside their fields, else ``message`` on top."""
        add_application_error(self, error)


class PageModelForm(forms.ModelForm):
    """A ModelForm used only to parse input with the model's field types; it never saves.

    Edit forms get the object as ``obj`` (its values become ``initial``), never as ``instance``:
    a ModelForm writes the input onto its instance while validating, and the update services
    compare the object they are given with the new values.
    """

    def __init__(self, *args: Any, obj: Any = None, **kwargs: Any) -> None:
        if obj is not None:
            kwargs["initial"] = {**model_to_dict(obj, fields=self._meta.fields), **kwargs.get("initial", {})}
        super().__init__(*args, **kwargs)
        style_widgets(self)

    def add_application_error(self, error: ApplicationError) -> None:
        add_application_error(self, error)

    def changed_values(self) -> dict[str, Any]:
        """``cleaned_data`` of the fields the user changed (what an update service needs)."""
        return {name: self.cleaned_data[name] for name in self.changed_data if name in self.cleaned_data}


def style_widgets(form: forms.BaseForm) -> None:
    """Give each widget its Bootstrap class (errors are styled through Django's ``aria-invalid``)."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.HiddenInput):
            continue
        if isinstance(widget, forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(widget, forms.Select):
            css = "form-select"
        else:
            css = "form-control"
        widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


def add_application_error(form: forms.BaseForm, error: ApplicationError) -> None:
    """Attach a service error to ``form``: each of ``ValidationError.fields`` to its field when the
    form has it (otherwise as a non-field error naming it), any other error's message on top."""
    fields = error.fields if isinstance(error, ValidationError) else {}
    if not fields:
        form.add_error(None, error.message)
        return
    for name, messages in fields.items():
        for message in messages:
            if name in form.fields:
                form.add_error(name, message)
            elif name == NON_FIELD:
                form.add_error(None, message)
            else:
                form.add_error(None, f"{name.replace('_', ' ').capitalize()}: {message}")


class DurationField(forms.CharField):
    """A duration typed the way people say it, cleaned to whole **seconds** (int, or None when blank).

    Accepts ``1d 2h 3m 4s`` (any of the parts, any order-preserving subset: ``2h 30m``, ``45m``,
    ``90s``), clock style ``1:30`` (h:mm) or ``1:30:15`` (h:mm:ss), and a bare number, read as
    **minutes**. Shows a stored value back as ``2h 30m``.
    """

    UNITS = {"d": 86400, "h": 3600, "m": 60, "s": 1}
    PARTS = re.compile(r"^(?:(\d+)\s*d)?\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m(?:in)?)?\s*(?:(\d+)\s*s)?$")
    CLOCK = re.compile(r"^(\d+):([0-5]\d)(?::([0-5]\d))?$")

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.TextInput(attrs={"placeholder": "e.g. 2h 30m", "autocomplete": "off"}))
        kwargs.setdefault("help_text", "Like 2h 30m, 1:45 or 90 (minutes).")
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, int):
            return format_duration(value)
        return value

    def to_python(self, value: Any) -> int | None:
        text = (super().to_python(value) or "").strip().lower()
        if not text:
            return None
        if text.isdigit():
            return int(text) * 60
        clock = self.CLOCK.match(text)
        if clock:
            hours, minutes, seconds = (int(part or 0) for part in clock.groups())
            return hours * 3600 + minutes * 60 + seconds
        parts = self.PARTS.match(text)
        if parts and any(parts.groups()):
            return sum(int(part) * unit for part, unit in zip(parts.groups(), self.UNITS.values(), strict=True) if part)
        raise forms.ValidationError("Enter a duration like 2h 30m, 1:45 or 90 (minutes).", code="invalid")


def format_duration(seconds: int) -> str:
    """``9000`` → ``2h 30m`` (days past 48 h, seconds only when there are any); what ``DurationField`` reads."""
    parts = []
    days, rest = divmod(seconds, 86400) if seconds >= 48 * 3600 else (0, seconds)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    for amount, unit in ((days, "d"), (hours, "h"), (minutes, "m"), (secs, "s")):
        if amount:
            parts.append(f"{amount}{unit}")
    return " ".join(parts) or "0m"


# --- list filters ------------------------------------------------------------------------------

class FilterForm(PageForm):
    """A list's filter bar, bound to the query string (``ordering`` and ``page`` travel beside it).

    Subclasses add their filters and name the search box's hint; choices that depend on the
    tenant are set in ``__init__`` from selectors.
    """

    search_hint = "Search…"
    q = forms.CharField(required=False, label="Search",
                        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}))

    def __init__(self, *args: Any, tenant: Tenant, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "q" in self.fields:
            self.fields["q"].widget.attrs["placeholder"] = self.search_hint

    def is_filtered(self) -> bool:
        """True when any filter is set (the empty state then offers to clear them)."""
        return any(self.data.get(name) not in (None, "") for name in self.fields)


class ProductChoiceField(forms.ModelChoiceField):
    """A product picker whose option says "(no recipe yet)" for a product the queryset annotates
    with a false ``has_recipe``."""

    def label_from_instance(self, obj: Any) -> str:
        return obj.name if getattr(obj, "has_recipe", True) else f"{obj.name} (no recipe yet)"
