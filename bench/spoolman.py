#!/usr/bin/env python
"""Benchmark: prodtrack's Spoolman-compatible API against Spoolman's own figures, per server process.

Run from the project root (needs ``wrk``: ``apt-get install wrk``)::

    .venv/bin/python bench/spoolman.py                 # 10 s per call, drops its database at the end
    .venv/bin/python bench/spoolman.py --seconds 30 --keep

It creates its own PostgreSQL database (``--database-url``, default
``postgres://postgres@127.0.0.1:5432/prodtrack_bench_spoolman``), runs ``migrate``, makes one tenant
with a printer, its token and 50 spools of 10 materials (through the services), then starts ONE
server process — ``gunicorn prodtrack.wsgi`` with one worker and ``--threads`` threads (default 4: of 2, 4, 8 and 16 the best here),
DEBUG off, spool events to channels-redis as in production (``--redis-url``) — and drives it with ``wrk -t2 -c16 -d<seconds>s --latency`` (Spoolman's figures were
taken with the same wrk options against uvicorn, one process, SQLite, 50 spools):

0. ``GET …/api/v1/health`` — the floor: this process, its middleware and the token, no query
1. ``GET …/api/v1/spool?limit=20``   (Spoolman 0.26.1: 65 req/s)
2. ``GET …/api/v1/spool/{id}``        (234 req/s)
3. ``PUT …/api/v1/spool/{id}/use`` ``{"use_length": 10}``, Moonraker's call (139 req/s, p99 1.6 s)
4. ``GET …/api/v1/spool`` — all 50    (37 req/s)

The goal (issue 13): at least 2× Spoolman on each, and ``use`` p99 under 100 ms. After the run it
checks the books: the spool's weight equals its ledger sum less the open session's grams.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench._common import loadavg, log, run_on_bench_database  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/prodtrack_bench_spoolman"
PORT = 8765
SPOOLMAN = {"list_20": 65, "one": 234, "use": 139, "list_all": 37}
USE_LUA = 'wrk.method = "PUT"\nwrk.body = \'{"use_length": 10}\'\nwrk.headers["Content-Type"] = "application/json"\n'


def fill() -> tuple[str, int]:
    """Tenant, printer, 10 materials, 50 spools; returns a fresh printer token and a spool id."""
    from inventory import services as inventory
    from inventory.models import ItemType, Spool, Workstation
    from printers.services import printer_token_create
    from prodtrack.models import Tenant
    from prodtrack.services import tenant_create

    tenant = Tenant.objects.filter(slug="bench-spoolman").first()
    if tenant is None:
        tenant = tenant_create(name="Bench Spoolman", short_code="BSPOOL", slug="bench-spoolman")
        room = inventory.location_create(tenant=tenant, name="Print room")
        inventory.workstation_create(tenant=tenant, name="MK4-01", location=room)
        for n in range(10):
            material = inventory.item_type_create(
                tenant=tenant, name=f"PLA colour {n}", sku=f"PLA-{n:02d}", kind=ItemType.Kind.MATERIAL,
                material="PLA", manufacturer=f"Maker {n % 3}", unit_cost=Decimal("0.025"),
                net_weight_g=Decimal("1000"), spool_weight_g=Decimal("200"), density_g_cm3=Decimal("1.24"),
                diameter_mm=Decimal("1.75"), color_hex="#336699")
            for _ in range(5):
                inventory.spool_receive(tenant=tenant, by=None, item_type=material, location=room,
                                        initial_weight_g=Decimal("100000"), lot_number=f"L{n}")
    printer = Workstation.objects.get(tenant=tenant, name="MK4-01")
    _, token = printer_token_create(workstation=printer, by=None)
    return token, Spool.objects.filter(tenant=tenant).order_by("pk").first().pk


def server(args, database_url: str, health_url: str) -> subprocess.Popen:
    """One gunicorn process (a worker with ``--threads`` threads), up once ``health_url`` answers."""
    env = {**os.environ, "DATABASE_URL": database_url, "DEBUG": "false", "SECRET_KEY": "bench-" + "x" * 50,
           "STATIC_MANIFEST": "false",
           "ALLOWED_HOSTS": "127.0.0.1,localhost", "DATABASE_CONN_MAX_AGE": "600", "LOG_LEVEL": "WARNING",
           # As in production: every spool event goes to channels-redis (the feeds of other processes).
           "CHANNEL_LAYER_REDIS_URL": args.redis_url}
    process = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "prodtrack.wsgi", "--workers", "1", "--threads", str(args.threads),
         "--bind", f"127.0.0.1:{PORT}", "--log-level", "warning"], cwd=ROOT, env=env)
    for _ in range(100):
        try:
            urllib.request.urlopen(health_url, timeout=1)
            return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("the server did not start")


def wrk(args, url: str, script: str | None = None, seconds: int | None = None) -> dict:
    """``wrk -t2 -c16 --latency``: requests/s, p50 and p99 in ms, and non-2xx answers."""
    command = ["wrk", "-t2", "-c16", f"-d{seconds or args.seconds}s", "--latency", url]
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        if script:
            lua.write(script)
            command[1:1] = ["-s", lua.name]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    os.unlink(lua.name)

    def ms(label: str) -> float:
        value, unit = re.search(rf"{label}\s+([\d.]+)(us|ms|s)\b", out).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"req_s": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)), "p50_ms": ms("50%"),
            "p99_ms": ms("99%"), "non_2xx": int(errors.group(1)) if errors else 0}


def run(args) -> dict:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    token, spool_id = fill()
    base = f"http://127.0.0.1:{PORT}/spoolman/{token}/api/v1"
    process = server(args, args.database_url, f"{base}/health")
    try:
        log(args, f"one gunicorn process, {args.threads} threads; wrk -t2 -c16 -d{args.seconds}s")
        wrk(args, f"{base}/spool/{spool_id}", seconds=2)                 # warm-up, not counted
        result = {"loadavg_before": loadavg(), "calls": {
            # The floor: the same process and middleware, the token, no query (machine speed varies).
            "health": wrk(args, f"{base}/health"),
            "list_20": wrk(args, f"{base}/spool?limit=20"),
            "one": wrk(args, f"{base}/spool/{spool_id}"),
            "use": wrk(args, f"{base}/spool/{spool_id}/use", USE_LUA),
            "list_all": wrk(args, f"{base}/spool"),
        }}
    finally:
        process.terminate()
        process.wait()
    result["loadavg_after"] = loadavg()
    from inventory.selectors import spool_drift
    from prodtrack.models import Tenant
    result["drift"] = spool_drift(tenant=Tenant.objects.get(slug="bench-spoolman"))
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_SPOOLMAN_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--seconds", type=int, default=10, help="wrk duration per call (default 10)")
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads in the one process (default 4)")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14",
                        help="channels-redis for the spool events (default redis://127.0.0.1:6379/14)")
    parser.add_argument("--keep", action="store_true", help="keep (and reuse) the database")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk")
    result = run_on_bench_database(args, run)
    if args.json:
        print(json.dumps(result, indent=2, default=str))
        return 0
    print(f"{'call':10} {'req/s':>8} {'Spoolman':>9} {'ratio':>6} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>8}")
    for name, figures in result["calls"].items():
        theirs, ratio = (f"{SPOOLMAN[name]:9d}", f"{figures['req_s'] / SPOOLMAN[name]:5.1f}×") if name in SPOOLMAN else (
            f"{'-':>9}", f"{'':6}")
        print(f"{name:10} {figures['req_s']:8.1f} {theirs} {ratio} "
              f"{figures['p50_ms']:8.1f} {figures['p99_ms']:8.1f} {figures['non_2xx']:8d}")
    print(f"load average before {result['loadavg_before']}, after {result['loadavg_after']}; "
          f"spool drift after the run: {result['drift'] or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
