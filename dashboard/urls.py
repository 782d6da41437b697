"""The home page and the onboarding checklist's catalog import."""
from django.urls import path

from dashboard import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("onboarding/catalog-import/", views.catalog_import, name="catalog-import"),
    path("onboarding/catalog-import/<int:pk>/", views.catalog_import_progress, name="catalog-import-progress"),
]
