"""Stockpiles pages (names in the ``stockpiles`` namespace): ``/stockpiles/``, ``/automation/``.

Marker and deficit pages are named ``stockpile-…`` and the run log ``automation…`` so the sidebar
marks the right section.
"""
from django.urls import path

from stockpiles import views

app_name = "stockpiles"

urlpatterns = [
    path("stockpiles/", views.stockpile_list, name="stockpile-list"),
    path("stockpiles/new/", views.stockpile_create, name="stockpile-create"),
    path("stockpiles/plan-choices/", views.stockpile_plan_choices, name="stockpile-plan-choices"),
    path("stockpiles/deficits/", views.deficits, name="stockpile-deficits"),
    path("stockpiles/deficits/buy.csv", views.deficits_buy_csv, name="stockpile-deficits-csv"),
    path("stockpiles/<int:pk>/edit/", views.stockpile_edit, name="stockpile-edit"),
    path("stockpiles/<int:pk>/delete/", views.stockpile_delete, name="stockpile-delete"),
    path("automation/", views.automation, name="automation"),
    path("automation/run/", views.automation_run_now, name="automation-run"),
    path("automation/<int:pk>/", views.automation_detail, name="automation-detail"),
]
