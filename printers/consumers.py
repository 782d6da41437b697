"""The websocket feeds of the Spoolman-compatible API (``/spoolman/<token>/api/v1/[<resource>[/<id>]]``).

A connection under an unknown or revoked token is refused. Each text frame a client sends gets
``{"status": "healthy"}`` back, as Spoolman answers; protocol pings are the server's (daphne).
Every frame sent is one JSON object: Moonraker's reader stops on anything else."""
from __future__ import annotations

from asgiref.sync import async_to_sync
from channels.generic.websocket import WebsocketConsumer

from printers.events import feed_groups
from printers.selectors import printer_token_resolve

RESOURCES = {"spool", "filament", "vendor", "setting"}


class SpoolmanFeedConsumer(WebsocketConsumer):
    def connect(self) -> None:
        kwargs = self.scope["url_route"]["kwargs"]
        token = printer_token_resolve(token=kwargs["token"])
        resource = kwargs.get("resource") or None
        if token is None or (resource is not None and resource not in RESOURCES):
            self.close()
            return
        self.groups = feed_groups(token.tenant_id, resource, kwargs.get("object_id"))[-1:]
        for group in self.groups:
            async_to_sync(self.channel_layer.group_add)(group, self.channel_name)
        self.accept()

    def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if text_data:
            self.send(text_data='{"status": "healthy"}')

    def spoolman_event(self, event: dict) -> None:
        self.send(text_data=event["text"])
