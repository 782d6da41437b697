"""``/api/v1/``: every app's API routes under one prefix, plus the token endpoint."""
from django.urls import include, path

from prodtrack.api import TokenApi

app_name = "api"

urlpatterns = [
    path("auth/token/", TokenApi.as_view(), name="auth-token"),
    path("", include("inventory.api_urls")),
    path("", include("plans.api_urls")),
    path("", include("runs.api_urls")),
    path("", include("stockpiles.api_urls")),
]
