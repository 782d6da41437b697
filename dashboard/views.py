"""The home page: every app at a glance, and the first steps of a new farm."""
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from dashboard.selectors import dashboard_panels, onboarding_checklist
from inventory import selectors as inventory_selectors
from inventory.services import catalog_import_start
from prodtrack.forms import PageForm
from prodtrack.models import Role
from prodtrack.pages import found, submit
from prodtrack.tenancy import role_required


@role_required()
def dashboard(request: HttpRequest) -> HttpResponse:
    """Landing page: runs in progress, recent completions, spools running low, the filament
    variance of the last 30 days and the newest ledger rows; for a farm still setting up, the
    onboarding checklist above them. Twelve queries whatever the number of runs and spools: 3 of
    every page, 8 of ``dashboard_panels`` and 1 of ``onboarding_checklist`` (2 while a step is left)."""
    return render(request, "dashboard/dashboard.html", {
        **dashboard_panels(tenant=request.tenant), "onboarding": onboarding_checklist(tenant=request.tenant)})


@require_POST
@role_required(Role.MANAGER)
def catalog_import(request: HttpRequest) -> HttpResponse:
    """Start importing the filament catalog (``catalog_import_start``); answers the checklist's
    import step, which then polls its progress. Refused while an import runs (its message shown)."""
    form = PageForm(request.POST)
    started, status = submit(request, form, lambda: catalog_import_start(tenant=request.tenant, by=request.user))
    latest = started or inventory_selectors.catalog_import_latest(tenant=request.tenant)
    return render(request, "dashboard/dashboard.html#catalog-import",
                  {"catalog_import": latest, "import_form": form}, status=status)


@role_required()
def catalog_import_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """One catalog import's progress bar (polled every 2 s while it waits or runs); once it has
    finished, a polling page reloads so the checklist ticks the step."""
    run = found(inventory_selectors.catalog_import_get, tenant=request.tenant, pk=pk)
    response = render(request, "dashboard/dashboard.html#catalog-import", {"catalog_import": run})
    if request.htmx and not run.is_active:
        response["HX-Refresh"] = "true"
    return response
