"""Inventory: item types, locations, workstations, spools, the append-only ledger and balances.

Quantities are Decimals in the item type's unit (grams for materials, pieces otherwise).
``Spool.current_weight_g`` and ``StockBalance.quantity`` are changed only by
``inventory.services`` in the same transaction as the ledger rows that explain them.
"""
from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from prodtrack.tenancy import TenantOwned

GRAMS = {"max_digits": 12, "decimal_places": 2}
QUANTITY = {"max_digits": 14, "decimal_places": 3}
MONEY = {"max_digits": 12, "decimal_places": 2}
NON_NEGATIVE = [MinValueValidator(Decimal("0"))]


class ItemType(TenantOwned):
    """Anything the shop stocks: a product it makes, a material (filament) or a component."""

    class Kind(models.TextChoices):
        PRODUCT = "product", "Product"
        MATERIAL = "material", "Material"
        COMPONENT = "component", "Component"

    class Unit(models.TextChoices):
        PIECES = "pcs", "pieces"
        GRAMS = "g", "grams"

    name = models.CharField(max_length=200)
    sku = models.CharField("SKU", max_length=120)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    unit = models.CharField(max_length=8, choices=Unit.choices)
    unit_cost = models.DecimalField(max_digits=12, decimal_places=4, default=Decimal("0"), validators=NON_NEGATIVE,
                                    help_text="Cost per unit (per gram for materials).")
    is_active = models.BooleanField(default=True)
    # Materials (filament) only.
    material = models.CharField(max_length=40, blank=True, help_text="PLA, PETG, ABS …")
    manufacturer = models.CharField(max_length=100, blank=True)
    color_name = models.CharField(max_length=100, blank=True)
    color_hex = models.CharField(max_length=9, blank=True, validators=[
        RegexValidator(r"^(#[0-9A-Fa-f]{6}([0-9A-Fa-f]{2})?)?$", "A colour like #1A2B3C.")])
    density_g_cm3 = models.DecimalField(max_digits=6, decimal_places=3, null=True, blank=True)
    diameter_mm = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    net_weight_g = models.DecimalField(**GRAMS, null=True, blank=True, help_text="Filament on a full spool.")
    spool_weight_g = models.DecimalField(**GRAMS, null=True, blank=True, help_text="Empty spool (tare).")
    catalog_id = models.CharField(max_length=200, blank=True,
                                  help_text="Stable id of the filament catalog entry it was imported from.")
    extra = models.JSONField(default=dict, blank=True, help_text="Extra fields: key → JSON text.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "sku"], name="itemtype_unique_tenant_sku"),
            models.UniqueConstraint(fields=["tenant", "catalog_id"], condition=~Q(catalog_id=""),
                                    name="itemtype_unique_tenant_catalog_id"),
            models.CheckConstraint(condition=Q(unit_cost__gte=0), name="itemtype_unit_cost_non_negative"),
        ]
        indexes = [models.Index(fields=["tenant", "kind", "name"])]

    def __str__(self) -> str:
        return self.name


class Manufacturer(TenantOwned):
    """A filament maker (Spoolman's vendor). A material names its maker in ``ItemType.manufacturer``
    (the catalog's text, shown on every page); ``inventory.services`` keep one row here per name in
    use, and a rename or delete here changes the materials' text in the same transaction."""

    name = models.CharField(max_length=100)
    comment = models.TextField(blank=True)
    empty_spool_weight_g = models.DecimalField(**GRAMS, null=True, blank=True, validators=NON_NEGATIVE,
                                               help_text="Weight of one of its empty spools.")
    external_id = models.CharField(max_length=256, blank=True, help_text="Its id in the filament catalog.")
    extra = models.JSONField(default=dict, blank=True, help_text="Extra fields: key → JSON text.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["tenant", "name"], name="manufacturer_unique_tenant_name")]

    def __str__(self) -> str:
        return self.name


class Location(TenantOwned):
    """A place stock sits: a warehouse, a print room, a shop."""

    class Kind(models.TextChoices):
        WAREHOUSE = "warehouse", "Warehouse"
        PRODUCTION = "production", "Production"
        SHOP = "shop", "Shop"

    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.WAREHOUSE)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["tenant", "name"], name="location_unique_tenant_name")]

    def __str__(self) -> str:
        return self.name


class Workstation(TenantOwned):
    """A machine or bench that runs jobs; a 3D printer is a workstation of kind ``printer``.

    ``activities`` lists what it can do (e.g. ``["printing"]``), matched against recipes.
    """

    class Kind(models.TextChoices):
        PRINTER = "printer", "3D printer"
        ASSEMBLY = "assembly", "Assembly bench"
        POST_PROCESSING = "post_processing", "Post-processing"

    name = models.CharField(max_length=120)
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="workstations")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.PRINTER)
    activities = models.JSONField(default=list, blank=True)
    model_name = models.CharField(max_length=120, blank=True, help_text="e.g. Prusa MK4")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["tenant", "name"], name="workstation_unique_tenant_name")]

    def __str__(self) -> str:
        return self.name


