#!/usr/bin/env python
"""Benchmark: the job queue with readiness over 10,000 planned jobs.

Run from the project root::

    .venv/bin/python bench/job_queue.py                  # 10,000 planned jobs, drops its database at the end
    .venv/bin/python bench/job_queue.py --keep           # keep (and next time reuse) the filled database
    .venv/bin/python bench/job_queue.py --planned 2000 --repeat 20 --json

It creates its own PostgreSQL database (``--database-url``, default
``postgres://postgres@127.0.0.1:5432/prodtrack_bench_jobs``), runs ``migrate`` and fills one
tenant through the services (3 locations, 12 printers and an assembly bench, PLA and PETG, a
desk organiser set whose recipe takes 2 drawers, a frame and 3 bought components, the drawer
and frame recipes on filament) and then, with bulk inserts, ``--planned`` planned jobs (a third of
them final assemblies, so readiness has parts to look up) plus twice as many completed ones, and
stock of the parts at each location (some enough, some short), and runs ``VACUUM ANALYZE``. Then it measures, p50 / p95 /
min over ``--repeat`` after ``--warmup``, each with its number of queries
(``CaptureQueriesContext``):

1. the job queue page ``GET /jobs/`` (open jobs, page 1 of 50) as a logged-in manager (Django's
   test ``Client``), and ``GET /jobs/?status=planned&page=40`` (a deep page);
2. ``GET /api/v1/jobs?status=planned&page_size=100`` (DRF ``APIClient``), readiness on every row,
   and the same for the assembly bench's jobs (final assemblies: readiness reads their parts' stock).

Each answer is checked: every planned job on it carries a readiness, and some are waiting.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench._common import loadavg, log, run_on_bench_database, time_calls  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/prodtrack_bench_jobs"
TENANT_SLUG = "bench-jobs"
BATCH = 2000


# --- fill ---------------------------------------------------------------------------------------

def make_shop(tenant, user) -> dict:
    """Locations, workstations, materials, products and recipes through the services."""
    from inventory import services as inv
    from inventory.models import ItemType, Location, Workstation
    from plans.services import InputSpec, recipe_create

    locations = [inv.location_create(tenant=tenant, name=name) for name in ("Print room", "Annex", "Warehouse")]
    printers = [inv.workstation_create(tenant=tenant, name=f"MK4 #{n:02d}", location=locations[n % 3])
                for n in range(1, 13)]
    bench = inv.workstation_create(tenant=tenant, name="Assembly bench", location=locations[0],
                                   kind=Workstation.Kind.ASSEMBLY)
    pla = inv.item_type_create(tenant=tenant, name="PLA Black", sku="PLA-BLK", kind=ItemType.Kind.MATERIAL,
                               material="PLA", unit_cost=Decimal("0.025"))
    petg = inv.item_type_create(tenant=tenant, name="PETG White", sku="PETG-WHT", kind=ItemType.Kind.MATERIAL,
                                material="PETG", unit_cost=Decimal("0.03"))

    def product(name: str, sku: str, kind: str = ItemType.Kind.PRODUCT) -> ItemType:
        return inv.item_type_create(tenant=tenant, name=name, sku=sku, kind=kind, unit_cost=Decimal("0.50"))

    organiser, drawer, frame = (product("Desk organiser set", "SET"), product("Organiser drawer", "DRAWER"),
                                product("Organiser frame", "FRAME"))
    screws, felt, label = (product(name, sku, ItemType.Kind.COMPONENT)
                           for name, sku in (("M3 screw", "SCREW"), ("Felt pad", "FELT"), ("Label", "LABEL")))
    recipes = [
        recipe_create(tenant=tenant, name="Set assembly", product=organiser, activity="assembly", inputs=[
            InputSpec(drawer, Decimal(2)), InputSpec(frame, Decimal(1)), InputSpec(screws, Decimal(4)),
            InputSpec(felt, Decimal(4)), InputSpec(label, Decimal(1))]),
        recipe_create(tenant=tenant, name="Drawer plate", product=drawer, output_quantity=2,
                      inputs=[InputSpec(pla, Decimal(40))]),
        recipe_create(tenant=tenant, name="Frame plate", product=frame, inputs=[InputSpec(petg, Decimal(80))]),
    ]
    return {"locations": locations, "printers": printers, "bench": bench, "recipes": recipes,
            "parts": [drawer, frame, screws, felt, label], "location_model": Location}


def fill(args) -> dict:
    """The tenant, its shop, the jobs (bulk) and the parts' stock (through ``stock_adjust``)."""
    from django.db import connection, transaction

    from inventory.services import stock_adjust
    from plans.models import JobQueueEntry
    from prodtrack.models import Role, User
    from prodtrack.services import membership_set, tenant_create

    rng = random.Random(12)
    with transaction.atomic():
        tenant = tenant_create(name="Bench jobs", short_code="BJOBS", slug=TENANT_SLUG)
        user = User.objects.create_user(username="bench-jobs-manager", password=None)
        membership_set(tenant=tenant, user=user, role=Role.MANAGER)
        shop = make_shop(tenant, user)
    jobs = []
    statuses = [JobQueueEntry.Status.PLANNED] * args.planned + [JobQueueEntry.Status.COMPLETED] * (2 * args.planned)
    for status in statuses:
        recipe = shop["recipes"][rng.randrange(3)]
        final = recipe.name == "Set assembly"
        runs = rng.randint(1, 10)
        workstation = shop["bench"] if final else rng.choice(shop["printers"])
        jobs.append(JobQueueEntry(
            tenant=tenant, recipe=recipe, product=recipe.product, activity=recipe.activity, runs=runs,
            quantity=runs * recipe.output_quantity, material_efficiency=Decimal(rng.choice([0, 0, 10, 25])),
            location=workstation.location, workstation=workstation if rng.random() < 0.7 else None, status=status,
            depth=0 if final else 1, sort_order=0 if final else 2, estimated_duration_s=3600 * runs))
    for start in range(0, len(jobs), BATCH):
        JobQueueEntry.objects.bulk_create(jobs[start:start + BATCH])
    for part in shop["parts"]:
        for location in shop["locations"]:
            stock_adjust(tenant=tenant, by=user, item_type=part, location=location,
                         quantity=Decimal(rng.choice([3, 12, 40, 200])), note="bench opening count")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")     # the planner's statistics, as autovacuum would keep them
    return {"tenant_id": tenant.pk, "user_id": user.pk}


