"""The home page: every app at a glance."""
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from dashboard.selectors import dashboard_panels
from prodtrack.tenancy import role_required


@role_required()
def dashboard(request: HttpRequest) -> HttpResponse:
    """Landing page: runs in progress, recent completions, spools running low, the filament
    variance of the last 30 days and the newest ledger rows. Eleven queries whatever the number of
    runs and spools: 3 of every page and 8 of ``dashboard_panels``."""
    return render(request, "dashboard/dashboard.html", dashboard_panels(tenant=request.tenant))
