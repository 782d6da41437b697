#!/usr/bin/env python
"""Benchmark: one auto-production tick over 10,000 stockpile markers across 500 plans, 200 of them
below target (DESIGN §6: the query count of a tick does not grow with the markers).

Run from the project root::

    .venv/bin/python bench/auto_production.py                 # full size, drops its database at the end
    .venv/bin/python bench/auto_production.py --keep          # keep (and next time reuse) the filled database
    .venv/bin/python bench/auto_production.py --markers 2000 --plans 100 --deficits 50 --json

It creates its own PostgreSQL database (``--database-url``, default
``postgres://postgres@127.0.0.1:5432/prodtrack_bench_auto``), runs ``migrate``, then fills one tenant:
20 owners (managers), ``--markers / --plans`` locations, 10 printers, one filament, ``--plans``
products each with a recipe (30 g of filament, 4 pieces per plate) and a one-step plan at the print
room (ORM bulk inserts: the runner only reads them), and one marker per (plan, location) —
auto-production on, desired 10–30 pieces, parallelism 0–2, the plan's owner ``plan % 20``. Stock
goes in through ``inventory.services.inventory_transactions_post`` (one adjustment per marker, so
ledger and balances agree): every marker at its target except ``--deficits`` markers on as many
different plans, 1–8 pieces short.

Measured, in process (``stockpiles.services.auto_production_tick(triggered_by="manual")``, the same
code path as the beat tick without the window key, so it can repeat):

1. **A tick that generates** — ``--deficits`` groups below target → as many plan runs. Wall time
   (p50 / p95 / min over ``--repeat`` after ``--warmup``; the plan runs and their jobs are deleted
   after each, outside the timing), the per-step durations the tick records in its run log, and the
   statements it sends (``CaptureQueriesContext``): reads outside generation, and per plan run.
2. **A tick with nothing to generate** — the same markers right after a generating tick: every
   deficit is covered by the pending output. Wall time over ``--repeat × 4``, statements, and
   ``EXPLAIN (ANALYZE)`` of its read queries.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench._common import kind_counts, loadavg, log, run_on_bench_database, sql_profile, summarize  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/prodtrack_bench_auto"
SLUG, CODE = "bench-auto", "BENCHAP"
OWNERS, PRINTERS = 20, 10


# --- fill ------------------------------------------------------------------------------------------

def fill(args) -> dict:
    """The tenant, its catalogue, plans, markers and stock (module docstring)."""
    from inventory.models import InventoryTransaction, ItemType, Location, Workstation
    from inventory.services import LedgerEntry, inventory_transactions_post
    from plans.models import ProductionPlan, ProductionPlanStep, Recipe, RecipeInput
    from prodtrack.models import Membership, Role, Tenant, User
    from stockpiles.models import StockpileMarker

    t0 = time.perf_counter()
    tenant = Tenant.objects.create(name="Bench auto-production", slug=SLUG, short_code=CODE)
    owners = [User.objects.create_user(username=f"{SLUG}-owner-{n:02d}", password=None) for n in range(OWNERS)]
    Membership.objects.bulk_create([Membership(user=u, tenant=tenant, role=Role.MANAGER) for u in owners])
    per_plan = args.markers // args.plans
    locations = Location.objects.bulk_create(
        [Location(tenant=tenant, name="Print room", kind=Location.Kind.PRODUCTION)]
        + [Location(tenant=tenant, name=f"Shop {n:02d}", kind=Location.Kind.SHOP) for n in range(1, per_plan)])
    room = locations[0]
    Workstation.objects.bulk_create([Workstation(tenant=tenant, name=f"MK4 #{n:02d}", location=room,
                                                 activities=["printing"]) for n in range(PRINTERS)])
    pla = ItemType.objects.create(tenant=tenant, name="PLA Black", sku="BENCH-PLA", kind=ItemType.Kind.MATERIAL,
                                  unit=ItemType.Unit.GRAMS, unit_cost=Decimal("0.025"))
    products = ItemType.objects.bulk_create([
        ItemType(tenant=tenant, name=f"Product {n:04d}", sku=f"BENCH-P{n:04d}", kind=ItemType.Kind.PRODUCT,
                 unit=ItemType.Unit.PIECES, unit_cost=Decimal("1.50")) for n in range(args.plans)])
    recipes = Recipe.objects.bulk_create([
        Recipe(tenant=tenant, name=f"Print {p.name}", product=p, output_quantity=4, duration_s=3600) for p in products])
    RecipeInput.objects.bulk_create([RecipeInput(recipe=r, item_type=pla, quantity=Decimal("30")) for r in recipes])
    plans = ProductionPlan.objects.bulk_create([
        ProductionPlan(tenant=tenant, name=f"Plan {n:04d}", product=p) for n, p in enumerate(products)])
    ProductionPlanStep.objects.bulk_create([
        ProductionPlanStep(plan=plan, product=plan.product, recipe=recipe, location=room)
        for plan, recipe in zip(plans, recipes, strict=True)])
    markers = StockpileMarker.objects.bulk_create([
        StockpileMarker(tenant=tenant, owner=owners[n % OWNERS], item_type=plan.product, location=location,
                        desired_quantity=Decimal(10 + (n * 7 + m) % 21), plan=plan,
                        auto_production_parallelism=(n + m) % 3, auto_production_enabled=True)
        for n, plan in enumerate(plans) for m, location in enumerate(locations)])
    master_s = time.perf_counter() - t0
    # Stock: at target, except one marker on each of the first ``deficits`` plans, 1–8 pieces short.
    t0 = time.perf_counter()
    short = {plans[n].pk: 1 + n % 8 for n in range(args.deficits)}
    entries, seen = [], set()
    for marker in markers:
        quantity = marker.desired_quantity
        if marker.plan_id in short and marker.plan_id not in seen:
            seen.add(marker.plan_id)
            quantity -= short[marker.plan_id]
        entries.append(LedgerEntry(item_type=marker.item_type, location=marker.location, quantity=quantity,
                                   transaction_type=InventoryTransaction.Type.ADJUSTMENT,
                                   reference_label="Bench stock count"))
    inventory_transactions_post(tenant=tenant, by=owners[0], entries=entries)
    stock_s = time.perf_counter() - t0
    from django.db import connection
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return {"master_data_s": round(master_s, 2), "stock_s": round(stock_s, 2), "markers": len(markers),
            "plans": len(plans), "locations": len(locations), "deficits": len(short)}


def fill_state() -> dict | None:
    from plans.models import ProductionPlan
    from prodtrack.models import Tenant
    from stockpiles.models import StockpileMarker

    tenant = Tenant.objects.filter(slug=SLUG).first()
    if tenant is None:
        return None
    return {"tenant": tenant, "markers": StockpileMarker.objects.filter(tenant=tenant).count(),
            "plans": ProductionPlan.objects.filter(tenant=tenant).count()}


# --- measurements ----------------------------------------------------------------------------------

def is_read(sql: str) -> bool:
    return sql.lstrip().upper().startswith("SELECT")


def one_tick(tenant) -> tuple[object, float, list[str]]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from stockpiles.services import auto_production_tick

    connection.queries_log.clear()      # a full log (9,000 entries) would capture nothing
    with CaptureQueriesContext(connection) as captured:
        t0 = time.perf_counter()
        (run,) = auto_production_tick(triggered_by="manual", tenant=tenant)
        elapsed = (time.perf_counter() - t0) * 1000
    assert run.status == "succeeded", (run.status, run.error_code, run.error_message)
    return run, elapsed, [q["sql"] for q in captured.captured_queries]


def undo_generation(run) -> None:
    """Delete the plan runs a tick created and their jobs (so the next tick generates again)."""
    from plans.models import JobQueueEntry, ProductionPlanRun

    ids = [entry["plan_run_id"] for entry in run.output["plan_runs"]]
    JobQueueEntry.objects.filter(plan_run_id__in=ids).delete()
    ProductionPlanRun.objects.filter(pk__in=ids).delete()


def step_summary(runs: list) -> dict[str, dict[str, float]]:
    names = [s["name"] for s in runs[0].metrics["steps"]]
    return {name: summarize([next(s["duration_ms"] for s in r.metrics["steps"] if s["name"] == name) for r in runs])
            for name in names}


def measure(args, tenant) -> dict:
    from plans.models import JobQueueEntry, ProductionPlanRun

    JobQueueEntry.objects.filter(tenant=tenant).delete()        # a kept database: start without plan runs
    ProductionPlanRun.objects.filter(tenant=tenant).delete()
    result: dict = {}
    # 1. ticks that generate
    log(args, f"ticks that generate ({args.warmup} warm-up + {args.repeat}) …")
    times, runs, queries = [], [], []
    for i in range(args.warmup + args.repeat):
        run, elapsed, captured = one_tick(tenant)
        created = len(run.output["plan_runs"])
        if i >= args.warmup:
            times.append(elapsed)
            runs.append(run)
            queries = captured
        undo_generation(run)
    assert created == args.deficits, f"expected {args.deficits} plan runs, got {created}"
    counts = runs[-1].metrics["steps"]
    generate_reads = [q for q in queries if is_read(q)]
    result["generating"] = {
        "wall_ms": summarize(times), "steps_ms": step_summary(runs), "plan_runs": created,
        "jobs": next(s for s in counts if s["name"] == "generate")["counts"]["jobs_created"],
        "queries": len(queries), "reads": len(generate_reads), "kinds": kind_counts(queries),
        "counts": {s["name"]: s["counts"] for s in counts}}
    # 2. ticks with nothing to generate: keep one generation, then tick again and again
    one_tick(tenant)
    n = args.repeat * 4
    log(args, f"ticks with nothing to generate (2 warm-up + {n}) …")
    times, runs = [], []
    for i in range(2 + n):
        run, elapsed, captured = one_tick(tenant)
        assert not run.output["plan_runs"] and len(run.output["skipped"]) == args.deficits
        if i >= 2:
            times.append(elapsed)
            runs.append(run)
            queries = captured
    reads = [q for q in queries if is_read(q) and "advisory" not in q]
    result["covered"] = {"wall_ms": summarize(times), "steps_ms": step_summary(runs), "queries": len(queries),
                         "reads": len([q for q in queries if is_read(q)]), "kinds": kind_counts(queries),
                         "reads_profile": sql_profile(reads, repeat=10, warmup=2)}
    # reads outside generation, for the per-plan-run figure
    outside = result["covered"]["reads"]
    result["generating"]["reads_per_plan_run"] = round((result["generating"]["reads"] - outside) / args.deficits, 2)
    result["generating"]["queries_per_plan_run"] = round(
        (result["generating"]["queries"] - result["covered"]["queries"]) / args.deficits, 2)
    return result


def run(args) -> dict:
    import django
    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    assert not settings.DEBUG, "the benchmark must run with DEBUG=False"
    result: dict = {"config": {"loadavg_start": loadavg(), "markers": args.markers, "plans": args.plans,
                               "deficits": args.deficits, "repeat": args.repeat, "warmup": args.warmup,
                               "database": urlsplit(args.database_url).path.lstrip("/"), "cpus": os.cpu_count()}}
    call_command("migrate", verbosity=0, interactive=False)
    with connection.cursor() as cursor:
        cursor.execute("SELECT version(), current_setting('shared_buffers'), current_setting('synchronous_commit')")
        version, shared_buffers, sync_commit = cursor.fetchone()
    result["config"].update(postgres=version.split(" on ")[0], shared_buffers=shared_buffers,
                            synchronous_commit=sync_commit)
    state = fill_state()
    if state and (state["markers"], state["plans"]) != (args.markers, args.plans):
        raise SystemExit(f"database holds {state['markers']:,} markers / {state['plans']} plans; "
                         "run without --keep to recreate it")
    if state is None:
        log(args, f"filling: {args.markers:,} markers across {args.plans} plans, {args.deficits} below target …")
        result["fill"] = fill(args)
        state = fill_state()
    else:
        log(args, "reusing the filled tenant")
        result["fill"] = {"reused": True}
    result.update(measure(args, state["tenant"]))
    result["config"]["loadavg_end"] = loadavg()
    return result


def print_table(result: dict) -> None:
    cfg, g, c = result["config"], result["generating"], result["covered"]
    print()
    print(f"{cfg['postgres']}, {cfg['cpus']} CPUs, shared_buffers {cfg['shared_buffers']}, "
          f"synchronous_commit {cfg['synchronous_commit']}")
    print(f"load average 1/5/15 min: start {cfg['loadavg_start']}, end {cfg['loadavg_end']}")
    print(f"{cfg['markers']:,} markers across {cfg['plans']} plans ({cfg['plans']} groups), "
          f"{cfg['deficits']} below target")
    if "master_data_s" in result.get("fill", {}):
        print(f"fill: master data {result['fill']['master_data_s']} s, stock {result['fill']['stock_s']} s")
    print()
    print(f"{'tick':58} {'p50 ms':>9} {'p95 ms':>9} {'min ms':>9} {'n':>4}  statements (SELECT)")
    for label, m in ((f"generates {g['plan_runs']} plan runs ({g['jobs']} jobs)", g),
                     (f"nothing to generate ({cfg['deficits']} groups covered by pending)", c)):
        w = m["wall_ms"]
        print(f"{label:58} {w['p50']:9.1f} {w['p95']:9.1f} {w['min']:9.1f} {w['n']:4}  {m['queries']} ({m['reads']})")
    print()
    for label, m in (("generating", g), ("nothing to generate", c)):
        print(f"steps p50 ms, {label}: " + ", ".join(f"{k} {v['p50']:.1f}" for k, v in m["steps_ms"].items()))
    print(f"per plan run generated: {g['queries_per_plan_run']} statements, {g['reads_per_plan_run']} SELECTs")
    print("statements of a generating tick: " + ", ".join(f"{k} {v}" for k, v in g["kinds"].items()))
    print("statements with nothing to generate: " + ", ".join(f"{k} {v}" for k, v in c["kinds"].items()))
    rp = c["reads_profile"]
    print("its reads, EXPLAIN ANALYZE exec p50 ms: " + ", ".join(
        f"{q['kind']} {q['execution']['p50']:.2f}" for q in rp["queries"] if "execution" in q)
        + f" = {rp['exec_p50_sum']:.2f} (client wall {rp['wall_p50_sum']:.2f})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_AUTO_DATABASE_URL", DEFAULT_URL),
                        help=f"PostgreSQL URL of the bench database (default {DEFAULT_URL}); its name must "
                             "contain 'bench'")
    parser.add_argument("--markers", type=int, default=10_000, help="stockpile markers (default 10,000)")
    parser.add_argument("--plans", type=int, default=500, help="plans, one group each (default 500)")
    parser.add_argument("--deficits", type=int, default=200, help="markers below target (default 200)")
    parser.add_argument("--repeat", type=int, default=5, help="measured generating ticks (default 5; 4× as "
                                                              "many ticks with nothing to generate)")
    parser.add_argument("--warmup", type=int, default=1, help="warm-up generating ticks (default 1)")
    parser.add_argument("--keep", action="store_true",
                        help="reuse the database if already filled with the same sizes; do not drop it")
    parser.add_argument("--json", action="store_true", help="print the results as JSON (progress to stderr)")
    args = parser.parse_args(argv)
    if args.plans < 1 or args.markers % args.plans or args.markers // args.plans < 1:
        parser.error("--markers must be a multiple of --plans")
    if not 1 <= args.deficits <= args.plans:
        parser.error("--deficits must be between 1 and --plans (one short marker per plan)")
    if args.repeat < 1 or args.warmup < 0:
        parser.error("--repeat must be >= 1 and --warmup >= 0")
    result = run_on_bench_database(args, run)
    if args.json:
        print(json.dumps(result, indent=2, default=str))
    else:
        print_table(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
