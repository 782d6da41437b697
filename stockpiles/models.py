"""Stockpiles: stock targets (markers) and the auto-production run log (DESIGN §6).

A ``StockpileMarker`` says "keep ``desired_quantity`` of this item at this location"; with a
plan and auto-production on, the runner (``stockpiles.services.auto_production_tick``) turns the
deficit into plan runs. Each tick of the runner, per tenant, is one append-only
``AutoProductionRun``.
"""
from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from inventory.models import QUANTITY, ItemType, Location
from plans.models import ProductionPlan
from prodtrack.tenancy import TenantOwned


class StockpileMarker(TenantOwned):
    """Keep ``desired_quantity`` of ``item_type`` at ``location`` (in the item's unit).

    ``owner`` is the member who keeps the target (one marker per owner, item and location): the
    runner groups markers by (owner, plan) and the plan runs it generates are created by the
    owner. With ``plan`` set and ``auto_production_enabled`` the deficit is made ("to produce");
    otherwise it is bought ("to buy"). Deleting the plan sets ``plan`` to NULL: auto-production
    for the marker stops silently, its deficit goes back to the buy list.
    ``auto_production_parallelism`` caps the workstations a generated job is split over
    (0 = all able ones).
    """

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    item_type = models.ForeignKey(ItemType, on_delete=models.PROTECT, related_name="stockpile_markers")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="stockpile_markers")
    desired_quantity = models.DecimalField(**QUANTITY, validators=[MinValueValidator(Decimal("0"))])
    plan = models.ForeignKey(ProductionPlan, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="stockpile_markers")
    auto_production_parallelism = models.PositiveIntegerField(
        default=0, help_text="Workstations a generated job is split over; 0 = all able ones.")
    auto_production_enabled = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["item_type__name", "location__name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "owner", "item_type", "location"],
                                    name="stockpile_unique_owner_item_location"),
            models.CheckConstraint(condition=Q(desired_quantity__gte=0), name="stockpile_desired_non_negative"),
            models.CheckConstraint(condition=Q(auto_production_parallelism__gte=0),
                                   name="stockpile_parallelism_non_negative"),
        ]
        indexes = [
            # what the runner reads every tick: the tenant's markers with auto-production on
            models.Index(fields=["tenant", "owner", "plan"], name="stockpile_auto_production",
                         condition=Q(auto_production_enabled=True, plan__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"keep {self.desired_quantity} of {self.item_type_id} at {self.location_id}"

    @property
    def auto_production_on(self) -> bool:
        """Enabled and linked to a plan: the runner produces its deficit."""
        return self.auto_production_enabled and self.plan_id is not None


class AutoProductionRun(TenantOwned):
    """One tick of the auto-production runner for one tenant: an append-only run record.

    Created ``queued`` with its ``idempotency_key`` (unique per tenant), then moved only forward:
    ``queued → running → succeeded | failed``, or ``queued → skipped`` (another tick of the tenant
    still held the lock) — see ``TRANSITIONS``. Once created, only ``status``, ``started_at`` (set
    once), ``finished_at`` (set once), ``metrics``, ``output``, ``error_code`` and
    ``error_message`` change, and a finished row never changes again. ``save()`` refuses updates
    and ``delete()`` refuses; on PostgreSQL a trigger enforces the same rules on every UPDATE and
    DELETE (migration 0002).

    ``metrics``: ``{"duration_ms", "steps": [{"name", "status", "duration_ms", "counts"}]}``.
    ``output``: ``{"plan_runs": [...], "skipped": [...], "failed": [...], "groups_without_deficit"}``
    (see ``stockpiles.services``).
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped"

    class Trigger(models.TextChoices):
        BEAT = "beat", "Celery beat"
        MANUAL = "manual", "Run now"
        COMMAND = "command", "manage.py run_auto_production"

    #: status → the statuses it may move to (the PostgreSQL trigger has the same table).
    TRANSITIONS = {
        Status.QUEUED: {Status.RUNNING, Status.SKIPPED, Status.FAILED},
        Status.RUNNING: {Status.SUCCEEDED, Status.FAILED},
    }
    #: the only fields an update may write.
    MUTABLE_FIELDS = frozenset({"status", "started_at", "finished_at", "metrics", "output", "error_code",
                                "error_message"})

    idempotency_key = models.CharField(max_length=200)
    triggered_by = models.CharField(max_length=8, choices=Trigger.choices)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+")
    window_start = models.DateTimeField(null=True, blank=True,
                                        help_text="Start of the beat interval window the tick belongs to.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error_code = models.CharField(max_length=60, blank=True)
    error_message = models.TextField(blank=True)
    metrics = models.JSONField(default=dict, blank=True)
    output = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "auto-production run"
        constraints = [
            models.UniqueConstraint(fields=["tenant", "idempotency_key"], name="autoproductionrun_unique_key"),
        ]
        indexes = [models.Index(fields=["tenant", "-created_at", "-id"])]

    def __str__(self) -> str:
        return f"auto-production run {self.pk} ({self.status})"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None and not self._state.adding:
            raise RuntimeError("Auto-production runs are append-only; they change status through "
                               "stockpiles.services only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("Auto-production runs are append-only; they are never deleted.")
