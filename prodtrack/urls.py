"""Root URL conf: pages, admin, API and its documentation."""
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from prodtrack import views

urlpatterns = [
    path("", include("dashboard.urls")),
    path("login/", login_not_required(auth_views.LoginView.as_view(redirect_authenticated_user=True)), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("tenant/switch/", views.tenant_switch, name="tenant-switch"),
    path("inventory/", include("inventory.urls")),
    path("", include("plans.urls")),
    path("", include("runs.urls")),
    path("", include("stockpiles.urls")),
    path("", include("printers.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("prodtrack.api_urls")),
    path("spoolman/<str:token>/api/v1/", include("printers.spoolman_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
]
