"""Django admin for inventory (staff tooling across tenants; every list shows and filters the tenant).

Ledger rows and stock balances are read-only here: stock moves only through the services, so
the admin can neither add, change nor delete them, and spool weights are not editable.
"""
from django.contrib import admin

from inventory.models import InventoryTransaction, ItemType, Location, Manufacturer, Spool, StockBalance, Workstation


class ReadOnlyAdmin(admin.ModelAdmin):
    """Everything visible, nothing writable."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ItemType)
class ItemTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "sku", "kind", "unit", "unit_cost", "material", "manufacturer", "color_hex", "tenant"]
    list_filter = ["tenant", "kind", "material", "is_active"]
    search_fields = ["name", "sku", "manufacturer", "color_name", "catalog_id"]
    readonly_fields = ["catalog_id", "created_at"]
    list_select_related = ["tenant"]


@admin.register(Manufacturer)
class ManufacturerAdmin(admin.ModelAdmin):
    """The name is read-only here: a rename goes through ``manufacturer_update`` (its materials follow)."""

    list_display = ["name", "external_id", "empty_spool_weight_g", "tenant"]
    list_filter = ["tenant"]
    search_fields = ["name", "external_id"]
    readonly_fields = ["name", "created_at"]
    list_select_related = ["tenant"]


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "tenant"]
    list_filter = ["tenant", "kind"]
    search_fields = ["name"]
    list_select_related = ["tenant"]


@admin.register(Workstation)
class WorkstationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "model_name", "location", "is_active", "tenant"]
    list_filter = ["tenant", "kind", "is_active"]
    search_fields = ["name", "model_name"]
    list_select_related = ["tenant", "location"]


@admin.register(Spool)
class SpoolAdmin(admin.ModelAdmin):
    """Spools are received through the app (which writes the receipt row); here only lot and cost change."""

    list_display = ["id", "item_type", "location", "status", "current_weight_g", "initial_weight_g", "tenant"]
    list_filter = ["tenant", "status", "location"]
    search_fields = ["item_type__name", "lot_number"]
    list_select_related = ["tenant", "item_type", "location"]
    readonly_fields = ["tenant", "item_type", "location", "initial_weight_g", "current_weight_g", "tare_weight_g",
                       "status", "received_at", "created_by"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(InventoryTransaction)
class InventoryTransactionAdmin(ReadOnlyAdmin):
    list_display = ["id", "created_at", "transaction_type", "item_type", "location", "spool", "quantity",
                    "reference_label", "reverses", "tenant"]
    list_filter = ["tenant", "transaction_type", "location"]
    search_fields = ["reference_label", "reference_id", "note", "item_type__name"]
    list_select_related = ["tenant", "item_type", "location", "spool__item_type", "reverses"]
    date_hierarchy = "created_at"


@admin.register(StockBalance)
class StockBalanceAdmin(ReadOnlyAdmin):
    list_display = ["item_type", "location", "quantity", "updated_at", "tenant"]
    list_filter = ["tenant", "location", "item_type__kind"]
    search_fields = ["item_type__name"]
    list_select_related = ["tenant", "item_type", "location"]
