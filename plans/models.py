"""Plans: recipes (a product's bill of materials and routing). Plans, plan runs and the job
queue come with the plans issue (DESIGN §5)."""
from __future__ import annotations

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from inventory.models import QUANTITY, ItemType
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
