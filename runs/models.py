"""Production runs: what was really printed, on which printer, with which spools (DESIGN §4).

Weights are grams (Decimal, 2 places), durations seconds, money 2 places. The run keeps its
material totals and total-filament variance up to date (``runs.services`` refreshes them on
every change) so lists filter and sort by variance without aggregating per row.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from inventory.models import GRAMS, MONEY, QUANTITY, ItemType, Location, Spool, Workstation
from prodtrack.tenancy import TenantOwned
from runs.variance import Variance, material_variance, variance_pct

ZERO = Decimal("0")
REFERENCE_RUN = "production_run"
"""``reference_type`` of the ledger rows a production run writes (DESIGN §3)."""


class FilamentTotals:
    """Weight + purge totals of a model with ``estimated_/actual_weight_g`` and ``_purge_g`` (grams)."""

    @property
    def estimated_total_g(self) -> Decimal:
        return self.estimated_weight_g + self.estimated_purge_g

    @property
    def actual_total_g(self) -> Decimal | None:
        """None until there is an actual weight."""
        if self.actual_weight_g is None:
            return None
        return self.actual_weight_g + (self.actual_purge_g or ZERO)


class ProductionRunQuerySet(models.QuerySet):
    def live(self) -> ProductionRunQuerySet:
        """Runs that are not soft-deleted (the one home of that filter)."""
        return self.filter(deleted_at__isnull=True)

    def for_tenant(self, tenant) -> ProductionRunQuerySet:
        """The tenant's runs that are not soft-deleted."""
        return self.live().filter(tenant=tenant)


class RunPartQuerySet(models.QuerySet):
    """Items and materials of runs."""

    def for_tenant(self, tenant) -> RunPartQuerySet:
        """The parts of the tenant's runs that are not soft-deleted (a join, no subquery)."""
        return self.filter(run__tenant=tenant, run__deleted_at__isnull=True)


