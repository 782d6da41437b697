"""``manage.py simulate_printer --token TOKEN --grams 40``: play a Klipper printer's Moonraker against
a running prodtrack, call for call, so the printer board moves.

Moonraker's ``[spoolman]`` component (DESIGN §7): it opens the websocket ``{base}/api/v1/spool``
first (it reports nothing without it), reads its active spool with ``GET {base}/api/v1/spool/{id}``
on connect, then every ``sync_rate`` seconds sends ``PUT {base}/api/v1/spool/{id}/use`` with
``{"use_length": mm}`` — the filament extruded since the last report; a 404 makes it forget the
spool. Here the sync rate is ``--every`` seconds (Moonraker: 5) and the run stops after
``--grams``. Talks HTTP only: nothing here touches the database.
"""
from __future__ import annotations

import json
import math
import time
import urllib.error
import urllib.request

from django.core.management.base import BaseCommand, CommandError
from websockets.sync.client import connect


class Command(BaseCommand):
    help = "Report filament use to prodtrack's Spoolman API the way Moonraker does."

    def add_arguments(self, parser):
        parser.add_argument("--token", required=True, help="The printer's token (its Spoolman address ends in it).")
        parser.add_argument("--grams", type=float, default=40.0, help="Grams to extrude in all (default 40).")
        parser.add_argument("--spool", type=int, help="The active spool's id (default: the fullest spool listed).")
        parser.add_argument("--server", default="http://127.0.0.1:8000", help="prodtrack's address.")
        parser.add_argument("--every", type=float, default=1.0, help="Seconds between reports (Moonraker: 5).")
        parser.add_argument("--reports", type=int, default=10, help="How many reports the grams are spread over.")

    def handle(self, *args, token: str, grams: float, spool: int | None, server: str, every: float, reports: int,
               **options):
        base = f"{server.rstrip('/')}/spoolman/{token}/api/v1"
        with connect(base.replace("http", "ws", 1) + "/spool", open_timeout=5) as feed:
            spool_id = spool or self._fullest_spool(base)
            active = self._call("GET", f"{base}/spool/{spool_id}")
            if active is None:
                raise CommandError(f"Spool {spool_id} does not exist (404): Moonraker forgets it.")
            filament = active["filament"]
            area_mm2 = math.pi * (filament["diameter"] / 2) ** 2
            per_report_mm = grams / reports / filament["density"] * 1000 / area_mm2
            self.stdout.write(f"Reporting {grams:g} g from spool #{spool_id} ({filament.get('name', '')}) in "
                              f"{reports} reports of {per_report_mm:.0f} mm, one every {every:g} s.")
            for n in range(1, reports + 1):
                answer = self._call("PUT", f"{base}/spool/{spool_id}/use", {"use_length": per_report_mm})
                if answer is None:
                    raise CommandError(f"Spool {spool_id} is gone (404): Moonraker forgets it.")
                events = self._events(feed)
                self.stdout.write(f"  report {n}/{reports}: {answer['remaining_weight']:.1f} g left"
                                  f"{f' ({events} event(s) on the feed)' if events else ''}")
                time.sleep(every)

    def _fullest_spool(self, base: str) -> int:
        spools = self._call("GET", f"{base}/spool?sort=remaining_weight:desc&limit=1")
        if not spools:
            raise CommandError("No spool in use to report on.")
        return spools[0]["id"]

    @staticmethod
    def _events(feed) -> int:
        """Drain the feed's waiting frames (Moonraker reads them all; each is one JSON object)."""
        count = 0
        while True:
            try:
                json.loads(feed.recv(timeout=0.05))
            except TimeoutError:
                return count
            count += 1

    @staticmethod
    def _call(method: str, url: str, body: dict | None = None):
        """One JSON call; None for a 404 (Moonraker's "spool not found")."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(url, data=data, method=method, headers={
            "Content-Type": "application/json", "User-Agent": "Moonraker"})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as error:
            if error.code == 404:
                return None
            raise CommandError(f"{method} {url}: {error.code} {error.read()[:200]!r}") from None
