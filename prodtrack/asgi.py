"""ASGI entry point (``daphne prodtrack.asgi:application``; ``manage.py runserver`` serves it too):
HTTP through Django, websockets through the routes named by ``settings.WEBSOCKET_ROUTES`` (loaded
after Django is set up, since their consumers import models).

The printers' Spoolman feeds take no origin check: Moonraker's handshake carries no Origin, cookie
or auth header; the token in the path is the credential (DESIGN §7)."""
import os

from channels.routing import ProtocolTypeRouter, URLRouter
from django.conf import settings
from django.core.asgi import get_asgi_application
from django.utils.module_loading import import_string

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prodtrack.settings")
django_http = get_asgi_application()

application = ProtocolTypeRouter({
    "http": django_http,
    "websocket": URLRouter([route for name in settings.WEBSOCKET_ROUTES for route in import_string(name)]),
})