class ProductionRun(FilamentTotals, TenantOwned):
    """One production run (a print job as executed). Numbered ``{short_code}-YYYYMMDD-NNN``."""

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", "In progress"
        COMPLETED = "completed", "Completed"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    run_number = models.CharField(max_length=40)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.IN_PROGRESS)
    started_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)
    workstation = models.ForeignKey(Workstation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                 help_text="Where the output goes; default: the workstation's location.")
    printer_name = models.CharField(max_length=120, blank=True)
    slicer = models.CharField(max_length=120, blank=True)
    estimated_duration_s = models.PositiveIntegerField(null=True, blank=True)
    gcode_filename = models.CharField(max_length=255, blank=True,
                                      help_text="Name of the G-code file the estimates came from (the file is not kept).")
    gcode_estimate = models.JSONField(null=True, blank=True,
                                      help_text="The slicer's estimate parsed from that file (slicing.GcodeEstimate).")
    bed_temp_c = models.SmallIntegerField(null=True, blank=True)
    nozzle_temp_c = models.SmallIntegerField(null=True, blank=True)
    quality_rating = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)])
    quality_notes = models.TextField(blank=True)
    notes = models.TextField(blank=True)
    completion_notes = models.TextField(blank=True)
    original_run = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="reprints")
    job = models.ForeignKey("plans.JobQueueEntry", on_delete=models.SET_NULL, null=True, blank=True,
                            related_name="production_runs", help_text="The queued job this run executes.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    deleted_at = models.DateTimeField(null=True, blank=True)
    # Totals over the run's materials, kept by runs.services (grams; money of the spools' cost/g).
    estimated_weight_g = models.DecimalField(**GRAMS, default=ZERO)
    estimated_purge_g = models.DecimalField(**GRAMS, default=ZERO)
    actual_weight_g = models.DecimalField(**GRAMS, null=True, blank=True)
    actual_purge_g = models.DecimalField(**GRAMS, null=True, blank=True)
    estimated_cost = models.DecimalField(**MONEY, default=ZERO)
    actual_cost = models.DecimalField(**MONEY, null=True, blank=True)
    variance_pct = models.DecimalField(max_digits=9, decimal_places=1, null=True, blank=True,
                                       help_text="Total filament (weight + purge) variance, %.")

    objects = ProductionRunQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "run_number"], name="run_unique_tenant_number"),
            models.CheckConstraint(condition=Q(quality_rating__isnull=True) | Q(quality_rating__gte=1,
                                                                                  quality_rating__lte=5),
                                   name="run_quality_rating_1_5"),
        ]
        indexes = [
            models.Index(fields=["tenant", "-started_at", "-id"], condition=Q(deleted_at__isnull=True),
                         name="run_tenant_started"),
            models.Index(fields=["tenant", "status", "-started_at"], condition=Q(deleted_at__isnull=True),
                         name="run_tenant_status_started"),
        ]
        # On PostgreSQL, migration 0002 adds the indexes behind "sort by variance" (DESC NULLS
        # LAST, which SQLite cannot index): (tenant[, status], variance_pct DESC NULLS LAST, id DESC).

    def __str__(self) -> str:
        return self.run_number

    @property
    def actual_duration_s(self) -> int | None:
        """Seconds from start to completion (None until the run ends)."""
        if self.completed_at is None:
            return None
        return max(0, int((self.completed_at - self.started_at).total_seconds()))

    @property
    def product_rows(self) -> list[dict[str, Any]]:
        """The run's products with their planned pieces summed, in item order:
        ``[{"name", "quantity"}]``. Reads ``items`` (prefetch them with their products)."""
        products: dict[int, dict[str, Any]] = {}
        for item in self.items.all():
            row = products.setdefault(item.product_id, {"name": item.product.name, "quantity": 0})
            row["quantity"] += item.quantity
        return list(products.values())

    @property
    def elapsed_s(self) -> int:
        """Seconds since the start (to completion once the run ended); 0 for a start in the future."""
        end = self.completed_at or timezone.now()
        return max(0, int((end - self.started_at).total_seconds()))

    @property
    def elapsed_pct(self) -> Decimal | None:
        """Time elapsed as a percent of the estimated print time, capped at 100; None without an
        estimate or before the start."""
        elapsed = self.elapsed_s
        if not self.estimated_duration_s or not elapsed:
            return None
        return min(Decimal(100), Decimal(elapsed * 100) / Decimal(self.estimated_duration_s))

    @property
    def overdue(self) -> bool:
        """True once the run has taken longer than its estimated print time."""
        return bool(self.estimated_duration_s) and self.elapsed_s > self.estimated_duration_s


