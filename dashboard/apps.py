from django.apps import AppConfig


class DashboardConfig(AppConfig):
    """The home page: panels drawn from the domain apps' selectors (DESIGN §1, a top app)."""

    name = "dashboard"
