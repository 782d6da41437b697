"""Stockpiles pages: markers (list and add/edit dialog), deficits (to produce / to buy, CSV of the
buy list) and the automation page (the auto-production run log, "Run now").

Thin views — parse a form, call one selector or service, render — on the mechanics of
``prodtrack.pages``. Roles as in the API: every member reads; managers write markers and run a tick.
The marker dialog is loaded into the list's modal over HTMX and posts back over HTMX (errors come
back in the dialog, success sends the browser to the list with ``HX-Redirect``); without HTMX the
same URLs are plain pages.
"""
from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from inventory import selectors as inventory_selectors
from inventory.models import ItemType
from plans.selectors import plan_by_product
from prodtrack.models import Role
from prodtrack.pages import (
    PAGE_SIZE,
    button_action,
    filtered,
    found,
    next_url,
    paginate,
    render_page,
    submit,
    wants_partial,
)
from prodtrack.tenancy import role_required
from stockpiles import selectors, services
from stockpiles.forms import AutoProductionRunFilterForm, DeficitFilterForm, StockpileFilterForm, StockpileMarkerForm
from stockpiles.models import AutoProductionRun, StockpileMarker
from stockpiles.selectors import DeficitKind

CHART_TICKS = 30
SKIP_REASONS = {"covered_by_pending": "covered by pending", "cooldown": "cooldown", "plan_has_no_steps": "no steps",
                "plan_not_generable": "nothing to generate", "plan_deleted": "plan deleted"}
STEP_LABELS = {"load_markers": "Load markers", "compute_deficits": "Compute deficits",
               "subtract_pending": "Subtract pending", "generate": "Generate"}


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _list_url() -> str:
    return reverse("stockpiles:stockpile-list")


# --- markers -----------------------------------------------------------------------------------------

@role_required(Role.VIEWER)
def stockpile_list(request: HttpRequest) -> HttpResponse:
    """Markers with desired, on hand, deficit and auto-production status; filters and sort in the URL."""
    form = StockpileFilterForm(request.GET, tenant=request.tenant)
    rows = filtered(form, lambda: selectors.stockpile_marker_list(tenant=request.tenant, filters=request.GET))
    page = paginate(request, rows)
    return render_page(request, "stockpiles/stockpile_list.html", {
        "form": form, "page": page, "interval_s": settings.AUTO_PRODUCTION_INTERVAL_SEC})


def _plans_for(request: HttpRequest, item: ItemType | None) -> list:
    """The plans that make ``item`` (the rule of ``plans/by-product``); none for what is not a product."""
    return list(plan_by_product(tenant=request.tenant, product=item))


def _new_marker_form(request: HttpRequest, data: Any = None) -> StockpileMarkerForm:
    """The add form: items and locations to choose from, plans for the chosen item (``item_type``
    of the POST, or of the query string to prefill)."""
    items = list(selectors.stockpile_item_choices(tenant=request.tenant))
    chosen = (data or request.GET).get("item_type", "")
    item = next((i for i in items if str(i.pk) == chosen), None)
    return StockpileMarkerForm(data, items=items, locations=inventory_selectors.location_list(tenant=request.tenant),
                               plans=_plans_for(request, item), plan_for=item,
                               initial={"item_type": item.pk if item else None, "auto_production_parallelism": 0})


def _edit_marker_form(request: HttpRequest, marker: StockpileMarker, data: Any = None) -> StockpileMarkerForm:
    return StockpileMarkerForm(data, plans=_plans_for(request, marker.item_type), plan_for=marker.item_type,
                               editing=True, initial={
                                   "desired_quantity": _number(marker.desired_quantity), "plan": marker.plan_id,
                                   "auto_production_parallelism": marker.auto_production_parallelism,
                                   "auto_production_enabled": marker.auto_production_enabled})


