"""Inventory pages under ``/inventory/`` (names in the ``inventory`` namespace)."""
from django.urls import path

from inventory import views

app_name = "inventory"

urlpatterns = [
    path("items/", views.item_list, name="item-list"),
    path("items/new/", views.item_create, name="item-create"),
    path("items/<int:pk>/", views.item_detail, name="item-detail"),
    path("items/<int:pk>/edit/", views.item_edit, name="item-edit"),
    path("items/<int:pk>/adjust/", views.stock_adjust, name="stock-adjust"),
    path("items/<int:pk>/transfer/", views.stock_transfer, name="stock-transfer"),
    path("items/<int:pk>/ship/", views.stock_ship, name="stock-ship"),
    path("spools/", views.spool_list, name="spool-list"),
    path("spools/receive/", views.spool_receive, name="spool-receive"),
    path("spools/receive/materials/", views.material_search, name="spool-material-search"),
    path("spools/labels/", views.spool_labels, name="spool-labels"),
    path("spools/<int:pk>/label/", views.spool_label, name="spool-label"),
    path("spools/<int:pk>/", views.spool_detail, name="spool-detail"),
    path("spools/<int:pk>/weigh/", views.spool_weigh, name="spool-weigh"),
    path("spools/<int:pk>/empty/", views.spool_mark_empty, name="spool-mark-empty"),
    path("spools/<int:pk>/archive/", views.spool_archive, name="spool-archive"),
    path("ledger/", views.ledger, name="ledger"),
    path("ledger/<int:pk>/reverse/", views.ledger_reverse, name="ledger-reverse"),
    path("stock/", views.stock, name="stock"),
    path("locations/", views.location_list, name="location-list"),
    path("locations/new/", views.location_create, name="location-create"),
    path("locations/<int:pk>/edit/", views.location_edit, name="location-edit"),
    path("workstations/", views.workstation_list, name="workstation-list"),
    path("workstations/new/", views.workstation_create, name="workstation-create"),
    path("workstations/<int:pk>/edit/", views.workstation_edit, name="workstation-edit"),
]
