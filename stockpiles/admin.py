"""Django admin for stockpiles (staff tooling across tenants). Markers are edited in the app (the
services check the plan against the item); here they are visible and deletable. The run log is
read-only: it is append-only."""
from django.contrib import admin

from inventory.admin import ReadOnlyAdmin
from stockpiles.models import AutoProductionRun, StockpileMarker


@admin.register(StockpileMarker)
class StockpileMarkerAdmin(ReadOnlyAdmin):
    list_display = ["item_type", "location", "desired_quantity", "owner", "plan", "auto_production_enabled",
                    "auto_production_parallelism", "tenant"]
    list_filter = ["tenant", "auto_production_enabled", "location"]
    search_fields = ["item_type__name", "item_type__sku", "owner__username", "plan__name"]
    list_select_related = ["tenant", "item_type", "location", "owner", "plan"]

    def has_delete_permission(self, request, obj=None):
        return True


@admin.register(AutoProductionRun)
class AutoProductionRunAdmin(ReadOnlyAdmin):
    list_display = ["id", "created_at", "status", "triggered_by", "window_start", "started_at", "finished_at",
                    "error_code", "tenant"]
    list_filter = ["tenant", "status", "triggered_by"]
    search_fields = ["idempotency_key", "error_code", "error_message"]
    list_select_related = ["tenant"]
    date_hierarchy = "created_at"