def _dialog(request: HttpRequest, form: StockpileMarkerForm, *, marker: StockpileMarker | None = None,
            status: int = 200) -> HttpResponse:
    """The marker form: over HTMX only the dialog's content, else the whole page."""
    back = request.POST.get("next") or request.GET.get("next") or (
        request.htmx.current_url_abs_path if request.htmx else "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        back = _list_url()          # Cancel links to it: never another site or a javascript: URL
    context = {"form": form, "marker": marker, "next": back}
    return render_page(request, "stockpiles/stockpile_form.html", context, partial="dialog", status=status)


def _saved(request: HttpRequest, message: str) -> HttpResponse:
    """After a change: the flash message, and back to the list the dialog was opened from."""
    messages.success(request, message)
    url = next_url(request, _list_url())
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def _describe(marker: StockpileMarker) -> str:
    return f"{marker.item_type.name} at {marker.location.name}"


@role_required(Role.MANAGER)
def stockpile_create(request: HttpRequest) -> HttpResponse:
    """Add your marker for an item at a location (``stockpile_marker_upsert``: an existing marker of
    yours for the pair gets the new settings)."""
    form = _new_marker_form(request, request.POST if request.method == "POST" else None)
    result, status = submit(request, form, lambda: services.stockpile_marker_upsert(
        tenant=request.tenant, owner=request.user, item_type=form.cleaned_data["item_type"],
        location=form.cleaned_data["location"], **form.settings()))
    if result is None:
        return _dialog(request, form, status=status)
    marker, created = result
    return _saved(request, f"Now keeping {marker.desired_quantity.normalize():f} {marker.item_type.unit} of "
                           f"{_describe(marker)}." if created else
                           f"Your marker for {_describe(marker)} already existed: its settings were replaced.")


def _marker(request: HttpRequest, pk: int) -> StockpileMarker:
    return found(selectors.stockpile_marker_get, tenant=request.tenant, pk=pk)


@role_required(Role.MANAGER)
def stockpile_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a marker's desired quantity, plan, parallelism and auto-production (item and location
    are fixed): ``stockpile_marker_update`` with the fields changed."""
    marker = _marker(request, pk)
    form = _edit_marker_form(request, marker, request.POST if request.method == "POST" else None)

    def save() -> StockpileMarker:
        values = form.settings()
        return services.stockpile_marker_update(marker=marker, data={name: values[name] for name in form.changed_data})

    saved, status = submit(request, form, save)
    if saved is None:
        return _dialog(request, form, marker=marker, status=status)
    return _saved(request, f"Marker for {_describe(marker)} saved.")


@require_POST
@role_required(Role.MANAGER)
def stockpile_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Delete a marker (``stockpile_marker_delete``); plan runs it caused stay."""
    marker = _marker(request, pk)
    services.stockpile_marker_delete(marker=marker)
    return _saved(request, f"Marker for {_describe(marker)} deleted.")


@role_required(Role.MANAGER)
def stockpile_plan_choices(request: HttpRequest) -> HttpResponse:
    """The dialog's plan field for the ``item_type`` chosen (an HTMX fragment): 2 queries."""
    chosen = request.GET.get("item_type", "")
    item = (selectors.stockpile_item_choices(tenant=request.tenant).filter(pk=int(chosen)).first()
            if chosen.isdigit() else None)
    form = StockpileMarkerForm(plans=_plans_for(request, item), plan_for=item, editing=True)
    return render(request, "stockpiles/stockpile_form.html#plan-field", {"form": form})


# --- deficits -----------------------------------------------------------------------------------------

@role_required(Role.VIEWER)
def deficits(request: HttpRequest) -> HttpResponse:
    """Markers below target in two lists, "to produce" (auto-production on) and "to buy". Both lists
    show their first page; choosing one (``kind``) pages through it."""
    form = DeficitFilterForm(request.GET, tenant=request.tenant)
    sections = []
    if form.is_valid():
        location = form.cleaned_data["location"]
        chosen = form.cleaned_data["kind"]
        for kind, label in DeficitKind.CHOICES:
            if chosen and kind != chosen:
                continue
            rows = filtered(form, lambda kind=kind: selectors.stockpile_deficits(
                tenant=request.tenant, filters={"kind": kind, "location": location.pk if location else None}))
            page = paginate(request, rows) if chosen else Paginator(rows, PAGE_SIZE).get_page(1)
            sections.append({"kind": kind, "title": label.split(" (")[0], "page": page, "paged": bool(chosen)})
    return render_page(request, "stockpiles/deficits.html", {"form": form, "sections": sections})


class _Echo:
    """A write-only file for ``csv.writer``: ``write`` hands the line back for streaming."""

    def write(self, value: str) -> str:
        return value


