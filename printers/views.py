"""The printer board (``/printers/``): each printer's Spoolman token, the spool it reports on, its
run and the grams reported for it, and the usage no run took. The board refreshes itself (HTMX,
every 5 s); managers create and revoke tokens here, operators give usage no run took to a run or
record it as a run.

"Record as a run" is a dialog loaded into the board's modal over HTMX (outside the refreshing
``#results``) that posts back over HTMX: errors come back in the dialog, success shows a link to
the new run there and tells the board to refresh (``HX-Trigger: usage-recorded``). Without HTMX
the same URL is a plain page that sends the browser to the new run."""
from __future__ import annotations

import re

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django_htmx.http import trigger_client_event

from inventory.models import ItemType, Workstation
from printers import selectors, services
from printers.forms import RecordRunForm
from printers.models import PrinterToken, UsageSession
from prodtrack.exceptions import ApplicationError
from prodtrack.models import Role
from prodtrack.pages import button_action, found, render_page, submit
from prodtrack.tenancy import get_for_tenant, role_required
from runs.models import ProductionRun

TEMPLATE = "printers/board.html"


def _board(request: HttpRequest, **extra) -> HttpResponse:
    rows, unattributed = selectors.printer_board(tenant=request.tenant)
    return render_page(request, TEMPLATE, {"rows": rows, "unattributed": unattributed, **extra})


@role_required(Role.VIEWER)
def printer_board(request: HttpRequest) -> HttpResponse:
    """The board."""
    return _board(request)


@require_POST
@role_required(Role.MANAGER)
def printer_token_create(request: HttpRequest, pk: int) -> HttpResponse:
    """A new token for the printer (the old one stops working), shown on this answer only."""
    printer = found(get_for_tenant, queryset=Workstation.objects.all(), tenant=request.tenant, pk=pk, label="printer")
    try:
        _, token = services.printer_token_create(workstation=printer, by=request.user)
    except ApplicationError as error:
        return _board(request, error=error.message)
    return _board(request, new_token={"printer": printer, "url": request.build_absolute_uri(f"/spoolman/{token}")})


@require_POST
@role_required(Role.MANAGER)
def printer_token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """Revoke the printer's token: every path under its URL answers 404 from now on."""
    token = found(get_for_tenant, queryset=PrinterToken.objects.select_related("workstation"), tenant=request.tenant,
                  pk=pk, label="printer token")
    return button_action(request, lambda: services.printer_token_revoke(printer_token=token),
                         done=lambda revoked: f"{token.workstation.name}'s token {revoked.prefix}… revoked.",
                         back=reverse("printers:board"))


@require_POST
@role_required(Role.OPERATOR)
def usage_session_attribute(request: HttpRequest, pk: int) -> HttpResponse:
    """Give usage no run took to the run chosen (``run`` in the form)."""
    session = found(get_for_tenant, queryset=UsageSession.objects.all(), tenant=request.tenant, pk=pk,
                    label="usage")
    run = ProductionRun.objects.for_tenant(request.tenant).filter(pk=request.POST.get("run") or 0).first()
    if run is None:
        messages.error(request, "Choose the run these grams belong to.")
        return redirect("printers:board")
    return button_action(request, lambda: services.usage_session_attribute(session=session, run=run, by=request.user),
                         done=lambda given: f"{given.grams:.1f} g reported by {session.workstation.name} now count "
                                            f"for {run.run_number}.", back=reverse("printers:board"))


RECORD_TEMPLATE = "printers/record_run.html"
USAGE_RECORDED = "usage-recorded"


def _no_foreign_products(request: HttpRequest) -> None:
    """Another tenant's product in the posted lines is a 404, as its id is anywhere (DESIGN §2)."""
    ids = {value for name, value in request.POST.items() if re.fullmatch(r"line-\d+-product", name) and value}
    if not ids:
        return
    if not all(value.isdigit() for value in ids):
        return                                       # the form says it is not a valid choice
    mine = set(ItemType.objects.for_tenant(request.tenant).filter(pk__in=ids).values_list("pk", flat=True))
    if len(mine) < len(ids):
        raise Http404("Product not found.")


@role_required(Role.OPERATOR)
def usage_session_record_run(request: HttpRequest, pk: int) -> HttpResponse:
    """Record usage no run took as a run (``services.usage_session_record_run``): the products
    printed with their successful and failed pieces, the times (the session's by default), notes.
    ``add_line`` in the POST shows one more product line and saves nothing."""
    session = found(get_for_tenant, queryset=UsageSession.objects.select_related("workstation", "spool__item_type"),
                    tenant=request.tenant, pk=pk, label="usage")
    posted = request.method == "POST"
    if posted:
        _no_foreign_products(request)
    add_line = posted and "add_line" in request.POST
    form = RecordRunForm(request.POST if posted else None, tenant=request.tenant, session=session, add_line=add_line)
    if add_line:
        return render_page(request, RECORD_TEMPLATE, {"form": form, "session": session}, partial="dialog")
    run, status = submit(request, form, lambda: services.usage_session_record_run(
        session=session, by=request.user, items=form.items(), started_at=form.cleaned_data["started_at"],
        completed_at=form.cleaned_data["completed_at"], notes=form.cleaned_data["notes"]))
    if run is None:
        return render_page(request, RECORD_TEMPLATE, {"form": form, "session": session}, partial="dialog",
                           status=status)
    if not request.htmx:
        messages.success(request, f"{session.grams:.1f} g reported by {session.workstation.name} recorded as "
                                  f"{run.run_number}.")
        return redirect("runs:run-detail", run.pk)
    response = render(request, f"{RECORD_TEMPLATE}#recorded", {"session": session, "run": run})
    return trigger_client_event(response, USAGE_RECORDED)
