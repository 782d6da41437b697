"""Production pages of the runs app (names in the ``runs`` namespace)."""
from django.urls import path

from runs.views import browse, complete, edit, fail, wizard

app_name = "runs"

urlpatterns = [
    path("runs/", browse.run_list, name="run-list"),
    path("runs/new/", wizard.run_create, name="run-create"),
    path("runs/new/<slug:step>/", wizard.run_create, name="run-create-step"),
    path("runs/variance/", browse.variance_dashboard, name="run-variance"),
    path("runs/<int:pk>/", browse.run_detail, name="run-detail"),
    path("runs/<int:pk>/complete/", complete.run_complete, name="run-complete"),
    path("runs/<int:pk>/complete/preview/", complete.run_complete_preview, name="run-complete-preview"),
    path("runs/<int:pk>/edit/", edit.run_edit, name="run-edit"),
    path("runs/<int:pk>/edit/items/", edit.run_item_add, name="run-item-add"),
    path("runs/<int:pk>/edit/items/<int:item_pk>/", edit.run_item_update, name="run-item-update"),
    path("runs/<int:pk>/edit/items/<int:item_pk>/remove/", edit.run_item_remove, name="run-item-remove"),
    path("runs/<int:pk>/edit/materials/", edit.run_material_add, name="run-material-add"),
    path("runs/<int:pk>/edit/materials/<int:material_pk>/", edit.run_material_update, name="run-material-update"),
    path("runs/<int:pk>/edit/materials/<int:material_pk>/remove/", edit.run_material_remove,
         name="run-material-remove"),
    path("runs/<int:pk>/fail/", fail.run_fail, name="run-fail"),
    path("runs/<int:pk>/cancel/", edit.run_cancel, name="run-cancel"),
    path("runs/<int:pk>/delete/", edit.run_delete, name="run-delete"),
    path("runs/<int:pk>/reprint/", edit.run_reprint, name="run-reprint"),
]
