"""WSGI entry point (gunicorn prodtrack.wsgi)."""
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prodtrack.settings")

from prodtrack.telemetry import configure_telemetry  # noqa: E402

configure_telemetry()
application = get_wsgi_application()
