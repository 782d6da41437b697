"""Printer tokens: the secret in a printer's Spoolman address (DESIGN §7)."""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from inventory.models import Workstation
from printers.errors import PrinterTokenStateError
from printers.models import PrinterToken
from printers.selectors import (
    printer_token_forget,
    token_hash,
)
from prodtrack.exceptions import ValidationError
from prodtrack.models import User
from prodtrack.telemetry import traced

LAST_SEEN_EVERY = timedelta(minutes=1)


@traced("printer_token.create")
@transaction.atomic
def printer_token_create(*, workstation: Workstation, by: User | None) -> tuple[PrinterToken, str]:
    """A new token for ``workstation`` (a printer); its live token, if any, is revoked. Returns
    the row and the token itself, which is never stored and cannot be shown again.

    Raises ValidationError (400) for a workstation that is not a printer.
    """
    if workstation.kind != Workstation.Kind.PRINTER:
        raise ValidationError.for_field("workstation", f"{workstation.name} is not a printer.")
    now = timezone.now()
    live = PrinterToken.objects.select_for_update().filter(workstation=workstation, revoked_at__isnull=True)
    printer_token_forget(token_hashes=list(live.values_list("token_hash", flat=True)))
    live.update(revoked_at=now)
    token = secrets.token_urlsafe(32)
    row = PrinterToken.objects.create(tenant_id=workstation.tenant_id, workstation=workstation,
                                      token_hash=token_hash(token), prefix=token[:6], created_by=by, created_at=now)
    return row, token


@traced("printer_token.revoke")
@transaction.atomic
def printer_token_revoke(*, printer_token: PrinterToken) -> PrinterToken:
    """Revoke a token: every path under its URL answers 404 from now on. Raises
    PrinterTokenStateError (409) when it is revoked already."""
    row = PrinterToken.objects.select_for_update().get(pk=printer_token.pk)
    if row.revoked_at is not None:
        raise PrinterTokenStateError(f"Token {row.prefix}… is already revoked.", token_id=row.pk)
    row.revoked_at = timezone.now()
    row.save(update_fields=["revoked_at"])
    printer_token_forget(token_hashes=[row.token_hash])
    return row


_seen_written: dict[int, datetime] = {}   # token id → the last last_seen_at this process wrote


def printer_token_seen(*, printer_token: PrinterToken, at: datetime | None = None) -> None:
    """Note that the printer called: at most one write a minute per token and process (the token
    may come from the cache, with the last_seen_at it had then)."""
    at = at or timezone.now()
    seen = max(filter(None, (printer_token.last_seen_at, _seen_written.get(printer_token.pk))), default=None)
    if seen is None or at - seen >= LAST_SEEN_EVERY:
        PrinterToken.objects.filter(pk=printer_token.pk).update(last_seen_at=at)
        printer_token.last_seen_at = _seen_written[printer_token.pk] = at
