"""Django admin for plans (staff tooling across tenants; every list shows and filters the tenant).

Recipes hold no stock, so they are editable here; the forms refuse a product or input that
belongs to another tenant than the recipe's. Plans are created and their step trees shaped in
the app (the services enforce the tree rules: a root step, children that make an input of their
parent, no cycles); here a plan's fields and its steps' settings can be changed. Plan runs, jobs
and transport jobs are read-only: they change state through the job queue and production runs.
"""
from django import forms
from django.contrib import admin

from inventory.admin import ReadOnlyAdmin
from plans.models import (
    JobQueueEntry,
    ProductionPlan,
    ProductionPlanRun,
    ProductionPlanStep,
    Recipe,
    RecipeInput,
    TransportJob,
)
from plans.selectors import with_job_summary


class RecipeInputFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        tenant_id = self.instance.tenant_id
        for form in self.forms:
            data = getattr(form, "cleaned_data", {})
            item_type = data.get("item_type")
            if item_type and tenant_id and item_type.tenant_id != tenant_id and not data.get("DELETE"):
                raise forms.ValidationError(f"{item_type.name} belongs to another tenant than the recipe.")


class RecipeInputInline(admin.TabularInline):
    model = RecipeInput
    formset = RecipeInputFormSet
    extra = 1
    autocomplete_fields = ["item_type"]


class RecipeForm(forms.ModelForm):
    class Meta:
        model = Recipe
        fields = ["tenant", "name", "product", "output_quantity", "duration_s", "activity", "is_active", "notes"]

    def clean(self):
        cleaned = super().clean()
        tenant, product = cleaned.get("tenant"), cleaned.get("product")
        if tenant and product and product.tenant_id != tenant.pk:
            self.add_error("product", "belongs to another tenant.")
        return cleaned


@admin.register(Recipe)
class RecipeAdmin(admin.ModelAdmin):
    form = RecipeForm
    list_display = ["name", "product", "output_quantity", "duration_s", "activity", "is_active", "tenant"]
    list_filter = ["tenant", "is_active", "activity"]
    search_fields = ["name", "product__name"]
    list_select_related = ["tenant", "product"]
    autocomplete_fields = ["product"]
    readonly_fields = ["created_at"]
    inlines = [RecipeInputInline]


# --- production plans --------------------------------------------------------------------------------

class PlanStepFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        tenant_id = self.instance.tenant_id
        for form in self.forms:
            data = getattr(form, "cleaned_data", {})
            step = form.instance
            recipe, location = data.get("recipe"), data.get("location")
            if recipe and (recipe.tenant_id != tenant_id or recipe.product_id != step.product_id):
                raise forms.ValidationError(f"Recipe {recipe.name} does not make {step.product} in this tenant.")
            if location and location.tenant_id != tenant_id:
                raise forms.ValidationError(f"{location.name} belongs to another tenant than the plan.")


class PlanStepInline(admin.TabularInline):
    """The plan's steps: settings editable; structure (product, parent) only through the app."""

    model = ProductionPlanStep
    formset = PlanStepFormSet
    fk_name = "plan"
    extra = 0
    can_delete = False
    fields = ["id", "parent", "product", "recipe", "material_efficiency", "time_efficiency", "tax_per_run",
              "location", "workstation_kind"]
    readonly_fields = ["id", "parent", "product"]
    autocomplete_fields = ["recipe", "location"]

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("product", "parent__product", "recipe", "location")


@admin.register(ProductionPlan)
class ProductionPlanAdmin(admin.ModelAdmin):
    list_display = ["name", "product", "transport_enabled", "created_at", "tenant"]
    list_filter = ["tenant", "transport_enabled"]
    search_fields = ["name", "product__name", "notes"]
    list_select_related = ["tenant", "product"]
    fields = ["tenant", "name", "product", "notes", "transport_enabled", "transport_cost_per_item", "created_at"]
    readonly_fields = ["tenant", "product", "created_at"]
    inlines = [PlanStepInline]

    def has_add_permission(self, request):
        return False   # created in the app, which also makes the root step


# --- plan runs, jobs and transport jobs (read-only) --------------------------------------------------

JOB_FIELDS = ["id", "product", "recipe", "activity", "runs", "quantity", "status", "workstation", "location",
              "depth", "sort_order", "estimated_cost", "estimated_duration_s", "transport_job"]


class PlanRunJobInline(admin.TabularInline):
    model = JobQueueEntry
    fk_name = "plan_run"
    extra = 0
    fields = JOB_FIELDS
    readonly_fields = JOB_FIELDS
    ordering = ["-sort_order", "id"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("product", "recipe", "workstation", "location",
                                                            "transport_job")


@admin.register(ProductionPlanRun)
class ProductionPlanRunAdmin(ReadOnlyAdmin):
    list_display = ["id", "plan", "quantity", "parallelism", "source", "run_status", "created_by", "created_at",
                    "tenant"]
    list_filter = ["tenant", "source"]
    search_fields = ["plan__name"]
    list_select_related = ["tenant", "plan", "created_by"]
    date_hierarchy = "created_at"
    inlines = [PlanRunJobInline]

    def get_queryset(self, request):
        return with_job_summary(super().get_queryset(request))

    @admin.display(description="status")
    def run_status(self, run: ProductionPlanRun) -> str:
        return f"{run.status} ({run.job_completed}/{run.job_total} done)"


@admin.register(JobQueueEntry)
class JobQueueEntryAdmin(ReadOnlyAdmin):
    list_display = ["id", "product", "recipe", "runs", "quantity", "status", "workstation", "location", "plan_run",
                    "sort_order", "tenant"]
    list_filter = ["status", "tenant", "activity"]
    search_fields = ["product__name", "recipe__name"]
    list_select_related = ["tenant", "product", "recipe", "workstation", "location", "plan_run"]


@admin.register(TransportJob)
class TransportJobAdmin(ReadOnlyAdmin):
    list_display = ["id", "origin", "destination", "status", "estimated_cost", "plan_run", "sort_order", "tenant"]
    list_filter = ["status", "tenant"]
    list_select_related = ["tenant", "origin", "destination", "plan_run"]
