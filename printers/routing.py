"""Websocket routes of the Spoolman-compatible API: the root feed and the per-resource feeds."""
from django.urls import path, re_path

from printers.consumers import SpoolmanFeedConsumer

websocket_urlpatterns = [
    path("spoolman/<str:token>/api/v1/", SpoolmanFeedConsumer.as_asgi()),
    re_path(r"^spoolman/(?P<token>[^/]+)/api/v1/(?P<resource>[a-z]+)(?:/(?P<object_id>[^/]+))?$",
            SpoolmanFeedConsumer.as_asgi()),
]
