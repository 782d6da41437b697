"""Plans: recipes, production plans and their step trees, plan runs, the job queue and
transport jobs (DESIGN §5)."""
from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from inventory.models import MONEY, QUANTITY, ItemType, Location, Workstation
from prodtrack.tenancy import TenantOwned


class Recipe(TenantOwned):
    """How one run (for a printer: one plate) makes ``output_quantity`` pieces of ``product``.

    ``duration_s`` is the time of one run in seconds; the inputs give grams of each filament (or
    pieces of each component) per run. A product's recipe is the first active one by id.
    """

    name = models.CharField(max_length=200)
    product = models.ForeignKey(ItemType, on_delete=models.PROTECT, related_name="recipes")
    output_quantity = models.PositiveIntegerField(default=1, validators=[MinValueValidator(1)])
    duration_s = models.PositiveIntegerField(default=0, help_text="Seconds per run.")
    activity = models.CharField(max_length=40, default="printing")
    is_active = models.BooleanField(default=True)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="recipe_unique_tenant_name"),
            models.CheckConstraint(condition=Q(output_quantity__gte=1), name="recipe_output_quantity_positive"),
        ]
        indexes = [models.Index(fields=["tenant", "product", "is_active"])]

    def __str__(self) -> str:
        return self.name


class RecipeInput(models.Model):
    """One input of a recipe: ``quantity`` per run, in the input item's unit (grams of filament)."""

    recipe = models.ForeignKey(Recipe, on_delete=models.CASCADE, related_name="inputs")
    item_type = models.ForeignKey(ItemType, on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(**QUANTITY, validators=[MinValueValidator(Decimal("0.001"))])

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["recipe", "item_type"], name="recipeinput_unique_item"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="recipeinput_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.item_type_id}"


PERCENT = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]


class ProductionPlan(TenantOwned):
    """How to make ``product`` from its inputs: a tree of steps (the root makes the product).

    With ``transport_enabled``, generation adds a transport job for every route a child step's
    output takes to its parent's location, at ``transport_cost_per_item`` per piece.
    """

    name = models.CharField(max_length=200)
    product = models.ForeignKey(ItemType, on_delete=models.PROTECT, related_name="plans")
    notes = models.TextField(blank=True)
    transport_enabled = models.BooleanField(default=False)
    transport_cost_per_item = models.DecimalField(**MONEY, default=Decimal("0"), validators=[MinValueValidator(0)])
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["tenant", "name"], name="plan_unique_tenant_name")]

    def __str__(self) -> str:
        return self.name


class ProductionPlanStep(models.Model):
    """One node of a plan: make ``product`` with ``recipe`` (None: cannot be generated).

    The root step (no parent) makes the plan's product; a child step makes one input of its
    parent's recipe ("make" instead of "buy"). Efficiencies are percent (0–100): material
    efficiency lowers the inputs needed, time efficiency the duration.
    """

    plan = models.ForeignKey(ProductionPlan, on_delete=models.CASCADE, related_name="steps")
    parent = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True, related_name="children")
    product = models.ForeignKey(ItemType, on_delete=models.PROTECT, related_name="+")
    recipe = models.ForeignKey(Recipe, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    material_efficiency = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("0"),
                                              validators=PERCENT)
    time_efficiency = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("0"), validators=PERCENT)
    tax_per_run = models.DecimalField(**MONEY, default=Decimal("0"), validators=[MinValueValidator(0)])
    location = models.ForeignKey(Location, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    workstation_kind = models.CharField(max_length=20, blank=True, help_text="Kind of workstation that runs it.")

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["plan"], condition=Q(parent__isnull=True), name="plan_one_root_step"),
            models.UniqueConstraint(fields=["parent", "product"], name="planstep_unique_child_product"),
            models.CheckConstraint(condition=Q(material_efficiency__gte=0, material_efficiency__lte=100)
                                   & Q(time_efficiency__gte=0, time_efficiency__lte=100),
                                   name="planstep_efficiency_percent"),
        ]

    def __str__(self) -> str:
        return f"step {self.pk} of plan {self.plan_id}"


