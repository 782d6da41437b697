"""The Django admin for tenant admins (DESIGN §2): a member with the admin role opens ``/admin/``
and sees and changes only their tenants' rows; superusers see everything, as before.

``TenantAdminSite.register`` wraps every ModelAdmin (and its inlines) in ``TenantScopedAdmin``, so
an app registering a model needs nothing more: for a user who is not a superuser its querysets,
its foreign-key choices and its list filters hold the rows of the user's admin tenants only.
``TenantAdminBackend`` gives tenant admins the model permissions of the domain apps (never of
users, tenants, groups or tokens), which the ModelAdmins' own rules (read-only ledgers…) narrow.
"""
from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin import RelatedOnlyFieldListFilter
from django.db import models
from django.http import HttpRequest

from prodtrack.models import Membership, Role, Tenant, User

#: The apps whose models a tenant admin may view and change (their rows all carry a tenant).
TENANT_ADMIN_APPS = frozenset({"inventory", "plans", "runs", "stockpiles", "printers"})


def admin_tenant_ids(user: Any) -> frozenset[int]:
    """The tenants where ``user`` has the admin role (kept on the user object for the request)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    if not hasattr(user, "_admin_tenant_ids"):
        user._admin_tenant_ids = frozenset(Membership.objects.filter(user=user, role=Role.ADMIN)
                                           .values_list("tenant_id", flat=True))
    return user._admin_tenant_ids


def scope_to_tenants(queryset: models.QuerySet, tenant_ids: frozenset[int]) -> models.QuerySet:
    """``queryset`` narrowed to ``tenant_ids``: tenants themselves, rows with a ``tenant``, the
    users who are members there; any other model gives nothing (safe by default)."""
    model = queryset.model
    if issubclass(model, Tenant):
        return queryset.filter(pk__in=tenant_ids)
    if any(field.name == "tenant" for field in model._meta.get_fields()):
        return queryset.filter(tenant_id__in=tenant_ids)
    if issubclass(model, User):
        return queryset.filter(memberships__tenant_id__in=tenant_ids).distinct()
    return queryset.none()


class TenantAdminBackend:
    """Model permissions of the domain apps for members with the admin role; authenticates no one."""

    def authenticate(self, request: HttpRequest | None, **credentials: Any) -> None:
        return None

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        return perm.split(".", 1)[0] in TENANT_ADMIN_APPS and bool(admin_tenant_ids(user_obj))

    def has_module_perms(self, user_obj: Any, app_label: str) -> bool:
        return app_label in TENANT_ADMIN_APPS and bool(admin_tenant_ids(user_obj))


class _TenantScoped:
    """Querysets and choices of a ModelAdmin or inline limited to the user's admin tenants."""

    def _tenants(self, request: HttpRequest) -> frozenset[int] | None:
        """None for a superuser (no limit), else the user's admin tenants."""
        return None if request.user.is_superuser else admin_tenant_ids(request.user)

    def get_queryset(self, request: HttpRequest) -> models.QuerySet:
        queryset = super().get_queryset(request)
        tenants = self._tenants(request)
        return queryset if tenants is None else scope_to_tenants(queryset, tenants)

    def get_field_queryset(self, db: str | None, db_field: models.Field, request: HttpRequest):
        queryset = super().get_field_queryset(db, db_field, request)
        tenants = self._tenants(request)
        if tenants is None:
            return queryset
        if queryset is None:
            queryset = db_field.remote_field.model._default_manager.using(db)
        return scope_to_tenants(queryset, tenants)


class _TenantScopedInline(_TenantScoped):
    """An inline: its rows are its parent's (already scoped), its choices are scoped."""

    def get_queryset(self, request: HttpRequest) -> models.QuerySet:
        queryset = super(_TenantScoped, self).get_queryset(request)
        tenants = self._tenants(request)
        has_tenant = any(field.name == "tenant" for field in queryset.model._meta.get_fields())
        return queryset if tenants is None or not has_tenant else scope_to_tenants(queryset, tenants)


class TenantScopedAdmin(_TenantScoped, admin.ModelAdmin):
    """Every registered ModelAdmin, scoped; list filters on relations offer only the related rows
    the user's own rows use (another tenant's names never show)."""

    def get_list_filter(self, request: HttpRequest):
        filters = super().get_list_filter(request)
        if self._tenants(request) is None:
            return filters
        return [(name, RelatedOnlyFieldListFilter) if isinstance(name, str) and self._is_relation(name) else name
                for name in filters]

    def _is_relation(self, name: str) -> bool:
        model = self.model
        for part in name.split("__"):
            field = model._meta.get_field(part)
            if not field.is_relation:
                return False
            model = field.related_model
        return True


def _scoped(admin_class: type, base: type) -> type:
    return type(admin_class.__name__, (base, admin_class), {"__module__": admin_class.__module__})


class TenantAdminSite(admin.AdminSite):
    """The admin site: open to staff and to members with the admin role; every ModelAdmin scoped.
    No navigation sidebar: at tablet width it took half the screen and hid the list's columns."""

    enable_nav_sidebar = False

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return user.is_active and (user.is_staff or bool(admin_tenant_ids(user)))

    def register(self, model_or_iterable, admin_class=None, **options) -> None:
        admin_class = admin_class or admin.ModelAdmin
        scoped = _scoped(admin_class, TenantScopedAdmin)
        scoped.inlines = [_scoped(inline, _TenantScopedInline) for inline in admin_class.inlines]
        super().register(model_or_iterable, scoped, **options)
