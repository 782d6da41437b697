"""Printers reads: tokens by their secret, a workstation's live token."""
from __future__ import annotations

import hashlib

from inventory.models import Workstation
from printers.models import PrinterToken


def token_hash(token: str) -> str:
    """SHA-256 hex of a printer token (tokens are 32 random bytes: a fast hash is enough)."""
    return hashlib.sha256(token.encode()).hexdigest()


def printer_token_resolve(*, token: str) -> PrinterToken | None:
    """The live token whose secret is ``token``, with its tenant and workstation; None for an
    unknown or revoked one. One query."""
    return (PrinterToken.objects.select_related("tenant", "workstation__location")
            .filter(token_hash=token_hash(token), revoked_at__isnull=True).first())


def printer_token_live(*, workstation: Workstation) -> PrinterToken | None:
    """The workstation's live token, if any."""
    return PrinterToken.objects.filter(workstation=workstation, revoked_at__isnull=True).first()
