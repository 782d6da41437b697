"""Printer tokens: made for a printer, shown once, stored hashed, one live per printer, revocable."""
from __future__ import annotations

import hashlib
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from inventory.models import Workstation
from printers import selectors, services
from printers.errors import PrinterTokenStateError
from printers.models import PrinterToken
from prodtrack.exceptions import ValidationError
from tests.factories import WorkstationFactory

pytestmark = pytest.mark.django_db


def test_a_token_is_stored_only_as_its_hash_and_resolves_to_its_printer(tenant, farm, admin_user):
    row, token = services.printer_token_create(workstation=farm.printer, by=admin_user)

    assert len(token) >= 40 and token not in {row.token_hash, row.prefix}
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest() and token.startswith(row.prefix)
    found = selectors.printer_token_resolve(token=token)
    assert (found.pk, found.tenant_id, found.workstation_id) == (row.pk, tenant.pk, farm.printer.pk)
    assert selectors.printer_token_resolve(token=token + "x") is None


def test_a_new_token_revokes_the_old_one_and_a_revoked_token_resolves_to_nothing(farm, admin_user):
    first, old = services.printer_token_create(workstation=farm.printer, by=admin_user)
    second, new = services.printer_token_create(workstation=farm.printer, by=admin_user)

    assert selectors.printer_token_resolve(token=old) is None
    assert selectors.printer_token_resolve(token=new).pk == second.pk
    services.printer_token_revoke(printer_token=second)
    assert selectors.printer_token_resolve(token=new) is None
    assert PrinterToken.objects.filter(revoked_at__isnull=True).count() == 0
    with pytest.raises(PrinterTokenStateError):
        services.printer_token_revoke(printer_token=second)


def test_only_printers_get_tokens(tenant, farm):
    bench = WorkstationFactory(tenant=tenant, name="Bench", location=farm.room, kind=Workstation.Kind.ASSEMBLY)

    with pytest.raises(ValidationError) as refused:
        services.printer_token_create(workstation=bench, by=None)

    assert refused.value.fields == {"workstation": ["Bench is not a printer."]}


def test_the_command_prints_the_token_alone_on_its_last_line(tenant, farm):
    out = StringIO()
    call_command("printer_token", "--tenant", tenant.short_code.lower(), "--workstation", farm.printer.name,
                 stdout=out)

    token = out.getvalue().strip().splitlines()[-1]
    assert selectors.printer_token_resolve(token=token).workstation_id == farm.printer.pk
    with pytest.raises(CommandError, match="no workstation named"):
        call_command("printer_token", "--tenant", tenant.short_code, "--workstation", "Nope", stdout=StringIO())
