from django.apps import AppConfig


class PrintersConfig(AppConfig):
    name = "printers"

    def ready(self) -> None:
        """Register the idle usage-session closer with Celery beat (DESIGN §1: an app registers its
        own beat entries), every minute; and send the Spoolman feed events of every spool change."""
        from inventory.signals import spools_changed
        from printers.events import spools_changed_receiver
        from prodtrack.celery import app

        spools_changed.connect(spools_changed_receiver, dispatch_uid="printers-spoolman-feed")
        entry = {"task": "printers.tasks.close_idle_usage_sessions", "schedule": 60.0}
        app.conf.beat_schedule = {**app.conf.beat_schedule, "close-idle-usage-sessions": entry}