class Spool(TenantOwned):
    """One physical spool (a lot) of a material. Weights are net filament in grams."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        EMPTY = "empty", "Empty"
        ARCHIVED = "archived", "Archived"

    item_type = models.ForeignKey(ItemType, on_delete=models.PROTECT, related_name="spools")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="spools")
    initial_weight_g = models.DecimalField(**GRAMS, validators=NON_NEGATIVE)
    current_weight_g = models.DecimalField(**GRAMS, default=Decimal("0"))
    tare_weight_g = models.DecimalField(**GRAMS, default=Decimal("0"), validators=NON_NEGATIVE)
    cost = models.DecimalField(**MONEY, default=Decimal("0"), validators=NON_NEGATIVE,
                               help_text="Price paid for the spool.")
    lot_number = models.CharField(max_length=80, blank=True)
    comment = models.TextField(blank=True)
    extra = models.JSONField(default=dict, blank=True, help_text="Extra fields: key → JSON text.")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    received_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", help_text="None: received through a printer's API.")
    first_used_at = models.DateTimeField(null=True, blank=True, help_text="First usage row or machine report.")
    last_used_at = models.DateTimeField(null=True, blank=True, help_text="Last usage row or machine report.")
    reported_unposted_g = models.DecimalField(
        **GRAMS, default=Decimal("0"),
        help_text="Grams machines reported used that no ledger row holds yet (open usage sessions): "
                  "current weight = ledger sum − this.")

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(current_weight_g__gte=0), name="spool_current_weight_non_negative"),
            models.CheckConstraint(condition=Q(initial_weight_g__gt=0), name="spool_initial_weight_positive"),
        ]
        indexes = [models.Index(fields=["tenant", "status", "item_type"])]

    def __str__(self) -> str:
        return f"Spool #{self.pk} {self.item_type.name}"

    @property
    def remaining_percent(self) -> Decimal:
        """Current weight as a percentage of the initial weight (0–100, one decimal)."""
        if not self.initial_weight_g:
            return Decimal("0")
        return min(Decimal("100"), (self.current_weight_g * 100 / self.initial_weight_g).quantize(Decimal("0.1")))

    @property
    def cost_per_gram(self) -> Decimal:
        """Spool cost ÷ initial net weight (money per gram)."""
        return (self.cost / self.initial_weight_g) if self.initial_weight_g else Decimal("0")


class InventoryTransaction(TenantOwned):
    """One append-only ledger row. Never updated or deleted; undone by a ``reversal`` row.

    ``quantity`` is signed, in the item type's unit. The source document is named by
    ``reference_type`` + ``reference_id`` + ``reference_label`` (like an ERP voucher), so the
    inventory app never imports the apps that post to it.
    """

    class Type(models.TextChoices):
        RECEIPT = "receipt", "Receipt"
        USAGE = "usage", "Usage"
        PRODUCTION = "production", "Production"
        ADJUSTMENT = "adjustment", "Adjustment"
        TRANSFER = "transfer", "Transfer"
        SHIPMENT = "shipment", "Shipment"
        REVERSAL = "reversal", "Reversal"

    item_type = models.ForeignKey(ItemType, on_delete=models.PROTECT, related_name="+")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    spool = models.ForeignKey(Spool, on_delete=models.PROTECT, null=True, blank=True, related_name="transactions")
    quantity = models.DecimalField(**QUANTITY)
    transaction_type = models.CharField(max_length=16, choices=Type.choices)
    reference_type = models.CharField(max_length=40, blank=True)
    reference_id = models.CharField(max_length=40, blank=True)
    reference_label = models.CharField(max_length=200, blank=True)
    reverses = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", help_text="None: posted for a printer (see the reference).")
    created_at = models.DateTimeField(default=timezone.now)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(transaction_type="reversal", reverses__isnull=False)
                | (~Q(transaction_type="reversal") & Q(reverses__isnull=True)),
                name="ledger_reversal_points_at_row"),
        ]
        indexes = [
            models.Index(fields=["tenant", "-created_at", "-id"]),
            models.Index(fields=["tenant", "item_type", "location"]),
            models.Index(fields=["tenant", "reference_type", "reference_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_transaction_type_display()} {self.quantity} {self.item_type_id}@{self.location_id}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None and not self._state.adding:
            raise RuntimeError("Inventory transactions are append-only; post a reversal instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("Inventory transactions are append-only; post a reversal instead.")


class StockBalance(TenantOwned):
    """Stock on hand of one item type at one location: the running sum of its ledger rows.

    Updated in the same transaction as every ledger row (an atomic ``UPDATE … SET quantity =
    quantity + delta`` that row-locks it), so reading many balances is one indexed query instead
    of a SUM over the ledger.
    """

    item_type = models.ForeignKey(ItemType, on_delete=models.PROTECT, related_name="balances")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="balances")
    quantity = models.DecimalField(**QUANTITY, default=Decimal("0"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["item_type__name", "location__name"]
        constraints = [models.UniqueConstraint(fields=["item_type", "location"], name="stockbalance_unique_item_location")]


class CatalogImport(TenantOwned):
    """One import of the filament catalog into a tenant, started from the pages and run by Celery.

    ``done`` of ``total`` catalog entries are through (a progress bar); the counts of the result
    are filled when it finishes; ``message`` says why it failed.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Importing"
        DONE = "done", "Imported"
        FAILED = "failed", "Failed"

    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    message = models.CharField(max_length=500, blank=True)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Catalog import #{self.pk}: {self.status}"

    @property
    def is_active(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def percent(self) -> Decimal:
        """How far the import is, 0–100."""
        if self.status == self.Status.DONE:
            return Decimal("100")
        return Decimal(self.done * 100) / self.total if self.total else Decimal("0")
