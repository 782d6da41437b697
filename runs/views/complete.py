"""The complete form of an in-progress production run and its live variance preview.

GET shows every material at its estimate and every piece successful, so an operator whose print
went to plan only presses "Complete run". As they weigh spools or type grams, the form posts
itself to the preview (HTMX, debounced, stale requests dropped), which applies the completion's
own rule to the input (``selectors.production_run_complete_preview``) and writes nothing. POST
completes the run with one ``production_run_complete`` call.
"""
from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.text import capfirst
from django.views.decorators.http import require_POST

from prodtrack.models import Role
from prodtrack.pages import found, submit
from prodtrack.tenancy import role_required
from runs import selectors, services
from runs.forms import MaterialActualForm, RunCompleteForm
from runs.models import ProductionRun
from runs.selectors import CompletionPreview

TEMPLATE = "runs/run_complete.html"


def _refused(request: HttpRequest, run: ProductionRun, *, partial: bool = False) -> HttpResponse:
    """409: the run is no longer in progress (completed, failed or cancelled meanwhile)."""
    message = f"Run {run.run_number} is {run.get_status_display().lower()}: only runs in progress can be completed."
    return render(request, f"{TEMPLATE}#preview" if partial else TEMPLATE, {"run": run, "refused": message},
                  status=409)


def field_messages(form: MaterialActualForm, errors: dict[str, list[str]]) -> list[str]:
    """``{"weight_after_g": ["is more than the weight before."]}`` → ``["Weight after is more than
    the weight before."]``; messages about no field as they are."""
    return [f"{form.fields[name].label} {message}" if name in form.fields else capfirst(message)
            for name, texts in errors.items() for message in texts]


def _rows(form: RunCompleteForm, preview: CompletionPreview, *, live: bool) -> list[dict[str, Any]]:
    """Each material's row form and preview with the errors its result shows: the form's (the
    live preview does not nag about blanks it waits for) and the completion's, once each."""
    rows = []
    for row_form, row in zip(form.material_forms, preview.materials, strict=True):
        waiting = not row_form.is_bound or (live and row_form.is_waiting())
        form_errors = {} if waiting else {name: list(texts) for name, texts in row_form.errors.items()}
        errors = field_messages(row_form, form_errors)
        errors += [message for message in field_messages(row_form, row.errors) if message not in errors]
        rows.append({"form": row_form, "preview": row, "errors": errors})
    return rows


def _completed(run: ProductionRun, preview: CompletionPreview) -> str:
    """"Run ACME-20261121-001 completed: 412.3 g used, +3.1 % vs estimate; 1 material more than 10 % off."""
    used = run.actual_total_g
    summary = "no filament recorded" if used is None else f"{used:,.1f} g used"
    if run.variance_pct is not None:
        summary += f", {run.variance_pct:+.1f} % vs estimate"
    off = len(preview.off)
    if off:
        summary += f"; {off} material{'' if off == 1 else 's'} more than 10 % off"
    return f"Run {run.run_number} completed: {summary}."


@role_required(Role.OPERATOR)
def run_complete(request: HttpRequest, pk: int) -> HttpResponse:
    """Complete an in-progress run: when it finished (default now; not before the start, not in
    the future); per material the estimate, the spool weighed before and after (gross, the weight
    before prefilled with the spool's known gross weight), or grams, and the purge; per item good and failed pieces (and why); per part the recipes take
    what was used (prefilled for every planned piece, with the stock at the run's location);
    quality and notes.

    Success: the run's detail with the variance as a message. Errors come back on the form with
    the input kept (400; the service's 409 for a spool or a location that holds too little), each
    on the row its field path names. A run no longer in progress answers 409.
    """
    run = found(selectors.production_run_for_completion, tenant=request.tenant, pk=pk)
    if run.status != ProductionRun.Status.IN_PROGRESS:
        return _refused(request, run)
    materials, items = list(run.materials.all()), list(run.items.all())
    parts = selectors.run_parts_expected(run=run, items=items, planned=True).parts
    on_hand = selectors.run_parts_on_hand(run=run, parts=parts) if run.location_id else None
    form = RunCompleteForm(request.POST if request.method == "POST" else None, materials=materials, items=items,
                           parts=parts, on_hand=on_hand, started_at=run.started_at)
    completed, status = submit(request, form, lambda: services.production_run_complete(
        run=run, by=request.user, materials=form.material_actuals(), items=form.item_outcomes(),
        parts=form.part_uses(), completed_at=form.cleaned_data["completed_at"],
        quality_rating=form.cleaned_data["quality_rating"], quality_notes=form.cleaned_data["quality_notes"],
        completion_notes=form.cleaned_data["completion_notes"]))
    preview = selectors.production_run_complete_preview(materials=materials, actuals=form.preview_actuals())
    if completed is not None:
        messages.success(request, _completed(completed, preview))
        return redirect("runs:run-detail", pk=run.pk)
    return render(request, TEMPLATE, {"run": run, "form": form, "preview": preview,
                                      "rows": _rows(form, preview, live=False)}, status=status)


@require_POST
@role_required(Role.OPERATOR)
def run_complete_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The complete form's live variance preview (HTMX partial): per material the actual grams,
    difference and variance, the run's total, a warning when materials are more than 10 % off;
    each material's result is swapped into its row out of band. Writes nothing. 400 when an
    input is invalid (the error shows in its row), 409 when the run is no longer in progress.
    Two queries after the session's, whatever the number of materials.
    """
    run = found(selectors.production_run_for_completion, tenant=request.tenant, pk=pk, items=False)
    if run.status != ProductionRun.Status.IN_PROGRESS:
        return _refused(request, run, partial=True)
    materials = list(run.materials.all())
    form = RunCompleteForm(request.POST, materials=materials, items=[])
    form.is_valid()
    preview = selectors.production_run_complete_preview(materials=materials, actuals=form.preview_actuals())
    rows = _rows(form, preview, live=True)
    return render(request, f"{TEMPLATE}#preview", {"run": run, "preview": preview, "rows": rows, "live": True},
                  status=400 if any(row["errors"] for row in rows) else 200)
