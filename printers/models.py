"""Printers: what the machines report (DESIGN §7). A printer is a workstation; a ``PrinterToken``
in the URL of prodtrack's Spoolman-compatible API says which tenant and which printer a call comes
from."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from inventory.models import Workstation
from prodtrack.tenancy import TenantOwned


class PrinterToken(TenantOwned):
    """The secret in a printer's API base URL (``/spoolman/<token>``). Only its SHA-256 is kept
    (``token_hash``) and its first characters (``prefix``) to recognise it; the token itself is
    shown once. A workstation has at most one live token: a new one revokes the old."""

    workstation = models.ForeignKey(Workstation, on_delete=models.CASCADE, related_name="printer_tokens")
    token_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["workstation"], condition=Q(revoked_at__isnull=True),
                                               name="printertoken_one_live_per_workstation")]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.workstation_id})"

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None
