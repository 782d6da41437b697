from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class ProdtrackConfig(AppConfig):
    default = True
    name = "prodtrack"
    verbose_name = "prodtrack core"

    def ready(self) -> None:
        from prodtrack.telemetry import configure_telemetry

        configure_telemetry()  # web, worker, beat and management commands alike


class ProdtrackAdminConfig(admin_apps.AdminConfig):
    """``django.contrib.admin`` with the tenant-scoped site (``prodtrack.admin_site``); named in
    INSTALLED_APPS, never picked for ``prodtrack``."""

    default = False

    default_site = "prodtrack.admin_site.TenantAdminSite"
