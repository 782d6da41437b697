"""Core pages: the tenant switcher."""
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from prodtrack.pages import next_url
from prodtrack.tenancy import SESSION_TENANT_KEY, choose_membership


@require_POST
def tenant_switch(request: HttpRequest) -> HttpResponse:
    """Make another of the user's tenants the active one (navbar switcher)."""
    membership = choose_membership(request.memberships, tenant_id=_int(request.POST.get("tenant")))
    if membership is not None and str(membership.tenant_id) == request.POST.get("tenant"):
        request.session[SESSION_TENANT_KEY] = membership.tenant_id
    return redirect(next_url(request, reverse("dashboard")))


def _int(value: str | None) -> int | None:
    try:
        return int(value or "")
    except ValueError:
        return None
