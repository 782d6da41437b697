"""Django admin for production runs (staff tooling across tenants).

Runs are created, completed, failed, cancelled and deleted only through ``runs.services``: those
write the ledger and keep spool weights and run totals right. So the admin cannot add or delete
runs, its items and materials are read-only, and status, actuals, totals and everything that
decides where stock went are read-only; only descriptive fields (printer, slicer, temperatures,
notes) can be corrected here.
"""
from django.contrib import admin

from runs.models import ProductionRun, ProductionRunItem, ProductionRunMaterial


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ProductionRunItemInline(ReadOnlyInline):
    model = ProductionRunItem
    fields = ["product", "quantity", "successful_quantity", "failed_quantity", "bed_position", "estimated_cost",
              "waste_reason"]
    readonly_fields = fields


class ProductionRunMaterialInline(ReadOnlyInline):
    model = ProductionRunMaterial
    fields = ["spool", "estimated_weight_g", "estimated_purge_g", "actual_weight_g", "actual_purge_g",
              "weight_before_g", "weight_after_g"]
    readonly_fields = fields


@admin.register(ProductionRun)
class ProductionRunAdmin(admin.ModelAdmin):
    list_display = ["run_number", "status", "started_at", "completed_at", "workstation", "printer_name",
                    "estimated_weight_g", "actual_weight_g", "variance_pct", "deleted_at", "tenant"]
    list_filter = ["tenant", "status", "started_at"]
    search_fields = ["run_number", "printer_name", "notes"]
    list_select_related = ["tenant", "workstation"]
    date_hierarchy = "started_at"
    inlines = [ProductionRunItemInline, ProductionRunMaterialInline]
    readonly_fields = ["tenant", "run_number", "status", "started_at", "completed_at", "workstation", "location",
                       "estimated_duration_s", "quality_rating", "original_run", "created_by", "created_at",
                       "deleted_at", "estimated_weight_g", "estimated_purge_g", "actual_weight_g", "actual_purge_g",
                       "estimated_cost", "actual_cost", "variance_pct"]
    fieldsets = [
        (None, {"fields": ["tenant", "run_number", "status", "started_at", "completed_at", "original_run",
                           "created_by", "created_at", "deleted_at"]}),
        ("Printer", {"fields": ["workstation", "location", "printer_name", "slicer", "estimated_duration_s",
                                "bed_temp_c", "nozzle_temp_c"]}),
        ("Totals", {"fields": ["estimated_weight_g", "estimated_purge_g", "actual_weight_g", "actual_purge_g",
                               "estimated_cost", "actual_cost", "variance_pct"]}),
        ("Notes", {"fields": ["quality_rating", "quality_notes", "notes", "completion_notes"]}),
    ]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