class ProductionPlanRun(TenantOwned):
    """One execution of a plan: the jobs generated for ``quantity`` pieces.

    Its status is derived from its jobs at query time (``plans.selectors``), never stored.
    """

    class Source(models.TextChoices):
        MANUAL = "manual", "Manual"
        AUTO = "auto", "Auto-production"

    plan = models.ForeignKey(ProductionPlan, on_delete=models.CASCADE, related_name="runs")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    parallelism = models.PositiveIntegerField(default=0, help_text="Workstations per job; 0 = all available.")
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.MANUAL)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["tenant", "-created_at", "-id"]),
                   models.Index(fields=["plan", "-created_at", "-id"])]

    def __str__(self) -> str:
        return f"plan run {self.pk} of {self.plan_id}"


class TransportJob(TenantOwned):
    """Moving a child step's output to its parent's location: one per route of a plan run.

    ``items`` is a list of ``{"item_type_id", "name", "quantity"}``.
    """

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        IN_TRANSIT = "in_transit", "In transit"
        DELIVERED = "delivered", "Delivered"
        CANCELLED = "cancelled", "Cancelled"

    plan_run = models.ForeignKey(ProductionPlanRun, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="transport_jobs")
    origin = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    destination = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    items = models.JSONField(default=list)
    estimated_cost = models.DecimalField(**MONEY, default=Decimal("0"))
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PLANNED)
    sort_order = models.IntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-sort_order", "id"]


class JobQueueEntry(TenantOwned):
    """A job: ``runs`` runs of ``recipe`` (pieces = runs × output), for a workstation or unassigned.

    ``plan_step_id`` is a soft reference (steps may be rebuilt between runs). ``sort_order`` is
    depth × 2 (transport jobs take the odd values between); the queue lists deepest first.
    """

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        ACTIVE = "active", "Active"
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"

    plan_run = models.ForeignKey(ProductionPlanRun, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="jobs")
    plan_step_id = models.BigIntegerField(null=True, blank=True)
    recipe = models.ForeignKey(Recipe, on_delete=models.PROTECT, related_name="jobs")
    product = models.ForeignKey(ItemType, on_delete=models.PROTECT, related_name="+")
    activity = models.CharField(max_length=40)
    runs = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    quantity = models.PositiveIntegerField(help_text="Pieces: runs × the recipe's output per run.")
    material_efficiency = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("0"))
    time_efficiency = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("0"))
    tax_per_run = models.DecimalField(**MONEY, default=Decimal("0"))
    estimated_cost = models.DecimalField(**MONEY, default=Decimal("0"))
    estimated_duration_s = models.PositiveIntegerField(default=0)
    location = models.ForeignKey(Location, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    workstation = models.ForeignKey(Workstation, on_delete=models.SET_NULL, null=True, blank=True, related_name="jobs")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PLANNED)
    depth = models.PositiveSmallIntegerField(default=0)
    sort_order = models.IntegerField(default=0)
    transport_job = models.ForeignKey(TransportJob, on_delete=models.SET_NULL, null=True, blank=True,
                                      related_name="jobs")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-sort_order", "id"]
        verbose_name = "job queue entry"
        verbose_name_plural = "job queue entries"
        constraints = [models.CheckConstraint(condition=Q(runs__gte=1), name="job_runs_positive")]
        indexes = [models.Index(fields=["plan_run", "status"]),
                   models.Index(fields=["tenant", "status", "-sort_order"]),
                   # the open runs queued per workstation, read by every generation
                   models.Index(fields=["tenant", "workstation"], include=["runs"], name="job_open_load",
                                condition=Q(status__in=["planned", "active"]))]

    def __str__(self) -> str:
        return f"job {self.pk}: {self.runs} × {self.recipe_id}"
