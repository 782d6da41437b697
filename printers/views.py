"""The printer board (``/printers/``): each printer's Spoolman token, the spool it reports on, its
run and the grams reported for it, and the usage no run took. The board refreshes itself (HTMX,
every 5 s); managers create and revoke tokens here."""
from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from inventory.models import Workstation
from printers import selectors, services
from printers.models import PrinterToken, UsageSession
from prodtrack.exceptions import ApplicationError
from prodtrack.models import Role
from prodtrack.pages import button_action, found, render_page
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
