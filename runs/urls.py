"""Production pages of the runs app (names in the ``runs`` namespace)."""
from django.urls import path

from runs import views

app_name = "runs"

urlpatterns = [
    path("runs/", views.run_list, name="run-list"),
    path("runs/variance/", views.variance_dashboard, name="run-variance"),
    path("runs/<int:pk>/", views.run_detail, name="run-detail"),
    path("jobs/<int:pk>/start/", views.job_start, name="job-start"),
]