class ProductionRunItem(models.Model):
    """A product printed in the run: planned ``quantity``, and at completion how many came out
    right (``successful_quantity``) or not (``failed_quantity``)."""

    run = models.ForeignKey(ProductionRun, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey(ItemType, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    successful_quantity = models.PositiveIntegerField(default=0)
    failed_quantity = models.PositiveIntegerField(default=0)
    bed_position = models.CharField(max_length=40, blank=True)
    estimated_cost = models.DecimalField(**MONEY, default=ZERO)
    waste_reason = models.CharField(max_length=300, blank=True)


    objects = RunPartQuerySet.as_manager()
    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(successful_quantity__lte=F("quantity") - F("failed_quantity")),
                                   name="runitem_outcome_within_quantity"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="runitem_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product_id}"

    @property
    def success_rate_pct(self) -> Decimal | None:
        """Successful pieces ÷ planned × 100 (percent, unrounded); None until an outcome is recorded."""
        if not (self.successful_quantity or self.failed_quantity):
            return None
        return Decimal(self.successful_quantity) * 100 / self.quantity

    @property
    def cost_variance_pct(self) -> Decimal | None:
        """Actual vs estimated cost of the item, % (``runs.variance.variance_pct``). Needs the
        ``actual_cost`` annotation of ``runs.selectors.product_production_history``; None without it."""
        return variance_pct(getattr(self, "actual_cost", None), self.estimated_cost)


class ProductionRunMaterial(FilamentTotals, models.Model):
    """A spool used by the run: estimated and actual grams of filament and of purge.

    ``weight_before_g``/``weight_after_g`` record the spool on the scale when the actual was
    measured that way (actual = before − after − purge).
    """

    run = models.ForeignKey(ProductionRun, on_delete=models.CASCADE, related_name="materials")
    spool = models.ForeignKey(Spool, on_delete=models.PROTECT, related_name="run_materials")
    estimated_weight_g = models.DecimalField(**GRAMS, default=ZERO)
    estimated_purge_g = models.DecimalField(**GRAMS, default=ZERO)
    actual_weight_g = models.DecimalField(**GRAMS, null=True, blank=True)
    actual_purge_g = models.DecimalField(**GRAMS, null=True, blank=True)
    weight_before_g = models.DecimalField(**GRAMS, null=True, blank=True)
    weight_after_g = models.DecimalField(**GRAMS, null=True, blank=True)
    reported_g = models.DecimalField(**GRAMS, default=ZERO,
                                     help_text="Grams the run's printer reported using from this spool (printers app).")
    reported_by = models.CharField(max_length=120, blank=True, help_text="The printer that reported them.")


    objects = RunPartQuerySet.as_manager()
    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["run", "spool"], name="runmaterial_unique_spool"),
            models.CheckConstraint(condition=Q(estimated_weight_g__gte=0) & Q(estimated_purge_g__gte=0),
                                   name="runmaterial_estimates_non_negative"),
            models.CheckConstraint(condition=(Q(actual_weight_g__isnull=True) | Q(actual_weight_g__gte=0))
                                   & (Q(actual_purge_g__isnull=True) | Q(actual_purge_g__gte=0)),
                                   name="runmaterial_actuals_non_negative"),
        ]

    def __str__(self) -> str:
        return f"spool {self.spool_id} in run {self.run_id}"

    @property
    def cost(self) -> Decimal:
        """Actual (else estimated) weight + purge in grams × the spool's cost per gram (money)."""
        grams = self.actual_total_g if self.actual_total_g is not None else self.estimated_total_g
        return grams * self.spool.cost_per_gram

    @property
    def variance(self) -> dict[str, Variance]:
        """Weight, purge and total variance in grams (``runs.variance.material_variance``)."""
        return material_variance(self)


class ProductionRunPart(models.Model):
    """A part or component the run consumed (DESIGN §4): ``quantity`` in the item's unit, written
    as a ``usage`` row at the run's location when the run completes (or fails, when given).

    ``estimated_quantity`` is what the recipes take for the pieces attempted (0 for a part the
    recipes do not name); ``unit_cost`` is the item's cost per unit when the run ended, so the
    run's cost stays what it was when later prices change.
    """

    run = models.ForeignKey(ProductionRun, on_delete=models.CASCADE, related_name="parts")
    item_type = models.ForeignKey(ItemType, on_delete=models.PROTECT, related_name="+")
    estimated_quantity = models.DecimalField(**QUANTITY, default=ZERO)
    quantity = models.DecimalField(**QUANTITY)
    unit_cost = models.DecimalField(max_digits=12, decimal_places=4, default=ZERO)

    objects = RunPartQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["run", "item_type"], name="runpart_unique_item"),
            models.CheckConstraint(condition=Q(quantity__gte=0) & Q(estimated_quantity__gte=0),
                                   name="runpart_quantities_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.item_type_id} in run {self.run_id}"

    @property
    def cost(self) -> Decimal:
        """Quantity × unit cost (money, unrounded)."""
        return self.quantity * self.unit_cost

    @property
    def estimated_cost(self) -> Decimal:
        return self.estimated_quantity * self.unit_cost
