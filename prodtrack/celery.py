"""The Celery application.

Broker from ``CELERY_BROKER_URL``; with nothing set, kombu's filesystem transport under
``var/celery/`` so that web, worker and beat run on a bare machine without a server.
"""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prodtrack.settings")

app = Celery("prodtrack")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