def _cell(value: Any) -> Any:
    """A text cell a spreadsheet shows as text: a leading =, +, -, @ or control character is not
    read as a formula (OWASP CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _number(value: Decimal) -> str:
    return f"{Decimal(value).normalize():f}"


BUY_LIST_HEADER = ["item", "sku", "kind", "unit", "location", "desired", "on_hand", "deficit", "pending_production",
                   "to_buy", "unit_cost", "estimated_cost", "owner", "marker_id"]


def _buy_rows(markers: Iterator[StockpileMarker]) -> Iterator[list[Any]]:
    yield BUY_LIST_HEADER
    for m in markers:
        item = m.item_type
        yield [_cell(item.name), _cell(item.sku), item.kind, item.unit, _cell(m.location.name),
               _number(m.desired_quantity), _number(m.on_hand), _number(m.deficit), _number(m.pending_production),
               _number(m.net_deficit), _number(item.unit_cost), _number(m.estimated_cost),
               _cell(m.owner.username), m.pk]


@role_required(Role.VIEWER)
def deficits_buy_csv(request: HttpRequest) -> HttpResponse:
    """The buy list (the page's filters apply) as CSV, streamed: one query, however long."""
    form = DeficitFilterForm(request.GET, tenant=request.tenant)
    if not form.is_valid():
        return HttpResponse("Invalid filters: " + "; ".join(f"{name}: {' '.join(errors)}" for name, errors in
                                                           form.errors.items()), status=400,
                            content_type="text/plain; charset=utf-8")
    location = form.cleaned_data["location"]
    markers = selectors.stockpile_deficits(tenant=request.tenant, filters={
        "kind": DeficitKind.TO_BUY, "location": location.pk if location else None})
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse((writer.writerow(row) for row in _buy_rows(markers.iterator(chunk_size=500))),
                                     content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y-%m-%d")
    response["Content-Disposition"] = f'attachment; filename="to-buy-{request.tenant.short_code}-{stamp}.csv"'
    return response


# --- automation ----------------------------------------------------------------------------------------

def _label(name: str) -> str:
    return name.replace("_", " ")


def _count(value: Any) -> Any:
    """A step count as shown: quantities (strings like ``"12.500"``) without trailing zeros."""
    if isinstance(value, str):
        try:
            return _number(Decimal(value))
        except ArithmeticError:
            return value
    return value


def _tick(run: AutoProductionRun) -> dict[str, Any]:
    """What the pages show of a tick: duration, its steps (label, status, time, counts) and decisions."""
    metrics, output = run.metrics or {}, run.output or {}
    duration_ms = metrics.get("duration_ms")
    if duration_ms is None and run.started_at and run.finished_at:
        duration_ms = (run.finished_at - run.started_at).total_seconds() * 1000
    return {
        "duration_ms": duration_ms,
        "steps": [{"label": STEP_LABELS.get(step.get("name"), step.get("name")), "status": step.get("status"),
                   "duration_ms": step.get("duration_ms"),
                   "counts": [(_label(key), _count(value))
                              for key, value in sorted((step.get("counts") or {}).items())]}
                  for step in metrics.get("steps", [])],
        "plan_runs": output.get("plan_runs", []), "skipped": output.get("skipped", []),
        "failed": output.get("failed", []), "without_deficit": output.get("groups_without_deficit"),
        "skip_reasons": sorted({SKIP_REASONS.get(e.get("reason"), e.get("reason")) for e in output.get("skipped", [])}),
        "message": output.get("message", ""),
    }


def _schedule(request: HttpRequest) -> dict[str, Any]:
    """The beat interval and, while beat keeps its pace, when its next tick is due: one interval
    after the tenant's last beat tick (beat's own clock is in the beat process, not here)."""
    interval = settings.AUTO_PRODUCTION_INTERVAL_SEC
    last = selectors.auto_production_run_list(tenant=request.tenant,
                                              filters={"triggered_by": AutoProductionRun.Trigger.BEAT}).first()
    due = last.created_at + timedelta(seconds=interval) if last else None
    return {"interval_s": interval, "last_beat": last, "next_due": due if due and due > timezone.now() else None}


@role_required(Role.VIEWER)
def automation(request: HttpRequest) -> HttpResponse:
    """The auto-production run log, newest first, with each tick's steps and decisions; the full page
    adds the schedule, a chart of tick durations and (managers) "Run now"."""
    form = AutoProductionRunFilterForm(request.GET, tenant=request.tenant)
    rows = filtered(form, lambda: selectors.auto_production_run_list(tenant=request.tenant, filters=request.GET))
    page = paginate(request, rows)
    context: dict[str, Any] = {"form": form, "page": page, "ticks": [(run, _tick(run)) for run in page.object_list]}
    if not wants_partial(request):
        chart = selectors.auto_production_tick_chart(tenant=request.tenant, step_labels=STEP_LABELS,
                                                     ticks=CHART_TICKS)
        context.update(schedule=_schedule(request), chart=chart)
    return render_page(request, "stockpiles/automation.html", context)


@role_required(Role.VIEWER)
def automation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One tick: status, timing, key, error, per-step metrics and every decision."""
    run = found(selectors.auto_production_run_get, tenant=request.tenant, pk=pk)
    return render(request, "stockpiles/automation_detail.html", {"run": run, "tick": _tick(run),
                                                                  "label": f"Tick #{run.pk}"})


def _outcome(run: AutoProductionRun) -> tuple[int, str]:
    """The flash message of a tick run now: its level and text."""
    head = f"Tick #{run.pk} {run.get_status_display().lower()}"
    if run.status == AutoProductionRun.Status.FAILED:
        return messages.ERROR, f"{head}: {run.error_message or run.error_code}"
    if run.status == AutoProductionRun.Status.SKIPPED:
        return messages.WARNING, f"{head}: {(run.output or {}).get('message', '')}"
    output = run.output or {}
    created, skipped, failed = output.get("plan_runs", []), output.get("skipped", []), output.get("failed", [])
    made = "; ".join(f"#{e['plan_run_id']} {e['quantity']} × {e['plan']['name']}" for e in created)
    text = (f"{head}: {_plural(len(created), 'plan run')} created{f' ({made})' if made else ''}, "
            f"{_plural(len(skipped), 'group')} skipped, {len(failed)} failed.")
    return (messages.WARNING if failed else messages.SUCCESS), text


@require_POST
@role_required(Role.MANAGER)
def automation_run_now(request: HttpRequest) -> HttpResponse:
    """"Run now": one tick for the tenant (``auto_production_run_now``, as ``POST
    /api/v1/auto-production/runs``); its outcome is the flash message."""
    return button_action(request, lambda: services.auto_production_run_now(tenant=request.tenant, by=request.user),
                         done=_outcome, back=next_url(request, reverse("stockpiles:automation")))
