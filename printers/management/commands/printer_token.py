"""``python manage.py printer_token --tenant CODE --workstation NAME``: a new token for a printer
(the live one, if any, is revoked); the token alone is the last line printed."""
from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from inventory.models import Workstation
from printers import services
from prodtrack.exceptions import ApplicationError
from prodtrack.models import Tenant


class Command(BaseCommand):
    help = "Create a printer's Spoolman API token; prints its base URL path, then the token alone."

    def add_arguments(self, parser):
        parser.add_argument("--tenant", required=True, help="The tenant's short code, e.g. ACME.")
        parser.add_argument("--workstation", required=True, help="The printer's name.")

    def handle(self, *args, tenant: str, workstation: str, **options):
        found = Tenant.objects.filter(short_code=tenant.upper()).first()
        if found is None:
            raise CommandError(f"No tenant with short code {tenant!r}.")
        printer = Workstation.objects.for_tenant(found).filter(name=workstation).first()
        if printer is None:
            raise CommandError(f"{found.name} has no workstation named {workstation!r}.")
        try:
            _, token = services.printer_token_create(workstation=printer, by=None)
        except ApplicationError as error:
            raise CommandError(error.message) from None
        self.stdout.write(f"Spoolman server for {printer.name}: /spoolman/{token}  (shown once)")
        self.stdout.write(token)
