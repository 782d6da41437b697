from django.apps import AppConfig


class ProdtrackConfig(AppConfig):
    name = "prodtrack"
    verbose_name = "prodtrack core"

    def ready(self) -> None:
        from prodtrack.telemetry import configure_telemetry

        configure_telemetry()  # web, worker, beat and management commands alike
