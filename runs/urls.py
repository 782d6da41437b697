"""Production pages of the runs app (names in the ``runs`` namespace)."""
from django.urls import path

from runs.views import browse, wizard

app_name = "runs"

urlpatterns = [
    path("runs/", browse.run_list, name="run-list"),
    path("runs/new/", wizard.run_create, name="run-create"),
    path("runs/new/<slug:step>/", wizard.run_create, name="run-create-step"),
    path("runs/variance/", browse.variance_dashboard, name="run-variance"),
    path("runs/<int:pk>/", browse.run_detail, name="run-detail"),
]
