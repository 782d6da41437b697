from django.apps import AppConfig


class StockpilesConfig(AppConfig):
    name = "stockpiles"

    def ready(self) -> None:
        """Register the auto-production tick with Celery beat (DESIGN §1: beat entries are
        registered by their app, not in the core's settings): every
        ``AUTO_PRODUCTION_INTERVAL_SEC`` seconds, the first one interval after beat starts."""
        from django.conf import settings

        from prodtrack.celery import app
        from stockpiles.schedules import AUTO_PRODUCTION_BEAT_ENTRY, auto_production_beat_entry

        entry = auto_production_beat_entry(settings.AUTO_PRODUCTION_INTERVAL_SEC)
        app.conf.beat_schedule = {**app.conf.beat_schedule, AUTO_PRODUCTION_BEAT_ENTRY: entry}
