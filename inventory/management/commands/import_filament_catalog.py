"""``manage.py import_filament_catalog [PATH] [--tenant SHORTCODE]``: SpoolmanDB → material item types."""
from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from inventory.catalog import DEFAULT_CATALOG_DIR, CatalogEntry, read_catalog
from inventory.services import CatalogImportResult, item_type_catalog_import
from prodtrack.exceptions import ApplicationError
from prodtrack.models import Tenant


def import_catalog(*, tenant: Tenant, entries: list[CatalogEntry], show_progress: bool) -> CatalogImportResult:
    """Import ``entries`` into ``tenant`` behind a progress bar (hidden when ``show_progress`` is
    False)."""
    with tqdm(total=len(entries), desc=f"Importing into {tenant.short_code}", unit="item",
              disable=not show_progress) as bar:
        return item_type_catalog_import(tenant=tenant, entries=entries, progress=bar.update)


class Command(BaseCommand):
    help = ("Import the SpoolmanDB filament catalog as material item types: one per manufacturer, "
            "filament line and colour. Re-running updates changed entries and creates no duplicates.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", nargs="?", default=str(DEFAULT_CATALOG_DIR),
                            help="SpoolmanDB directory holding filaments/*.json and materials.json "
                                 "(default: the copy shipped in inventory/data/spoolmandb).")
        parser.add_argument("--tenant", metavar="SHORTCODE",
                            help="Import into this tenant only (default: every tenant).")

    def handle(self, *args, path: str, tenant: str | None, **options) -> None:
        show_progress = self.stdout.isatty()
        if tenant:
            tenants = list(Tenant.objects.filter(short_code=tenant.strip().upper()))
            if not tenants:
                raise CommandError(f"Unknown tenant {tenant!r}: no tenant has that short code.")
        else:
            tenants = list(Tenant.objects.order_by("short_code"))
            if not tenants:
                raise CommandError("There are no tenants yet; create one with `manage.py create_tenant`.")
            self.stdout.write(f"No --tenant given: importing into all {len(tenants)} tenants: "
                              + ", ".join(t.short_code for t in tenants))
        try:
            entries = read_catalog(Path(path), progress=lambda files: tqdm(
                files, desc="Reading catalog", unit="file", disable=not show_progress))
        except ApplicationError as error:
            raise CommandError(error.message) from error
        self.stdout.write(f"Read {len(entries)} catalog entries from {path}.")
        for target in tenants:
            try:
                result = import_catalog(tenant=target, entries=entries, show_progress=show_progress)
            except ApplicationError as error:
                raise CommandError(f"{target.short_code}: {error.message}") from error
            self.stdout.write(self.style.SUCCESS(
                f"{target.short_code}: {result.created} created, {result.updated} updated, "
                f"{result.unchanged} unchanged."))
