"""Editing an in-progress production run (its fields, items and materials) and the actions that
end or follow a run: fail (a completed run), cancel (void), delete, reprint.

The edit page works as plain POST + redirect; over HTMX an item or material change swaps only
its section (the ``items`` / ``materials`` partials of ``runs/run_edit.html``). Only in-progress
runs are edited: every edit URL of an ended run flashes why and goes to the run's page (an HTMX
request is told to go there with ``HX-Redirect``). The actions are POST-only buttons with a
confirmation; their outcome is a flash message on the page they came from (``next``).
"""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, NamedTuple, TypeVar

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from prodtrack.forms import PageForm
from prodtrack.models import Role
from prodtrack.pages import button_action, found, next_url, submit, wants_partial
from prodtrack.tenancy import role_required
from runs import selectors, services
from runs.forms import (
    ItemAddForm,
    ItemRowForm,
    MaterialAddForm,
    MaterialRowForm,
    RunEditAllForm,
    RunEditForm,
    RunFailForm,
    row_data,
)
from runs.models import ProductionRun, ProductionRunItem, ProductionRunMaterial

T = TypeVar("T")
Status = ProductionRun.Status


def _run(request: HttpRequest, pk: int) -> ProductionRun:
    return found(selectors.production_run_get, tenant=request.tenant, pk=pk)


def _detail_url(run: ProductionRun) -> str:
    return reverse("runs:run-detail", args=[run.pk])


