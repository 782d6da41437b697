"""Tenancy: tenant-scoped querysets, active-tenant resolution and role checks.

Every tenant-owned model inherits ``TenantOwned`` and is read through
``Model.objects.for_tenant(tenant)``; ``get_for_tenant`` turns another tenant's id into a
``NotFoundError`` (404), never a 403 and never data.

The active tenant: pages keep it in the session (``tenant_id``, switched from the navbar);
the API reads the ``X-Tenant`` header (a short code) and falls back to the user's only tenant.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequiredMiddleware
from django.db import models
from django.http import HttpRequest
from django.shortcuts import render
from django.utils import timezone

from prodtrack.exceptions import NotFoundError, PermissionDeniedError, ValidationError
from prodtrack.models import Membership, Role, Tenant

SESSION_TENANT_KEY = "tenant_id"
TENANT_HEADER = "X-Tenant"

M = TypeVar("M", bound=models.Model)


class TenantQuerySet(models.QuerySet):
    """QuerySet whose every use starts from ``for_tenant``."""

    def for_tenant(self, tenant: Tenant) -> TenantQuerySet:
        return self.filter(tenant=tenant)


class TenantOwned(models.Model):
    """Abstract base of every tenant-owned model: a ``tenant`` FK and the scoped manager."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")

    objects = TenantQuerySet.as_manager()

    class Meta:
        abstract = True


def get_for_tenant(queryset: models.QuerySet[M] | type[M], tenant: Tenant, pk: Any, *,
                   label: str | None = None) -> M:
    """One object of ``tenant`` by primary key, or ``NotFoundError`` (404).

    ``queryset`` may be a model class or a queryset (e.g. with ``select_related``); a
    non-numeric ``pk`` is also a 404.
    """
    qs = queryset.objects.all() if isinstance(queryset, type) else queryset
    name = label or qs.model._meta.verbose_name
    try:
        return qs.filter(tenant=tenant).get(pk=int(pk))
    except (qs.model.DoesNotExist, TypeError, ValueError):
        raise NotFoundError(f"{name.capitalize()} {pk} not found.", model=qs.model._meta.model_name,
                            id=str(pk)) from None


def user_memberships(user) -> list[Membership]:
    """The user's memberships with their tenants, by tenant name (one query)."""
    return list(Membership.objects.filter(user=user).select_related("tenant").order_by("tenant__name"))


def choose_membership(memberships: list[Membership], *, short_code: str | None = None,
                      tenant_id: Any = None) -> Membership | None:
    """Pick the active membership from ``memberships`` (no query).

    ``short_code`` (from ``X-Tenant``) wins; an unknown code or one the user is not a member of
    raises ``NotFoundError``. Without a code, ``tenant_id`` (from the session) is used when still
    valid, then the first membership by tenant name. None for a user with no membership.
    """
    if short_code:
        code = short_code.strip().upper()
        for membership in memberships:
            if membership.tenant.short_code == code:
                return membership
        raise NotFoundError(f"Tenant {short_code!r} not found.", header=TENANT_HEADER)
    for membership in memberships:
        if tenant_id is not None and membership.tenant_id == tenant_id:
            return membership
    return memberships[0] if memberships else None


def resolve_membership(user, *, short_code: str | None = None, tenant_id: Any = None) -> Membership | None:
    """``choose_membership`` over the user's memberships (one query)."""
    return choose_membership(user_memberships(user), short_code=short_code, tenant_id=tenant_id)


def require_role(membership: Membership | None, role: str) -> None:
    """Raise ``PermissionDeniedError`` (403) unless ``membership`` has ``role`` or stronger."""
    if membership is None:
        raise PermissionDeniedError("You are not a member of any tenant.")
    if not membership.has_role(role):
        raise PermissionDeniedError(
            f"This needs the {role} role; you are {membership.role}.", required_role=role, role=membership.role)


class TenantMiddleware:
    """Sets ``request.tenant`` and ``request.membership`` for session-authenticated requests, and
    makes the tenant's time zone the current one, so pages show and forms read times the way
    the shop's clock says them.

    Token-authenticated API requests are resolved later, by ``prodtrack.api.TenantApiView``,
    because DRF authenticates inside the view.
    """

    def __init__(self, get_response: Callable) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        request.tenant = None
        request.membership = None
        request.memberships = []
        if request.user.is_authenticated:
            request.memberships = user_memberships(request.user)
            try:
                membership = choose_membership(
                    request.memberships, short_code=request.headers.get(TENANT_HEADER),
                    tenant_id=request.session.get(SESSION_TENANT_KEY))
            except NotFoundError:
                membership = None
            if membership is not None:
                request.membership = membership
                request.tenant = membership.tenant
                if not request.headers.get(TENANT_HEADER) and (
                        request.session.get(SESSION_TENANT_KEY) != membership.tenant_id):
                    request.session[SESSION_TENANT_KEY] = membership.tenant_id
        if request.tenant is None or not request.tenant.time_zone:
            return self.get_response(request)
        with timezone.override(ZoneInfo(request.tenant.time_zone)):
            return self.get_response(request)


class LoginRequiredMiddleware(DjangoLoginRequiredMiddleware):
    """Django's login-required-everywhere, except the API (DRF answers 401/403 itself) and the
    printers' Spoolman API (the token in its path is the credential)."""

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path.startswith(("/api/", "/spoolman/")):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


def role_required(role: str = Role.VIEWER) -> Callable:
    """Page-view decorator: a member of the active tenant with ``role`` or stronger, else 403 page."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs):
            try:
                require_role(request.membership, role)
            except PermissionDeniedError as error:
                return render(request, "403.html", {"message": error.message}, status=403)
            return view(request, *args, **kwargs)

        wrapped.required_role = role
        return wrapped

    return decorator


def tenant_context(request: HttpRequest) -> dict[str, Any]:
    """Template context: the active tenant, its currency (ISO 4217, for the ``money`` filter), the
    user's role and the tenants they can switch to."""
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    membership = getattr(request, "membership", None)
    tenant = getattr(request, "tenant", None)
    return {
        "active_tenant": tenant,
        "currency": tenant.currency if tenant else "",
        "active_role": membership.role if membership else None,
        "can": {role: bool(membership and membership.has_role(role)) for role in Role.values},
        "tenant_memberships": getattr(request, "memberships", []),
    }


def parse_short_code(value: str) -> str:
    """Validate a tenant short code (2–8 upper-case letters/digits) or raise ``ValidationError``."""
    code = (value or "").strip().upper()
    if not (2 <= len(code) <= 8 and code.isascii() and code.isalnum()):
        raise ValidationError.for_field("short_code", "must be 2–8 letters or digits.")
    return code
