"""Failing a run. An in-progress run gets a page, like the complete form, that records what the
failed print really used — per spool grams typed, the spool weighed before and after, or what the
printer reported; the parts used — when it stopped and what went wrong; POST fails the run with one
``production_run_fail`` call, so the spools and the stock show the drop. A completed run is failed
by a button (``runs.views.edit.run_fail_completed``): its usage stays, its output is reversed.
"""
from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from prodtrack.models import Role
from prodtrack.pages import found, submit
from prodtrack.tenancy import role_required
from runs import selectors, services
from runs.forms import RunFailActualsForm
from runs.models import ProductionRun
from runs.views.complete import field_messages
from runs.views.edit import run_fail_completed

TEMPLATE = "runs/run_fail.html"


def _failed(run: ProductionRun) -> str:
    """"Run ACME-20261121-001 marked failed: 42.0 g of filament recorded as used."""
    grams = sum((m.actual_total_g for m in run.materials.all() if m.actual_weight_g is not None), Decimal("0"))
    used = f"{grams:,.1f} g of filament recorded as used" if grams else "no filament recorded"
    return f"Run {run.run_number} marked failed: {used}."


@role_required(Role.OPERATOR)
def run_fail(request: HttpRequest, pk: int) -> HttpResponse:
    """Fail a run. In progress: the page of what it used (materials like the complete form,
    defaulting to grams — the printer's figure when it reported one —, parts used 0 unless typed),
    when it stopped (default now; not before the start, not in the future) and notes; errors come
    back beside their fields with the input kept (400, or the service's 409 for a spool or stock
    that holds too little). Completed: the POST-only button (output reversed, usage kept). Any
    other status: a message why, on the run's page.
    """
    run = found(selectors.production_run_for_completion, tenant=request.tenant, pk=pk)
    if run.status == ProductionRun.Status.COMPLETED:          # its button is on the run's page
        return run_fail_completed(request, run) if request.method == "POST" else redirect("runs:run-detail", pk=run.pk)
    if run.status != ProductionRun.Status.IN_PROGRESS:
        messages.warning(request, f"Run {run.run_number} is {run.get_status_display().lower()}: "
                                  f"only runs in progress or completed can be marked failed.")
        return redirect("runs:run-detail", pk=run.pk)
    materials, items = list(run.materials.all()), list(run.items.all())
    parts = selectors.run_parts_expected(run=run, items=items, planned=True).parts
    for part in parts:
        part.quantity = Decimal("0")
    on_hand = selectors.run_parts_on_hand(run=run, parts=parts) if run.location_id else None
    form = RunFailActualsForm(request.POST if request.method == "POST" else None, materials=materials,
                              parts=parts, on_hand=on_hand, started_at=run.started_at)
    failed, status = submit(request, form, lambda: services.production_run_fail(
        run=run, by=request.user, materials=form.material_actuals(), parts=form.part_uses(),
        failed_at=form.cleaned_data["failed_at"], notes=form.cleaned_data["notes"]))
    if failed is not None:
        messages.success(request, _failed(failed))
        return redirect("runs:run-detail", pk=run.pk)
    rows = [{"form": row, "errors": field_messages(row, row.errors) if row.is_bound else []}
            for row in form.material_forms]
    return render(request, TEMPLATE, {"run": run, "form": form, "items": items, "rows": rows}, status=status)