def _editing(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Load the run of ``pk`` for an edit view (404 for another tenant's); an ended run is not
    edited: a message says why and the browser goes to the run's page."""

    @wraps(view)
    def wrapped(request: HttpRequest, pk: int, **kwargs: Any) -> HttpResponse:
        run = _run(request, pk)
        if run.status != Status.IN_PROGRESS:
            messages.warning(request, f"Run {run.run_number} is {run.get_status_display().lower()}: "
                                      f"only in-progress runs can be edited.")
            url = _detail_url(run)
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
        return view(request, run, **kwargs)

    return wrapped


class EditRow(NamedTuple):
    """A row of the edit page's items or materials table: the run item or material and its form."""

    obj: ProductionRunItem | ProductionRunMaterial
    form: PageForm


def _edit_page(request: HttpRequest, run: ProductionRun, *, bound: dict[str, PageForm] | None = None,
               section: str | None = None, saved: str = "", status: int = 200, typed: Any = None) -> HttpResponse:
    """The edit page, or over HTMX only ``section`` ("items" or "materials").

    ``bound`` holds the submitted forms that come back with their errors, by prefix (``run``,
    ``item-<pk>``, ``item-add``, ``material-<pk>``, ``material-add``) or by section for a refused
    removal; a row whose inputs are in ``typed`` (an add or remove sends the rows typed for the
    page's Save) shows them as typed, still unsaved; every other form shows the run as it is. ``saved`` confirms a change in its section.
    """
    bound = bound or {}
    items = [EditRow(item, bound.get(f"item-{item.pk}") or ItemRowForm(row_data(typed, f"item-{item.pk}-"), obj=item))
             for item in run.items.all()]
    materials = [EditRow(material, bound.get(f"material-{material.pk}") or MaterialRowForm(
        row_data(typed, f"material-{material.pk}-"), obj=material)) for material in run.materials.all()]
    context = {
        "run": run, "items": items, "materials": materials, "saved": saved, "saved_section": section,
        "form": bound.get("run") or RunEditForm(obj=run, tenant=request.tenant),
        "item_add": bound.get("item-add") or ItemAddForm(tenant=request.tenant),
        "material_add": bound.get("material-add") or MaterialAddForm(tenant=request.tenant, run=run),
        "items_refused": bound.get("items"), "materials_refused": bound.get("materials"),
    }
    template = "runs/run_edit.html"
    if section and wants_partial(request):
        template = f"{template}#{section}"
    return render(request, template, context, status=status)


def _change(request: HttpRequest, run: ProductionRun, form: PageForm, save: Callable[[], Any], *, section: str,
            done: str, keep_typed: bool = False) -> HttpResponse:
    """Submit one item or material change (one service call): over HTMX its section comes back
    (with the errors, or the change and ``done``); otherwise a redirect to the edit page with
    ``done`` as a message, or the whole page with the errors. ``keep_typed`` (adding and removing
    rows): the other rows come back as typed for the page's Save."""
    result, status = submit(request, form, save)
    typed = request.POST if keep_typed else None
    if result is None:
        return _edit_page(request, run, bound={form.prefix or section: form}, section=section, status=status,
                          typed=typed)
    if wants_partial(request):
        return _edit_page(request, _run(request, run.pk), section=section, saved=done, typed=typed)
    messages.success(request, done)
    return redirect(reverse("runs:run-edit", args=[run.pk]) + f"#{section}")


@role_required(Role.OPERATOR)
@_editing
def run_edit(request: HttpRequest, run: ProductionRun) -> HttpResponse:
    """Edit an in-progress run with one Save: its fields, every item's quantity, bed position and
    cost, and every material's estimated grams and purge together (``production_run_edit``: all
    or nothing; a new quantity rescales the recipes' grams not edited by hand). Errors come back
    beside their fields with everything typed kept. Adding and removing rows are their own buttons."""
    form = RunEditAllForm(request.POST if request.method == "POST" else None, obj=run, tenant=request.tenant,
                          items=list(run.items.all()), materials=list(run.materials.all()))
    saved, status = submit(request, form, lambda: services.production_run_edit(
        run=run, data=form.changed_values(), items=form.item_changes(), materials=form.material_changes()))
    if saved is not None:
        messages.success(request, f"Run {run.run_number} saved.")
        return redirect(_detail_url(run))
    bound = {"run": form, **{row.prefix: row for row in (*form.item_forms.values(), *form.material_forms.values())
                             if row.is_bound}}
    return _edit_page(request, run, bound=bound, status=status)


# --- items and materials -----------------------------------------------------------------------

@require_POST
@role_required(Role.OPERATOR)
@_editing
def run_item_add(request: HttpRequest, run: ProductionRun) -> HttpResponse:
    """Add a product (``production_run_item_add``; a blank cost comes from its recipe)."""
    form = ItemAddForm(request.POST, tenant=request.tenant)
    return _change(request, run, form, lambda: services.production_run_item_add(run=run, item=form.spec()),
                   section="items", done="Product added.", keep_typed=True)


@require_POST
@role_required(Role.OPERATOR)
@_editing
def run_item_update(request: HttpRequest, run: ProductionRun, item_pk: int) -> HttpResponse:
    """Change an item's quantity, bed position or cost (``production_run_item_update``)."""
    item = found(selectors.run_item_get, run=run, pk=item_pk)
    form = ItemRowForm(request.POST, obj=item)
    return _change(request, run, form, lambda: services.production_run_item_update(
        item=item, data=form.changed_values()), section="items", done="Item saved.")


@require_POST
@role_required(Role.OPERATOR)
@_editing
def run_item_remove(request: HttpRequest, run: ProductionRun, item_pk: int) -> HttpResponse:
    """Remove an item (``production_run_item_remove``: a run keeps at least one)."""
    item = found(selectors.run_item_get, run=run, pk=item_pk)
    return _change(request, run, PageForm(request.POST), lambda: services.production_run_item_remove(item=item) or item,
                   section="items", done="Product removed.", keep_typed=True)


@require_POST
@role_required(Role.OPERATOR)
@_editing
def run_material_add(request: HttpRequest, run: ProductionRun) -> HttpResponse:
    """Add a spool (``production_run_material_add``; blank grams come from the recipes)."""
    form = MaterialAddForm(request.POST, tenant=request.tenant, run=run)
    return _change(request, run, form, lambda: services.production_run_material_add(run=run, material=form.spec()),
                   section="materials", done="Spool added.", keep_typed=True)


@require_POST
@role_required(Role.OPERATOR)
@_editing
def run_material_update(request: HttpRequest, run: ProductionRun, material_pk: int) -> HttpResponse:
    """Change a material's estimated grams or purge (``production_run_material_update``)."""
    material = found(selectors.run_material_get, run=run, pk=material_pk)
    form = MaterialRowForm(request.POST, obj=material)
    return _change(request, run, form, lambda: services.production_run_material_update(
        material=material, data=form.changed_values()), section="materials", done="Material saved.")


@require_POST
@role_required(Role.OPERATOR)
@_editing
def run_material_remove(request: HttpRequest, run: ProductionRun, material_pk: int) -> HttpResponse:
    """Remove a spool from the run (``production_run_material_remove``)."""
    material = found(selectors.run_material_get, run=run, pk=material_pk)
    return _change(request, run, PageForm(request.POST),
                   lambda: services.production_run_material_remove(material=material) or material,
                   section="materials", done="Spool removed.", keep_typed=True)


# --- fail, cancel, delete, reprint -------------------------------------------------------------

def _run_action(request: HttpRequest, pk: int, action: Callable[[ProductionRun, PageForm], T], *,
                done: Callable[[ProductionRun, T], str], form_class: type[PageForm] = PageForm,
                success_url: Callable[[ProductionRun, T], str] | None = None) -> HttpResponse:
    """Run one action on a run (one service call) and go back to the page the button was on
    (``next``, else the run's page) with the outcome as a message: the service's refusal, or
    ``done(run, result)``; on success ``success_url(run, result)`` may send elsewhere."""
    run = _run(request, pk)
    form = form_class(request.POST)
    return button_action(request, lambda: action(run, form), form=form, done=lambda result: done(run, result),
                         back=next_url(request, _detail_url(run)),
                         success_url=(lambda result: success_url(run, result)) if success_url else None)


def _pieces(count: int) -> str:
    return f"{count} piece{'' if count == 1 else 's'}"


def run_fail_completed(request: HttpRequest, run: ProductionRun) -> HttpResponse:
    """Mark a completed run failed (``production_run_fail``) with optional notes: its usage is
    kept, its output reversed (the POST of ``runs.views.fail.run_fail`` for a completed run; an
    in-progress run is failed on its own page, with what it used)."""

    def done(failed: ProductionRun) -> str:
        good = sum(item.successful_quantity for item in run.items.all())
        return (f"Run {run.run_number} marked failed: its {_pieces(good)} left stock again; "
                f"the filament it used stays used.")

    form = RunFailForm(request.POST)
    return button_action(request, lambda: services.production_run_fail(
        run=run, by=request.user, notes=form.cleaned_data["notes"]), form=form, done=done,
        back=next_url(request, _detail_url(run)))


@require_POST
@role_required(Role.OPERATOR)
def run_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """Cancel a run; a completed or failed one is voided (``production_run_cancel``: every ledger
    row of the run reversed, spools get their grams back)."""

    def done(run: ProductionRun, cancelled: ProductionRun) -> str:
        if run.status == Status.IN_PROGRESS:
            return f"Run {run.run_number} cancelled."
        return f"Run {run.run_number} voided: its ledger rows are reversed and its spools hold their grams again."

    return _run_action(request, pk, lambda run, form: services.production_run_cancel(run=run, by=request.user),
                       done=done)


@require_POST
@role_required(Role.OPERATOR)
def run_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Soft-delete a run (``production_run_delete``; refused for completed runs: void them first).
    Afterwards the list the button was on, or the run list when it was on the run's own page."""

    def away(run: ProductionRun, deleted: ProductionRun) -> str:
        back = next_url(request, "")
        return back if back and not back.startswith(_detail_url(run)) else reverse("runs:run-list")

    return _run_action(request, pk, lambda run, form: services.production_run_delete(run=run),
                       done=lambda run, deleted: f"Run {run.run_number} deleted.", success_url=away)


@require_POST
@role_required(Role.OPERATOR)
def run_reprint(request: HttpRequest, pk: int) -> HttpResponse:
    """Create the reprint of a run's failed pieces (``production_run_reprint``) and open it."""

    def done(run: ProductionRun, reprint: ProductionRun) -> str:
        failed = sum(item.failed_quantity for item in run.items.all())
        return f"Reprint {reprint.run_number} created for the {_pieces(failed)} that failed in {run.run_number}."

    return _run_action(request, pk, lambda run, form: services.production_run_reprint(run=run, by=request.user),
                       done=done, success_url=lambda run, reprint: _detail_url(reprint))
