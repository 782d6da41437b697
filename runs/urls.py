"""Production pages of the runs app (names in the ``runs`` namespace)."""
from django.urls import path

from runs.views import browse

app_name = "runs"

urlpatterns = [
    path("runs/", browse.run_list, name="run-list"),
    path("runs/variance/", browse.variance_dashboard, name="run-variance"),
    path("runs/<int:pk>/", browse.run_detail, name="run-detail"),
    path("jobs/<int:pk>/start/", browse.job_start, name="job-start"),
]