def bench_state():
    from plans.models import JobQueueEntry
    from prodtrack.models import Membership, Tenant

    tenant = Tenant.objects.filter(slug=TENANT_SLUG).first()
    if tenant is None:
        return None
    planned = JobQueueEntry.objects.filter(tenant=tenant, status=JobQueueEntry.Status.PLANNED).count()
    return {"tenant_id": tenant.pk, "user_id": Membership.objects.filter(tenant=tenant).first().user_id,
            "planned": planned}


# --- measure ------------------------------------------------------------------------------------

def measure(args, name: str, get, path: str, check) -> dict:
    """Timings of ``get(path)`` and the queries of one such request; ``check(response)`` → readiness counts."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = get(path)
    queries = len(captured)      # now: the next requests reset the log the capture slices
    assert response.status_code == 200, (path, response.status_code)
    counts = check(response)
    timing = time_calls(lambda: get(path), args.repeat, args.warmup)
    log(args, f"  {name}: p50 {timing['p50']:.1f} ms, p95 {timing['p95']:.1f} ms, {queries} queries, {counts}")
    return {"path": path, "ms": timing, "queries": queries, "readiness": counts}


def page_readiness(response) -> dict:
    """Readiness lines on the page (``templates/plans/_job_readiness.html``)."""
    html = response.content.decode()
    ready, waiting = html.count("bi-check2\"></i> Parts on hand"), html.count("bi-hourglass-split\"></i> Waiting for")
    assert ready + waiting, "the page shows planned jobs with their readiness"
    return {"planned_rows": ready + waiting, "waiting": waiting}


def api_readiness(response) -> dict:
    rows = response.json()["results"]
    assert rows and all(row["readiness"] is not None for row in rows), "every planned job has its readiness"
    return {"planned_rows": len(rows), "waiting": sum(row["readiness"]["state"] == "waiting" for row in rows)}


def run(args) -> dict:
    # The page renders {% static %}; without collectstatic there is no manifest (as in the tests).
    os.environ.setdefault("STATIC_MANIFEST", "false")
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment
    from rest_framework.test import APIClient

    from inventory.models import Workstation
    from prodtrack.models import User

    setup_test_environment(debug=False)

    call_command("migrate", verbosity=0)
    state = bench_state() if args.keep else None
    if state is None or state["planned"] != args.planned:
        if state is not None:
            raise SystemExit("the kept database has another --planned; drop it (run without --keep)")
        log(args, f"filling {args.planned:,} planned jobs …")
        state = fill(args)
    user = User.objects.get(pk=state["user_id"])
    bench = Workstation.objects.get(tenant_id=state["tenant_id"], name="Assembly bench")
    client, api = Client(), APIClient()
    client.force_login(user)
    api.force_authenticate(user)
    host = {"HTTP_HOST": "testserver"}
    log(args, "measuring …")
    result = {"planned": args.planned, "loadavg_before": loadavg(), "measurements": {
        "page": measure(args, "job queue page", lambda p: client.get(p, **host), "/jobs/", page_readiness),
        "page_deep": measure(args, "job queue page 40", lambda p: client.get(p, **host),
                             "/jobs/?status=planned&page=40", page_readiness),
        "api": measure(args, "jobs API, 100 planned", lambda p: api.get(p, **host),
                       "/api/v1/jobs?status=planned&page_size=100", api_readiness),
        "api_assembly": measure(args, "jobs API, 100 planned assemblies", lambda p: api.get(p, **host),
                                f"/api/v1/jobs?status=planned&workstation={bench.pk}&page_size=100", api_readiness),
    }}
    result["loadavg_after"] = loadavg()
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_JOBS_DATABASE_URL", DEFAULT_URL),
                        help=f"PostgreSQL URL of the bench database (default {DEFAULT_URL})")
    parser.add_argument("--planned", type=int, default=10_000, help="planned jobs (default 10,000)")
    parser.add_argument("--repeat", type=int, default=50, help="measured repetitions (default 50)")
    parser.add_argument("--warmup", type=int, default=5, help="warm-up repetitions (default 5)")
    parser.add_argument("--keep", action="store_true", help="reuse the filled database; do not drop it")
    parser.add_argument("--json", action="store_true", help="print the results as JSON (progress to stderr)")
    args = parser.parse_args(argv)
    result = run_on_bench_database(args, run)
    if args.json:
        print(json.dumps(result, indent=2, default=str))
    else:
        for name, m in result["measurements"].items():
            print(f"{name:12} {m['path']:55} p50 {m['ms']['p50']:7.1f} ms  p95 {m['ms']['p95']:7.1f} ms  "
                  f"{m['queries']:2d} queries  {m['readiness']}")
        print(f"load average before {result['loadavg_before']}, after {result['loadavg_after']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
