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


class UsageSession(TenantOwned):
    """What one printer reported using from one spool, folded (DESIGN §7): Moonraker reports every
    few seconds, and each report adds its grams here under a row lock while the spool moves at
    once (``inventory.services.spool_use_report``). Closing posts the ``grams`` as one ledger row
    (``transaction``). ``run``: the printer's in-progress run that uses the spool, when there is one.
    """

    workstation = models.ForeignKey(Workstation, on_delete=models.PROTECT, related_name="usage_sessions")
    spool = models.ForeignKey("inventory.Spool", on_delete=models.PROTECT, related_name="usage_sessions")
    run = models.ForeignKey("runs.ProductionRun", on_delete=models.SET_NULL, null=True, blank=True,
                            related_name="usage_sessions")
    grams = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    reports = models.PositiveIntegerField(default=0)
    opened_at = models.DateTimeField(default=timezone.now)
    last_report_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    transaction = models.ForeignKey("inventory.InventoryTransaction", on_delete=models.PROTECT, null=True,
                                    blank=True, related_name="+")

    class Meta:
        ordering = ["-last_report_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["workstation", "spool"], condition=Q(closed_at__isnull=True),
                                               name="usagesession_one_open_per_printer_spool")]
        indexes = [models.Index(fields=["tenant", "closed_at", "last_report_at"])]

    def __str__(self) -> str:
        return f"{self.grams} g of spool {self.spool_id} on {self.workstation_id}"


class SpoolmanSetting(TenantOwned):
    """A Spoolman setting the tenant has set (``POST /setting/{key}``); a key with no row has
    Spoolman's default. ``value`` is the setting's JSON value (the API answers it as JSON text).
    The extra-field definitions live here too (``extra_fields_spool`` …), as Spoolman keeps them;
    ``currency`` is never stored here: it is the tenant's own ``Tenant.currency``."""

    key = models.CharField(max_length=64)
    value = models.JSONField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["key"]
        constraints = [models.UniqueConstraint(fields=["tenant", "key"], name="spoolmansetting_unique_tenant_key")]

    def __str__(self) -> str:
        return f"{self.key} ({self.tenant_id})"
