#!/usr/bin/env python
"""Benchmark: plan generation (a 200-step tree for 1,000 pieces) and the plan-run list over
100,000 plan runs with 1,000,000 jobs.

Run from the project root::

    .venv/bin/python bench/plans.py                  # full size, drops its database at the end
    .venv/bin/python bench/plans.py --keep           # keep (and next time reuse) the filled database
    .venv/bin/python bench/plans.py --keep --plans   # reuse it; print the SQL and EXPLAIN plans
    .venv/bin/python bench/plans.py --runs 10000 --jobs 100000 --repeat 10 --json

It creates its own PostgreSQL database (``--database-url``, default
``postgres://postgres@127.0.0.1:5432/prodtrack_bench_plans``), runs ``migrate``, then:

1. **Generation.** In tenant ``bench-plans-gen`` (empty job queue): 3 locations, 20 printers,
   8 filaments, 41 products in 6 levels, one recipe per product (``plans.services.recipe_create``:
   2–4 made inputs from the next level + 1 filament; the last level only filaments), and two
   plans built through ``production_plan_create`` + ``production_plan_step_add`` (breadth first
   over the recipes' inputs): a 200-step tree and a 20-step tree. Sub-assemblies repeat across
   branches, so identical jobs merge; 20 printers, so parallelism 0 splits every job 20 ways.
   Times ``plans.services.plan_generate(quantity=1000, parallelism=0)`` committed on fresh plan
   runs (deleted again outside the timing), inside a transaction that is rolled back, and
   ``plan_preview`` (computation only); counts its queries (``CaptureQueriesContext``) for the
   200-step tree (parallelism 0 and 1) and the 20-step tree.
2. **Plan-run list.** In tenant ``bench-plans``: the same catalogue, ``--plan-count`` plans (with
   root steps) and, with set-based SQL, ``--runs`` plan runs over two years and ``--jobs`` jobs
   with status mixes that produce every derived status. Checks the derived status of every run
   (``plans.selectors.with_job_summary``) against plain SQL, then measures ``GET
   /api/v1/plans/runs`` (page 1 and a deep page) and ``GET /api/v1/plans/{id}/runs`` in process
   (DRF ``APIClient`` + ``force_authenticate``) beside the ``EXPLAIN (ANALYZE)`` time of the
   queries they run (also with ``TIMING OFF``, and the JIT share), and alternative shapes of the
   same page (the summary as a LATERAL join or one JSON subquery, the page's ids first, a
   separate GROUP BY, ``jit = off``), each checked to return the same rows. Without the
   endpoint it measures ``plans.selectors.plan_run_list`` + DRF pagination + the app's
   ``PlanRunOutput`` (or a serializer defined here), and says so. Also times ``plan_generate``
   of the 200-step tree in this tenant (its workstation-load query reads the job queue).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
# ``python bench/plans.py`` puts bench/ first on sys.path, where this file would shadow the
# Django app ``plans``: drop it, and import the project from its root instead.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench._common import (  # noqa: E402
    classify_sql,
    create_indexes,
    drop_secondary_indexes,
    explain,
    explain_series,
    kind_counts,
    loadavg,
    log,
    run_on_bench_database,
    skip_fk_triggers,
    sql_profile,
    time_calls,
)

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/prodtrack_bench_plans"
GEN_SLUG, GEN_CODE = "bench-plans-gen", "BENCHGEN"
LIST_SLUG, LIST_CODE = "bench-plans", "BENCHPL"
RUNS_API = "/api/v1/plans/runs"
PLAN_RUNS_API = "/api/v1/plans/{id}/runs"
FLOOR_PATH = "/api/v1/locations"
N_PRINTERS, N_FILAMENTS = 20, 8
LEVELS = (1, 4, 6, 8, 10, 12)        # products per level of the product graph (41 in all)
TREE_BIG, TREE_SMALL = 200, 20       # steps of the two generation plans
QUANTITY = 1000
PAGE_SIZE = 20
TREE_NAME = "Bench tree {n} steps"
PLAN_PREFIX = "Plan "                # the SQL-filled plans of the list tenant
STATUSES = ("pending", "in_progress", "completed")


# --- master data and plans through the services -------------------------------------------------

def make_tenant(slug: str, code: str):
    from prodtrack.models import Membership, Role, Tenant, User
    tenant = Tenant.objects.create(name=f"Bench {slug}", slug=slug, short_code=code)
    users = []
    for suffix, role in (("", Role.MANAGER), ("-operator", Role.OPERATOR), ("-viewer", Role.VIEWER)):
        user = User.objects.create_user(username=f"{slug}{suffix}", password=None)
        Membership.objects.create(user=user, tenant=tenant, role=role)
        users.append(user)
    return tenant, users


def catalogue(tenant) -> dict:
    """Locations, 20 printers, 8 filaments, 41 products in ``LEVELS`` and one recipe per product.

    Master data with the ORM; the recipes through ``plans.services.recipe_create``. A product of
    level d < 5 takes 2–4 products of level d + 1 (1 or 2 pieces each) and one filament; a product
    of the last level takes two filaments. Output per run: 1 piece (levels 0–1), 2 (level 2), 4.
    """
    from inventory.models import ItemType, Location, Workstation
    from plans.services import InputSpec, recipe_create

    room = Location.objects.create(tenant=tenant, name="Print room", kind=Location.Kind.PRODUCTION)
    Location.objects.create(tenant=tenant, name="Warehouse", kind=Location.Kind.WAREHOUSE)
    Location.objects.create(tenant=tenant, name="Shop", kind=Location.Kind.SHOP)
    models = ["Prusa MK4", "Prusa XL", "Bambu X1C", "Bambu P1S"]
    Workstation.objects.bulk_create(
        [Workstation(tenant=tenant, name=f"{models[i % 4]} #{i + 1:02d}", location=room, kind=Workstation.Kind.PRINTER,
                     activities=["printing"], model_name=models[i % 4]) for i in range(N_PRINTERS)])
    polymers = ["PLA", "PETG", "ASA", "TPU"]
    filaments = ItemType.objects.bulk_create(
        [ItemType(tenant=tenant, name=f"{polymers[i % 4]} {['Black', 'White', 'Orange', 'Blue'][i // 2 % 4]} {i + 1}",
                  sku=f"BENCH-FIL-{i + 1:02d}", kind=ItemType.Kind.MATERIAL, unit=ItemType.Unit.GRAMS,
                  unit_cost=Decimal("0.0200") + Decimal("0.0035") * i, material=polymers[i % 4])
         for i in range(N_FILAMENTS)])
    names = ["Desk organiser kit", "Frame", "Drawer", "Lid", "Hinge", "Bracket", "Clip", "Knob", "Spacer", "Rail",
             "Pin", "Insert"]
    levels = []
    for depth, size in enumerate(LEVELS):
        levels.append(ItemType.objects.bulk_create(
            [ItemType(tenant=tenant, name=f"{names[(depth * 3 + i) % len(names)]} L{depth}-{i + 1:02d}",
                      sku=f"BENCH-P{depth}-{i + 1:02d}", kind=ItemType.Kind.PRODUCT, unit=ItemType.Unit.PIECES,
                      unit_cost=Decimal("0.40") + Decimal("0.35") * ((i + depth) % 7))
             for i in range(size)]))
    recipes = {}
    for depth, products in enumerate(levels):
        for i, product in enumerate(products):
            inputs = []
            if depth < len(LEVELS) - 1:
                nxt = levels[depth + 1]
                start = (i * 3 + depth) % len(nxt)
                for j in range(2 + (i + depth) % 3):
                    inputs.append(InputSpec(item_type=nxt[(start + j) % len(nxt)], quantity=Decimal(1 + (i + j) % 2)))
                inputs.append(InputSpec(item_type=filaments[(i + 2 * depth) % N_FILAMENTS],
                                        quantity=Decimal(f"{15 + (i * 7 + depth * 11) % 60}.5")))
            else:
                for j in (0, 3):
                    inputs.append(InputSpec(item_type=filaments[(i + j) % N_FILAMENTS],
                                            quantity=Decimal(f"{8 + (i * 5 + j) % 40}.25")))
            recipes[product.pk] = recipe_create(
                tenant=tenant, name=f"Print {product.name}", product=product, inputs=inputs,
                output_quantity=1 if depth <= 1 else (2 if depth == 2 else 4),
                duration_s=1800 + 900 * ((i + depth) % 6))
    return {"room": room, "levels": levels, "filaments": filaments, "recipes": recipes}


def material_efficiency(product) -> Decimal:
    """The same ME for every step of a product (0, 5 or 10 %), so its jobs merge across branches."""
    return Decimal(5 * (product.pk % 3))


def build_tree_plan(tenant, cat: dict, n_steps: int):
    """A plan of ``levels[0][0]`` with ``n_steps`` steps, through ``production_plan_create`` and
    ``production_plan_step_add``: breadth first, every product input of a step's recipe becomes a
    child step (a repeated sub-assembly becomes a step in every branch) until ``n_steps``; the
    inputs left over are bought."""
    from collections import deque

    from plans.models import RecipeInput
    from plans.services import production_plan_create, production_plan_step_add

    root_product = cat["levels"][0][0]
    plan = production_plan_create(tenant=tenant, name=TREE_NAME.format(n=n_steps), product=root_product,
                                  root={"location": cat["room"]})
    root = plan.steps.get(parent__isnull=True)
    product_ids = {p.pk for level in cat["levels"] for p in level}
    queue, count = deque([root]), 1
    while queue and count < n_steps:
        step = queue.popleft()
        for line in RecipeInput.objects.filter(recipe_id=step.recipe_id).select_related("item_type").order_by("id"):
            if count >= n_steps:
                break
            if line.item_type_id not in product_ids:
                continue
            child = production_plan_step_add(parent=step, product=line.item_type,
                                             data={"material_efficiency": material_efficiency(line.item_type)})
            queue.append(child)
            count += 1
    return plan


def tree_stats(plan) -> dict:
    from django.db import connection
    with connection.cursor() as cursor:
        cursor.execute("""
            WITH RECURSIVE t AS (
                SELECT id, product_id, 0 AS depth FROM plans_productionplanstep WHERE plan_id = %s AND parent_id IS NULL
                UNION ALL
                SELECT s.id, s.product_id, t.depth + 1 FROM plans_productionplanstep AS s JOIN t ON s.parent_id = t.id)
            SELECT count(*), count(DISTINCT product_id), max(depth) FROM t
        """, [plan.pk])
        steps, products, depth = cursor.fetchone()
    return {"steps": steps, "distinct_products": products, "max_depth": depth}


# --- the list tenant: set-based fill -----------------------------------------------------------

def list_state() -> dict | None:
    from django.db import connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM prodtrack_tenant WHERE slug = %s", [LIST_SLUG])
        row = cursor.fetchone()
        if row is None:
            return None
        tenant_id = row[0]
        cursor.execute("SELECT (SELECT count(*) FROM plans_productionplanrun WHERE tenant_id = %(t)s), "
                       "(SELECT count(*) FROM plans_jobqueueentry WHERE tenant_id = %(t)s), "
                       "(SELECT count(*) FROM plans_productionplan WHERE tenant_id = %(t)s AND name LIKE %(p)s)",
                       {"t": tenant_id, "p": PLAN_PREFIX + "%"})
        runs, jobs, plans = cursor.fetchone()
    return {"tenant_id": tenant_id, "runs": runs, "jobs": jobs, "plans": plans}


def fill_list(args, tenant, users, cat: dict) -> dict[str, float]:
    """Plans with root steps, plan runs and jobs for ``tenant``, with set-based SQL.

    Plan runs: created over two years (ids grow with time), plan chosen as ⌊n·u²⌋ (a few plans
    have thousands of runs, most a few hundred), quantity 1–500, 15 % auto-production (no user).
    Each run gets a category; the newest 3 % are mostly pending or in progress, older ones
    mostly completed: ``empty`` (no jobs → pending), ``planned`` (all planned → pending),
    ``planned_cancelled`` (planned + some cancelled → pending), ``in_progress`` (the deepest jobs
    completed, then one active or planned, the rest planned), ``completed`` (completed, 4 %
    cancelled), ``cancelled`` (all cancelled → completed). Jobs per run: a weight of 1–19, scaled
    so that the total is exactly ``--jobs``; job k of n has depth ⌊4(n−k)/n⌋ (deepest first),
    1–40 runs of one of the tenant's recipes, a printer (10 % unassigned).
    """
    from django.db import connection, transaction

    timings: dict[str, float] = {}
    params = {"t": tenant.pk, "runs": args.runs, "jobs": args.jobs, "n_plans": args.plan_count,
              "prefix": PLAN_PREFIX, "room": cat["room"].pk, "user": users[0].pk, "user2": users[1].pk}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        cursor.execute("SET LOCAL work_mem = '64MB'")
        timings["fk_triggers_skipped"] = skip_fk_triggers(cursor)
        t0 = time.perf_counter()
        cursor.execute("SELECT setseed(0.4242)")
        cursor.execute("""
            INSERT INTO plans_productionplan (tenant_id, name, product_id, notes, transport_enabled,
                                              transport_cost_per_item, created_at)
            SELECT %(t)s, %(prefix)s || lpad(g::text, 3, '0') || ' · ' || it.name, it.id, '', false, 0,
                   now() - interval '800 days' + g * interval '1 hour'
            FROM generate_series(1, %(n_plans)s) AS g
            JOIN (SELECT id, name, row_number() OVER (ORDER BY id) AS no FROM inventory_itemtype
                  WHERE tenant_id = %(t)s AND kind = 'product') AS it
              ON it.no = 1 + (g - 1) %% (SELECT count(*) FROM inventory_itemtype
                                          WHERE tenant_id = %(t)s AND kind = 'product')
            ORDER BY g
        """, params)
        cursor.execute("""
            INSERT INTO plans_productionplanstep (plan_id, parent_id, product_id, recipe_id, material_efficiency,
                                                  time_efficiency, tax_per_run, location_id, workstation_kind)
            SELECT p.id, NULL, p.product_id,
                   (SELECT min(r.id) FROM plans_recipe AS r WHERE r.product_id = p.product_id AND r.is_active),
                   0, 0, 0, %(room)s, ''
            FROM plans_productionplan AS p WHERE p.tenant_id = %(t)s AND p.name LIKE %(prefix)s || '%%'
            ORDER BY p.id
        """, params)
        timings["plans_s"] = time.perf_counter() - t0

        # Staging: one row per plan run with every random choice, numbered in time order.
        t0 = time.perf_counter()
        cursor.execute("""
            CREATE TEMP TABLE bench_prun ON COMMIT DROP AS
            WITH raw AS (
                SELECT g, date_trunc('second', now() - interval '10 minutes' - random() * interval '730 days')
                         AS created_at,
                       random() AS r_plan, random() AS r_cat, random() AS r_w, random() AS r_qty,
                       random() AS r_src, random() AS r_user, random() AS r_done, random() AS r_act
                FROM generate_series(1, %(runs)s) AS g),
            ordered AS (SELECT raw.*, row_number() OVER (ORDER BY created_at, g) AS rn FROM raw),
            categorised AS (
                SELECT ordered.*, 1 + floor(%(n_plans)s * r_plan * r_plan)::int AS plan_no,
                       CASE WHEN rn > %(runs)s * 0.97 THEN
                              CASE WHEN r_cat < 0.05 THEN 'empty' WHEN r_cat < 0.50 THEN 'planned'
                                   WHEN r_cat < 0.55 THEN 'planned_cancelled' WHEN r_cat < 0.90 THEN 'in_progress'
                                   ELSE 'completed' END
                            ELSE
                              CASE WHEN r_cat < 0.02 THEN 'empty' WHEN r_cat < 0.04 THEN 'planned'
                                   WHEN r_cat < 0.05 THEN 'planned_cancelled' WHEN r_cat < 0.07 THEN 'in_progress'
                                   WHEN r_cat < 0.10 THEN 'cancelled' ELSE 'completed' END
                       END AS cat
                FROM ordered),
            weighted AS (
                SELECT categorised.*, CASE WHEN cat = 'empty' THEN 0 ELSE 1 + floor(r_w * 19)::int END AS w
                FROM categorised),
            summed AS (
                SELECT weighted.*, sum(w) OVER (ORDER BY rn) AS cum, sum(w) OVER () AS tot FROM weighted)
            SELECT rn, created_at, plan_no, cat, r_qty, r_src, r_user, r_done, r_act,
                   (floor(cum * %(jobs)s::numeric / tot) - floor((cum - w) * %(jobs)s::numeric / tot))::int AS n_jobs
            FROM summed
        """, params)
        cursor.execute("ANALYZE bench_prun")
        cursor.execute("""
            CREATE TEMP TABLE bench_recipe ON COMMIT DROP AS
            SELECT id, product_id, activity, output_quantity, duration_s, row_number() OVER (ORDER BY id) AS no
            FROM plans_recipe WHERE tenant_id = %(t)s
        """, params)
        cursor.execute("""
            CREATE TEMP TABLE bench_plan ON COMMIT DROP AS
            SELECT p.id, s.id AS root_step_id, row_number() OVER (ORDER BY p.id) AS no
            FROM plans_productionplan AS p
            JOIN plans_productionplanstep AS s ON s.plan_id = p.id AND s.parent_id IS NULL
            WHERE p.tenant_id = %(t)s AND p.name LIKE %(prefix)s || '%%'
        """, params)
        cursor.execute("SELECT count(*) FROM bench_recipe")
        params["n_recipes"] = cursor.fetchone()[0]
        timings["stage_s"] = time.perf_counter() - t0

        # Plan runs with ids taken from the identity sequence up front: id = base + rn − 1.
        t0 = time.perf_counter()
        dropped = [d for table in ("plans_productionplanrun", "plans_jobqueueentry")
                   for d in drop_secondary_indexes(cursor, table)]
        cursor.execute("SELECT nextval(pg_get_serial_sequence('plans_productionplanrun', 'id'))")
        params["base"] = cursor.fetchone()[0]
        cursor.execute("""
            INSERT INTO plans_productionplanrun (id, tenant_id, plan_id, created_by_id, quantity, parallelism, source,
                                                 created_at)
            SELECT %(base)s + b.rn - 1, %(t)s, p.id,
                   CASE WHEN b.r_src < 0.15 THEN NULL WHEN b.r_user < 0.7 THEN %(user)s ELSE %(user2)s END,
                   1 + floor(b.r_qty * b.r_qty * 500)::int, CASE WHEN b.r_user < 0.8 THEN 0 ELSE 4 END,
                   CASE WHEN b.r_src < 0.15 THEN 'auto' ELSE 'manual' END, b.created_at
            FROM bench_prun AS b JOIN bench_plan AS p ON p.no = b.plan_no
            ORDER BY b.rn
        """, params)
        cursor.execute("SELECT setval(pg_get_serial_sequence('plans_productionplanrun', 'id'), %s)",
                       [params["base"] + args.runs - 1])
        timings["runs_insert_s"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        cursor.execute("""
            INSERT INTO plans_jobqueueentry
                (tenant_id, plan_run_id, plan_step_id, recipe_id, product_id, activity, runs, quantity,
                 material_efficiency, time_efficiency, tax_per_run, estimated_cost, estimated_duration_s, location_id,
                 workstation_id, status, depth, sort_order, transport_job_id, created_at)
            SELECT %(t)s, %(base)s + b.rn - 1, p.root_step_id, rc.id, rc.product_id, rc.activity, j.runs,
                   j.runs * rc.output_quantity, 0, 0, 0, round((j.runs * (0.8 + 2.5 * j.r_cost))::numeric, 2),
                   j.runs * rc.duration_s, %(room)s,
                   CASE WHEN j.r_ws < 0.9 THEN ws.ids[1 + floor(j.r_ws / 0.9 * array_length(ws.ids, 1))::int] END,
                   CASE b.cat
                     WHEN 'planned' THEN 'planned'
                     WHEN 'planned_cancelled' THEN CASE WHEN k > 1 AND j.r_x < 0.3 THEN 'cancelled' ELSE 'planned' END
                     WHEN 'in_progress' THEN
                       CASE WHEN k <= floor(b.r_done * b.n_jobs)
                              THEN CASE WHEN j.r_x < 0.05 THEN 'cancelled' ELSE 'completed' END
                            WHEN k = floor(b.r_done * b.n_jobs) + 1 AND (b.r_act < 0.7 OR b.r_done * b.n_jobs < 1)
                              THEN 'active'
                            ELSE 'planned' END
                     WHEN 'completed' THEN CASE WHEN j.r_x < 0.04 THEN 'cancelled' ELSE 'completed' END
                     ELSE 'cancelled' END,
                   (4 * (b.n_jobs - k)) / b.n_jobs, 2 * ((4 * (b.n_jobs - k)) / b.n_jobs), NULL, b.created_at
            FROM bench_prun AS b
            JOIN bench_plan AS p ON p.no = b.plan_no
            CROSS JOIN (SELECT array_agg(id ORDER BY id) AS ids FROM inventory_workstation
                        WHERE tenant_id = %(t)s) AS ws
            CROSS JOIN LATERAL generate_series(1, b.n_jobs) AS k
            CROSS JOIN LATERAL (SELECT 1 + floor(random() * 40 + 0 * k)::int AS runs, random() + 0 * k AS r_ws,
                                       random() + 0 * k AS r_x, random() + 0 * k AS r_cost) AS j
            JOIN bench_recipe AS rc ON rc.no = 1 + (b.plan_no * 7 + k) %% %(n_recipes)s
            ORDER BY b.rn, k
        """, params)
        timings["jobs_insert_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        create_indexes(cursor, dropped)
        timings["indexes_s"] = time.perf_counter() - t0

    # VACUUM sets hint bits and the visibility map (index-only scans), as autovacuum would.
    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        for table in ("plans_productionplanrun", "plans_jobqueueentry", "plans_productionplan",
                      "plans_productionplanstep", "plans_recipe", "plans_recipeinput", "inventory_itemtype",
                      "inventory_workstation", "inventory_location", "prodtrack_user", "prodtrack_membership",
                      "prodtrack_tenant"):
            cursor.execute(f"VACUUM (ANALYZE) {table}")
    timings["vacuum_analyze_s"] = time.perf_counter() - t0
    return {k: round(v, 2) for k, v in timings.items()}


# --- checks -----------------------------------------------------------------------------------

TRUTH_SQL = """
    SELECT r.id, s.total, s.planned, s.active, s.completed, s.cancelled,
           CASE WHEN s.total = 0 THEN 'pending' WHEN s.total = s.completed + s.cancelled THEN 'completed'
                WHEN s.active > 0 OR s.completed > 0 THEN 'in_progress' ELSE 'pending' END AS status
    FROM plans_productionplanrun AS r
    CROSS JOIN LATERAL (
        SELECT count(*) AS total, count(*) FILTER (WHERE j.status = 'planned') AS planned,
               count(*) FILTER (WHERE j.status = 'active') AS active,
               count(*) FILTER (WHERE j.status = 'completed') AS completed,
               count(*) FILTER (WHERE j.status = 'cancelled') AS cancelled
        FROM plans_jobqueueentry AS j WHERE j.plan_run_id = r.id) AS s
    WHERE r.tenant_id = %s
"""


def check_statuses(tenant) -> dict:
    """The derived status of every run: plain SQL (LATERAL counts) against the selector's
    annotation, per status and per run; and how the statuses arise (every one must occur)."""
    from django.db import connection

    from plans.models import ProductionPlanRun
    from plans.selectors import with_job_summary

    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(TRUTH_SQL, [tenant.pk])
        truth = {row[0]: row[1:] for row in cursor.fetchall()}
    truth_ms = (time.perf_counter() - t0) * 1000
    t0 = time.perf_counter()
    selector = {row[0]: row[1:] for row in with_job_summary(ProductionPlanRun.objects.filter(tenant=tenant))
                .order_by().values_list("pk", "job_total", "job_planned", "job_active", "job_completed",
                                        "job_cancelled", "status").iterator(chunk_size=5000)}
    selector_ms = (time.perf_counter() - t0) * 1000
    mismatches = [pk for pk, row in truth.items() if tuple(selector.get(pk, ())) != tuple(row)]
    by_status = {s: 0 for s in STATUSES}
    ways = {"pending: no jobs": 0, "pending: all planned": 0, "pending: planned + cancelled": 0,
            "in_progress: with an active job": 0, "in_progress: completed + planned, none active": 0,
            "completed: all completed": 0, "completed: completed + cancelled": 0, "completed: all cancelled": 0}
    for total, planned, active, completed, cancelled, status in truth.values():
        by_status[status] += 1
        if status == "pending":
            ways["pending: no jobs" if total == 0 else "pending: all planned" if planned == total
                 else "pending: planned + cancelled"] += 1
        elif status == "in_progress":
            ways["in_progress: with an active job" if active else "in_progress: completed + planned, none active"] += 1
        else:
            ways["completed: all completed" if completed == total else "completed: all cancelled" if cancelled == total
                 else "completed: completed + cancelled"] += 1
    return {"runs": len(truth), "mismatches": len(mismatches), "examples": mismatches[:5], "by_status": by_status,
            "ways": ways, "every_way_occurs": all(ways.values()), "truth_sql_ms": round(truth_ms, 1),
            "selector_all_runs_ms": round(selector_ms, 1), "truth": truth}


# --- measurement helpers ---------------------------------------------------------------------

def captured(call) -> tuple[object, list[dict]]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    with CaptureQueriesContext(connection) as ctx:
        value = call()
    return value, [{"sql": q["sql"], "time_ms": round(float(q["time"]) * 1000, 3)} for q in ctx.captured_queries]


def compose(queryset) -> str:
    """The SQL of ``queryset`` with its parameters inlined, as Django would send it."""
    from django.db import connection
    sql, params = queryset.query.sql_with_params()
    return connection.ops.compose_sql(sql, params)


def _ratio(a: float, b: float) -> float | None:
    return round(a / b, 1) if b else None


# --- 1. generation ----------------------------------------------------------------------------

def measure_generation(args, tenant, user, plans: dict[int, object], label: str, *, full: bool) -> dict:
    """``plan_generate`` of ``plans[TREE_BIG]`` for ``QUANTITY`` pieces: committed on fresh plan runs
    (deleted after each call, outside the timing), in a rolled-back transaction, compute only; the
    queries of one call for each tree and parallelism."""
    from django.db import transaction

    from plans import services
    from plans.models import JobQueueEntry, ProductionPlanRun, TransportJob

    def cleanup(result) -> None:
        JobQueueEntry.objects.filter(plan_run_id=result.run.pk).delete()
        TransportJob.objects.filter(plan_run_id=result.run.pk).delete()
        ProductionPlanRun.objects.filter(pk=result.run.pk).delete()

    def generate(plan, parallelism=0):
        return lambda: services.plan_generate(plan=plan, by=user, quantity=QUANTITY, parallelism=parallelism)

    def rolled_back(plan):
        def call():
            with transaction.atomic():
                result = services.plan_generate(plan=plan, by=user, quantity=QUANTITY, parallelism=0)
                transaction.set_rollback(True)
            return result
        return call

    big = plans[TREE_BIG]
    out: dict = {"label": label, "tenant": tenant.slug, "queued_jobs": JobQueueEntry.objects.filter(
        tenant=tenant, status__in=["planned", "active"], workstation__isnull=False).count()}
    out["timings"] = {"committed": time_calls(generate(big), args.gen_repeat, args.gen_warmup, after=cleanup)}
    if full:
        out["timings"]["rolled_back"] = time_calls(rolled_back(big), args.gen_repeat, args.gen_warmup)
        out["timings"]["preview"] = time_calls(
            lambda: services.plan_preview(plan=big, quantity=QUANTITY, parallelism=0), args.gen_repeat, args.gen_warmup)
        out["timings"]["small_committed"] = time_calls(generate(plans[TREE_SMALL]), args.gen_repeat, args.gen_warmup,
                                                       after=cleanup)
    variants = [(TREE_BIG, 0)] + ([(TREE_BIG, 1), (TREE_SMALL, 0)] if full else [])
    out["calls"] = {}
    for n_steps, parallelism in variants:
        result, queries = captured(generate(plans[n_steps], parallelism))
        generation = result.generation
        merged = len({job.key for job in generation.jobs})
        sql = [q["sql"] for q in queries]
        out["calls"][f"{n_steps} steps, parallelism {parallelism}"] = {
            **tree_stats(plans[n_steps]), "parallelism": parallelism, "jobs": len(result.jobs), "merged_jobs": merged,
            "transport_jobs": len(result.transport_jobs), "skipped": len(generation.skipped),
            "materials": len(generation.materials), "query_count": len(queries), "kinds": kind_counts(sql),
            "sql_client_ms": round(sum(q["time_ms"] for q in queries), 2),
            "queries": [{"kind": classify_sql(q["sql"]), "time_ms": q["time_ms"], "chars": len(q["sql"]),
                         "sql": q["sql"] if len(q["sql"]) < 3000 else q["sql"][:3000] + " …"} for q in queries]}
        if n_steps == TREE_BIG and parallelism == 0:
            # The read queries of generation, under EXPLAIN ANALYZE (the writes are bulk INSERTs).
            reads = [q for q in sql if q.lstrip().lower().startswith("select")]
            out["reads_profile"] = sql_profile(reads, max(5, min(args.repeat, 20)), 2)
            # The workstation-load query (SUM of runs of the open jobs per workstation) with a
            # partial covering index, created in a transaction that is rolled back.
            load = [q for q in reads if classify_sql(q) == "select plans_jobqueueentry" and "SUM(" in q]
            if load:
                out["load_query_partial_index"] = {"index": OPEN_JOBS_INDEX, **explain_series_with(
                    [OPEN_JOBS_INDEX], load[0], max(5, min(args.repeat, 20)), 2, plan_text=True)}
        cleanup(result)
    return out


OPEN_JOBS_INDEX = ("CREATE INDEX bench_open_jobs ON plans_jobqueueentry (tenant_id, workstation_id) INCLUDE (runs) "
                   "WHERE status IN ('planned', 'active')")


# --- 2. the plan-run list ----------------------------------------------------------------------

def lateral_summary(alias: str = "r") -> str:
    return f"""CROSS JOIN LATERAL (
        SELECT count(*) AS job_total, count(*) FILTER (WHERE j.status = 'planned') AS job_planned,
               count(*) FILTER (WHERE j.status = 'active') AS job_active,
               count(*) FILTER (WHERE j.status = 'completed') AS job_completed,
               count(*) FILTER (WHERE j.status = 'cancelled') AS job_cancelled
        FROM plans_jobqueueentry AS j WHERE j.plan_run_id = {alias}.id) AS s"""


STATUS_SQL = ("CASE WHEN s.job_total = 0 THEN 'pending' WHEN s.job_total = s.job_completed + s.job_cancelled "
              "THEN 'completed' WHEN s.job_active > 0 OR s.job_completed > 0 THEN 'in_progress' ELSE 'pending' END "
              "AS status")
JOINS = ("JOIN plans_productionplan AS p ON p.id = r.plan_id JOIN inventory_itemtype AS it ON it.id = p.product_id "
         "LEFT JOIN prodtrack_user AS u ON u.id = r.created_by_id")


def json_summary():
    """One correlated subquery per run returning the whole summary as a JSON object (ORM:
    ``JSONObject`` of ``Count(filter=…)``): one index-only scan per run instead of 4–20; the
    status would then be derived in Python from the counts. It counts ``status`` (Django refuses
    ``Count("*", filter=…)``), not ``id``: the ``(plan_run_id, status)`` index then answers it
    alone (index-only scan, no heap visits)."""
    from django.db.models import Count, JSONField, OuterRef, Q, Subquery
    from django.db.models.functions import JSONObject

    from plans.models import JobQueueEntry
    counts = {s: Count("status", filter=Q(status=s)) for s in ("planned", "active", "completed", "cancelled")}
    jobs = (JobQueueEntry.objects.filter(plan_run=OuterRef("pk")).order_by().values("plan_run")
            .annotate(summary=JSONObject(total=Count("status"), **counts)).values("summary"))
    return Subquery(jobs, output_field=JSONField())


def count_star(status: str):
    """Like ``plans.selectors._job_count`` but ``COUNT(*)`` instead of ``COUNT(id)`` (``id`` is not
    in the ``(plan_run_id, status)`` index, so counting it visits the heap for every job)."""
    from django.db.models import Count, OuterRef, Subquery
    from django.db.models.functions import Coalesce

    from plans.models import JobQueueEntry
    jobs = (JobQueueEntry.objects.filter(plan_run=OuterRef("pk"), status=status).order_by().values("plan_run")
            .annotate(n=Count("*")).values("n"))
    return Coalesce(Subquery(jobs), 0)


def alternative_queries(tenant, offset: int, plan=None) -> dict[str, dict]:
    """Other shapes of the same page (same rows; all columns of run, plan, product and user, as
    ``select_related`` loads them), for EXPLAIN ANALYZE beside the shipped query. ``qs`` is set
    for the shapes the ORM can express."""
    from django.db.models import Subquery

    from plans.models import ProductionPlanRun
    from plans.selectors import _job_count, with_job_summary

    where = f"r.tenant_id = {int(tenant.pk)}" + (f" AND r.plan_id = {int(plan.pk)}" if plan is not None else "")
    order = "ORDER BY r.created_at DESC, r.id DESC"
    limit = f"LIMIT {PAGE_SIZE} OFFSET {int(offset)}"
    base = ProductionPlanRun.objects.filter(tenant=tenant, **({"plan": plan} if plan is not None else {}))
    related = ("plan__product", "created_by")
    page_ids = base.order_by("-created_at", "-id").values("pk")[offset:offset + PAGE_SIZE]
    deferred = ProductionPlanRun.objects.filter(pk__in=Subquery(page_ids)).select_related(*related).order_by(
        "-created_at", "-id")
    four = {f"job_{s}": _job_count(s) for s in ("planned", "active", "completed", "cancelled")}
    four_star = {f"job_{s}": count_star(s) for s in ("planned", "active", "completed", "cancelled")}
    shapes = {
        "four_counts": {
            "note": "ORM: the 4 per-status correlated counts only (total and status derived in Python): "
                    "4 subqueries per row instead of up to 20",
            "qs": base.select_related(*related).order_by("-created_at", "-id").annotate(**four)
            [offset:offset + PAGE_SIZE]},
        "four_counts_star": {
            "note": "ORM: as four_counts with Count('*') instead of Count('pk'): index-only scans of "
                    "(plan_run_id, status), no heap visits",
            "qs": base.select_related(*related).order_by("-created_at", "-id").annotate(**four_star)
            [offset:offset + PAGE_SIZE]},
        "json_subquery": {
            "note": "ORM: one correlated subquery per row returning {total, planned, active, completed, "
                    "cancelled} as JSON (count(*) FILTER …)",
            "qs": base.select_related(*related).order_by("-created_at", "-id").annotate(
                job_summary_json=json_summary())[offset:offset + PAGE_SIZE]},
        "lateral": {
            "note": "raw SQL: one LATERAL subquery with count(*) FILTER per status, status in SQL",
            "sql": f"SELECT r.*, p.*, it.*, u.*, s.*, {STATUS_SQL} FROM plans_productionplanrun AS r {JOINS} "
                   f"{lateral_summary()} WHERE {where} {order} {limit}"},
        "deferred_lateral": {
            "note": "raw SQL: the page's ids first (index-only scan with OFFSET), then joins + LATERAL "
                    "summary for those 20 rows",
            "sql": f"WITH page AS (SELECT r.id, r.created_at FROM plans_productionplanrun AS r WHERE {where} {order} "
                   f"{limit}) SELECT r.*, p.*, it.*, u.*, s.*, {STATUS_SQL} FROM page "
                   f"JOIN plans_productionplanrun AS r ON r.id = page.id {JOINS} {lateral_summary()} "
                   "ORDER BY page.created_at DESC, page.id DESC"},
        "deferred_correlated": {
            "note": "ORM: with_job_summary(…filter(pk__in=<the page's ids, a sliced subquery>)): the shipped "
                    "annotations, evaluated for 20 rows only",
            "qs": with_job_summary(deferred)},
        "deferred_json": {
            "note": "ORM: the page's ids as a sliced subquery + the JSON summary subquery",
            "qs": deferred.annotate(job_summary_json=json_summary())},
        "page_without_summary": {
            "note": "the page as shipped minus the job summary (first query of a 2-query shape)",
            "qs": base.select_related(*related).order_by("-created_at", "-id")[offset:offset + PAGE_SIZE]},
    }
    for shape in shapes.values():
        if "qs" in shape:
            shape["sql"] = compose(shape["qs"])
    return shapes


def check_shape(name: str, shape: dict, ids: list[int], truth: dict) -> None:
    """An alternative shape returns the page's runs in order, with the right summary and status."""
    from django.db import connection
    if "qs" in shape:
        rows = list(shape["qs"])
        assert [r.pk for r in rows] == ids, (name, [r.pk for r in rows][:3], ids[:3])
        for r in rows:
            want = truth[r.pk]
            if hasattr(r, "job_summary_json"):
                got = r.job_summary_json or {"total": 0, "planned": 0, "active": 0, "completed": 0, "cancelled": 0}
                got = (got["total"], got["planned"], got["active"], got["completed"], got["cancelled"])
                assert got == want[:5], (name, r.pk, got, want)
            elif hasattr(r, "job_planned"):
                got = (r.job_planned, r.job_active, r.job_completed, r.job_cancelled)
                assert got == want[1:5], (name, r.pk, got, want)
                if hasattr(r, "status"):
                    assert r.status == want[5], (name, r.pk, r.status, want)
        return
    with connection.cursor() as cursor:
        cursor.execute(shape["sql"])
        rows = cursor.fetchall()
    assert [r[0] for r in rows] == ids, (name, [r[0] for r in rows][:3], ids[:3])
    assert all(r[-1] == truth[r[0]][5] for r in rows), name


def explain_series_with(setup: list[str], sql: str, repeat: int, warmup: int, *, plan_text: bool = False) -> dict:
    """``explain_series`` after ``setup`` statements (``SET LOCAL …``, ``CREATE INDEX …``) in a
    transaction that is rolled back."""
    from django.db import connection, transaction
    with transaction.atomic(), connection.cursor() as cursor:
        for statement in setup:
            cursor.execute(statement)
        result = explain_series(sql, repeat, warmup)
        if plan_text:
            result["plan"] = explain(sql, plan_text=True)["plan"]
        transaction.set_rollback(True)
    return result


def group_by_sql(ids: list[int]) -> str:
    return ("SELECT plan_run_id, status, count(*) FROM plans_jobqueueentry WHERE plan_run_id IN ("
            + ", ".join(str(int(i)) for i in ids) + ") GROUP BY plan_run_id, status")


class _Fallback:
    """``plans.selectors.plan_run_list`` + DRF's PageNumberPagination + ``plans.serializers.PlanRunOutput``
    (or, before it exists, a serializer defined here with the fields a plan-run list shows),
    rendered to JSON: the endpoint minus routing, middleware, authentication and tenant lookup.
    Measured beside the endpoint, and instead of it when ``/api/v1/plans/runs`` does not exist."""

    def __init__(self, tenant):
        from rest_framework import serializers
        from rest_framework.renderers import JSONRenderer
        from rest_framework.test import APIRequestFactory

        self.tenant, self.factory, self.renderer = tenant, APIRequestFactory(), JSONRenderer()
        try:  # the app's own serializer once the API exists
            from plans.serializers import PlanRunOutput as AppOutput
            self.output, self.serializer = AppOutput, "plans.serializers.PlanRunOutput"
            return
        except ImportError:
            self.serializer = "a serializer defined in bench/plans.py"

        class JobSummary(serializers.Serializer):
            total = serializers.IntegerField(source="job_total")
            planned = serializers.IntegerField(source="job_planned")
            active = serializers.IntegerField(source="job_active")
            completed = serializers.IntegerField(source="job_completed")
            cancelled = serializers.IntegerField(source="job_cancelled")

        class PlanRunOutput(serializers.Serializer):
            id = serializers.IntegerField()
            plan_id = serializers.IntegerField()
            plan_name = serializers.CharField(source="plan.name")
            product = serializers.SerializerMethodField()
            quantity = serializers.IntegerField()
            parallelism = serializers.IntegerField()
            source = serializers.CharField()
            created_by = serializers.CharField(source="created_by.username", default=None)
            created_at = serializers.DateTimeField()
            status = serializers.CharField()
            job_summary = JobSummary(source="*")

            def get_product(self, run):
                return {"id": run.plan.product_id, "name": run.plan.product.name, "sku": run.plan.product.sku}

        self.output = PlanRunOutput

    def get(self, path: str, params: dict, plan=None):
        from rest_framework.request import Request

        from plans.selectors import plan_run_list
        from prodtrack.pagination import PageNumberPagination  # the API's paginator

        request = Request(self.factory.get(path, params))
        filters = request.query_params.copy()
        filters.pop("page", None)
        qs = plan_run_list(tenant=self.tenant, plan=plan, filters=filters)
        paginator = PageNumberPagination()
        rows = paginator.paginate_queryset(qs, request)
        data = paginator.get_paginated_response(self.output(rows, many=True).data).data
        return json.loads(self.renderer.render(data))


def find_status_fields(row: dict) -> tuple[str | None, dict | None]:
    """The status and the job summary of an API row, whatever the exact field names."""
    status = row.get("status")
    summary = row.get("job_summary") or row.get("jobs") or row.get("summary")
    if isinstance(summary, dict):
        return status, summary
    keys = {k[len("job_"):]: v for k, v in row.items() if k.startswith("job_")}
    return status, keys or None


class ListCase(NamedTuple):
    """One measured page of a plan-run list: the request, the plan the list is scoped to (None for
    all the tenant's runs), the page and the number of runs the list counts."""
    name: str
    path: str
    params: dict
    plan: object | None
    page: int
    expected_count: int


class ListRequests:
    """The list tenant's pages, requested through the endpoint (DRF ``APIClient`` +
    ``force_authenticate`` as its viewer) or, when ``endpoint`` is False, through ``_Fallback``."""

    def __init__(self, tenant, endpoint: bool):
        from rest_framework.test import APIClient

        from prodtrack.models import User

        user = User.objects.get(username=f"{LIST_SLUG}-viewer")
        self.client = APIClient()
        self.client.force_authenticate(user=user)
        self.fallback = _Fallback(tenant)
        self.endpoint = endpoint

    def api_get(self, path: str, params: dict) -> dict:
        """The JSON body of ``GET path?params``; SystemExit unless 200."""
        response = self.client.get(path, params)
        if response.status_code != 200:
            raise SystemExit(f"GET {path} {params}: {response.status_code} {response.content[:400]!r}")
        return response.json()

    def call(self, case: ListCase):
        """A call that requests ``case``'s page and returns its JSON body."""
        if self.endpoint:
            return lambda: self.api_get(case.path, case.params)
        return lambda: self.fallback.get(case.path, case.params, case.plan)


def measure_floor(args, requests: ListRequests) -> dict:
    """``GET /api/v1/locations?page_size=1``: the framework floor, and its number of queries."""
    floor = time_calls(lambda: requests.api_get(FLOOR_PATH, {"page_size": 1}), args.repeat, args.warmup)
    _, floor_sql = captured(lambda: requests.api_get(FLOOR_PATH, {"page_size": 1}))
    log(args, f"floor: p50 {floor['p50']} ms, {len(floor_sql)} queries")
    return {"label": f"GET {FLOOR_PATH}?page_size=1 (framework floor, 3 locations)",
            "endpoint_ms": floor, "query_count": len(floor_sql)}


def list_cases(tenant, truth: dict, deep_page: int) -> tuple[list[ListCase], dict]:
    """Page 1 and page ``deep_page`` (at most the last) of all runs; page 1 and the last page of the
    plan with the most runs; page 1 of the plan with the median number. Also those two plans as
    ``[id, runs]`` and the number of plans with runs."""
    from django.db import connection

    from plans.models import ProductionPlan

    with connection.cursor() as cursor:
        cursor.execute("SELECT plan_id, count(*) FROM plans_productionplanrun WHERE tenant_id = %s GROUP BY 1 "
                       "ORDER BY 2 DESC, 1", [tenant.pk])
        per_plan = cursor.fetchall()
    big_plan_id, big_plan_runs = per_plan[0]
    mid_plan_id, mid_plan_runs = per_plan[len(per_plan) // 2]
    big_plan = ProductionPlan.objects.get(pk=big_plan_id)
    mid_plan = ProductionPlan.objects.get(pk=mid_plan_id)
    n_runs = len(truth)
    deep = min(deep_page, max(1, -(-n_runs // PAGE_SIZE)))
    big_last = max(1, -(-big_plan_runs // PAGE_SIZE))
    cases = [
        ListCase("all_page1", RUNS_API, {}, None, 1, n_runs),
        ListCase("all_deep", RUNS_API, {"page": deep}, None, deep, n_runs),
        ListCase("plan_big_page1", PLAN_RUNS_API.format(id=big_plan_id), {}, big_plan, 1, big_plan_runs),
        ListCase("plan_big_last", PLAN_RUNS_API.format(id=big_plan_id), {"page": big_last}, big_plan, big_last,
                 big_plan_runs),
        ListCase("plan_mid_page1", PLAN_RUNS_API.format(id=mid_plan_id), {}, mid_plan, 1, mid_plan_runs),
    ]
    plans_runs = {"biggest": [big_plan_id, big_plan_runs], "median": [mid_plan_id, mid_plan_runs],
                  "plans_with_runs": len(per_plan)}
    return cases, plans_runs


def page_ids(tenant, case: ListCase) -> list[int]:
    """The ids ``case``'s page must list, newest first."""
    from plans.models import ProductionPlanRun

    base = ProductionPlanRun.objects.filter(tenant=tenant, **({"plan": case.plan} if case.plan else {}))
    return list(base.order_by("-created_at", "-id").values_list("pk", flat=True)
                [(case.page - 1) * PAGE_SIZE:case.page * PAGE_SIZE])


def check_list_page(case: ListCase, body: dict, ids: list[int], truth: dict) -> int:
    """The page is right: its count, its runs in order, and each row's status and job summary
    against ``truth`` (AssertionError otherwise). Returns the number of rows whose summary was checked."""
    assert body["count"] == case.expected_count, (case.name, body["count"], case.expected_count)
    assert [r["id"] for r in body["results"]] == ids, (case.name, [r["id"] for r in body["results"]][:3], ids[:3])
    checked = 0
    for row in body["results"]:
        status, summary = find_status_fields(row)
        total, planned, active, completed, cancelled, truth_status = truth[row["id"]]
        if status is not None:
            assert status == truth_status, (case.name, row["id"], status, truth_status)
        if summary:
            want = {"total": total, "planned": planned, "active": active, "completed": completed,
                    "cancelled": cancelled}
            shown = {k: summary[k] for k in want if k in summary}
            assert shown == {k: want[k] for k in shown}, (case.name, row["id"], summary, want)
            checked += 1
    return checked


def list_alternatives(tenant, case: ListCase, page_q: list[dict], ids: list[int], truth: dict, n_sql: int,
                      sql_repeat: int) -> dict:
    """EXPLAIN ANALYZE of other ways to get ``case``'s page, each checked against ``truth`` first: the
    shipped page SQL without JIT, the alternative shapes, a GROUP BY over the page's ids and a
    capped count."""
    alternatives = {}
    if page_q:
        alternatives["shipped_jit_off"] = {
            "note": "the shipped page SQL with SET LOCAL jit = off", "sql": page_q[0]["sql"],
            **explain_series_with(["SET LOCAL jit = off"], page_q[0]["sql"], n_sql, 1)}
    for alt_name, alt in alternative_queries(tenant, (case.page - 1) * PAGE_SIZE, case.plan).items():
        check_shape(alt_name, alt, ids, truth)
        slow = alt_name in ("lateral", "four_counts", "four_counts_star", "json_subquery", "page_without_summary")
        alternatives[alt_name] = {"note": alt["note"], "sql": alt["sql"],
                                  **explain_series(alt["sql"], n_sql if slow else sql_repeat, 1 if slow else 2)}
    gb = group_by_sql(ids or [0])
    alternatives["group_by_for_page"] = {"note": "one GROUP BY plan_run_id, status over the page's 20 ids "
                                                 "(second query of a 2-query shape)",
                                         "sql": gb, **explain_series(gb, sql_repeat, 2)}
    capped = (f"SELECT count(*) FROM (SELECT 1 FROM plans_productionplanrun WHERE tenant_id = {int(tenant.pk)}"
              + (f" AND plan_id = {int(case.plan.pk)}" if case.plan else "") + " LIMIT 1001) AS capped")
    alternatives["capped_count"] = {"note": "count capped at 1,001 (shown as 1,000+)", "sql": capped,
                                    **explain_series(capped, sql_repeat, 2)}
    return alternatives


def measure_list_case(args, requests: ListRequests, tenant, truth: dict, case: ListCase, sql_repeat: int) -> dict:
    """One page, checked first: its timing, its queries and their profile, its page and count SQL
    (also with ``TIMING OFF``), the ratios of the request to that SQL, and the alternatives."""
    call = requests.call(case)
    t_first = time.perf_counter()
    body = call()
    t_first = (time.perf_counter() - t_first) * 1000
    # A slow case (the shipped deep page takes seconds) gets fewer repetitions: at most about
    # --case-budget seconds of requests, and never fewer than 5.
    n_rep = max(5, min(args.repeat, int(args.case_budget * 1000 / max(t_first, 0.001))))
    n_warm = args.warmup if n_rep == args.repeat else 1
    n_sql = max(3, min(sql_repeat, int(args.case_budget * 500 / max(t_first, 0.001))))
    ids = page_ids(tenant, case)
    checked = check_list_page(case, body, ids, truth)
    label = (f"GET {case.path}" + (f"?page={case.page}" if case.page > 1 else "")
             + ("" if requests.endpoint else " [selector + DRF, no endpoint]"))
    log(args, f"timing {label} …")
    timing = time_calls(call, n_rep, n_warm)
    _, queries = captured(call)
    sql = [q["sql"] for q in queries]
    profile = sql_profile(sql, n_sql, 1 if n_sql < sql_repeat else 2)
    page_q = [q for q in profile["queries"] if q["kind"].startswith("select plans_productionplanrun")]
    count_q = [q for q in profile["queries"] if q["kind"].startswith("count plans_productionplanrun")]
    page_count = sum(q["execution"]["p50"] for q in page_q + count_q)
    m = {"label": label, "via_endpoint": requests.endpoint, "page": case.page, "count": body["count"],
         "repeat": n_rep, "warmup": n_warm, "sql_repeat": n_sql, "first_call_ms": round(t_first, 1),
         "rows_checked": checked, "endpoint_ms": timing, "query_count": len(sql), "kinds": kind_counts(sql),
         "sql": sql, "profile": profile, "page_exec_p50": round(sum(q["execution"]["p50"] for q in page_q), 3),
         "count_exec_p50": round(sum(q["execution"]["p50"] for q in count_q), 3),
         "page_count_exec_p50": round(page_count, 3)}
    m["ratio_endpoint_over_page_count_sql"] = _ratio(timing["p50"], page_count)
    m["ratio_endpoint_over_all_sql"] = _ratio(timing["p50"], profile["exec_p50_sum"])
    if page_q:
        m["page_sql_subplans"] = page_q[0]["sql"].count('SELECT COUNT(U0."id")')
    # The page and count SQL without per-node timing (EXPLAIN ANALYZE's clock reads double the
    # time of plans that pass 100,000 rows through a node on this VM), and the page without JIT.
    for q in page_q + count_q:
        q["timing_off"] = explain_series(q["sql"], n_sql, 1, timing=False)
    m["page_count_exec_timing_off_p50"] = round(sum(q["timing_off"]["execution"]["p50"] for q in page_q + count_q),
                                                3)
    m["ratio_endpoint_over_page_count_sql_timing_off"] = _ratio(timing["p50"], m["page_count_exec_timing_off_p50"])
    m["alternatives"] = list_alternatives(tenant, case, page_q, ids, truth, n_sql, sql_repeat)
    log(args, f"  p50 {timing['p50']} ms ({n_rep} repetitions), page + count SQL {m['page_count_exec_p50']} ms")
    return m


def measure_list(args, tenant, truth: dict, endpoint: bool, result: dict) -> dict:
    """The framework floor, then each ``list_cases`` page (through the endpoint when it exists, else
    the selector + DRF); with the endpoint, the first two pages also through the selector + DRF,
    to show what routing, middleware, authentication and the view add. Records the cases' plans
    in ``result["config"]["plans_runs"]``."""
    requests = ListRequests(tenant, endpoint)
    sql_repeat = max(5, min(args.repeat, 30))
    measurements: dict = {"floor": measure_floor(args, requests)}
    cases, plans_runs = list_cases(tenant, truth, args.deep_page)
    result["config"]["plans_runs"] = plans_runs
    for case in cases:
        measurements[case.name] = measure_list_case(args, requests, tenant, truth, case, sql_repeat)
    if endpoint:
        for case in cases[:2]:
            m = measurements[case.name]
            m["selector_drf_ms"] = time_calls(lambda case=case: requests.fallback.get(case.path, case.params, case.plan),
                                              m["repeat"], m["warmup"])
            m["selector_drf_serializer"] = requests.fallback.serializer
    return measurements


# --- the run ----------------------------------------------------------------------------------

def server_config() -> dict:
    """The PostgreSQL version and settings that matter here, and the CPUs."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT version(), current_setting('shared_buffers'), current_setting('work_mem'), "
                       "current_setting('synchronous_commit')")
        version, shared_buffers, work_mem, sync_commit = cursor.fetchone()
    return {"postgres": version.split(" on ")[0], "shared_buffers": shared_buffers, "work_mem": work_mem,
            "synchronous_commit": sync_commit, "cpus": os.cpu_count()}


def runs_endpoint_exists() -> bool:
    """Whether the plan-run list endpoints resolve in this checkout."""
    from django.urls import Resolver404, resolve

    try:
        resolve(RUNS_API)
        resolve(PLAN_RUNS_API.format(id=1))
        return True
    except Resolver404:
        return False


def run_generation_part(args, result: dict) -> None:
    """Generation in its own tenant (empty job queue): the catalogue and the two tree plans through
    the services, unless already there (``generation_setup_s``), then ``measure_generation``
    (``generation``)."""
    from plans.models import ProductionPlan
    from prodtrack.models import Tenant, User

    gen_tenant = Tenant.objects.filter(slug=GEN_SLUG).first()
    t0 = time.perf_counter()
    if gen_tenant is None:
        log(args, "generation tenant: catalogue and plans through the services …")
        gen_tenant, _ = make_tenant(GEN_SLUG, GEN_CODE)
        cat = catalogue(gen_tenant)
        plans = {n: build_tree_plan(gen_tenant, cat, n) for n in (TREE_BIG, TREE_SMALL)}
        result["generation_setup_s"] = round(time.perf_counter() - t0, 2)
    else:
        plans = {n: ProductionPlan.objects.get(tenant=gen_tenant, name=TREE_NAME.format(n=n))
                 for n in (TREE_BIG, TREE_SMALL)}
    user = User.objects.get(username=GEN_SLUG)
    log(args, f"timing plan_generate ({TREE_BIG}-step tree, {QUANTITY} pieces) …")
    result["generation"] = measure_generation(args, gen_tenant, user, plans, "empty job queue", full=True)


def fill_list_tenant(args, result: dict) -> None:
    """Fill the list tenant (master data through the services, then ``fill_list``), or reuse it when
    filled with the same sizes (SystemExit when filled with others). Records ``fill``."""
    state = list_state()
    if state and (state["runs"], state["jobs"], state["plans"]) == (args.runs, args.jobs, args.plan_count):
        log(args, f"reusing filled list tenant: {state['runs']:,} plan runs, {state['jobs']:,} jobs")
        result["fill"] = {"reused": True}
        return
    if state:
        raise SystemExit(f"database holds {state['runs']:,} plan runs / {state['jobs']:,} jobs / "
                         f"{state['plans']} plans, not {args.runs:,} / {args.jobs:,} / {args.plan_count}; "
                         "run without --keep to recreate it")
    log(args, f"filling: {args.plan_count} plans, {args.runs:,} plan runs, {args.jobs:,} jobs …")
    t0 = time.perf_counter()
    tenant, users = make_tenant(LIST_SLUG, LIST_CODE)
    cat = catalogue(tenant)
    build_tree_plan(tenant, cat, TREE_BIG)
    master_s = time.perf_counter() - t0
    result["fill"] = {"master_data_s": round(master_s, 2), **fill_list(args, tenant, users, cat)}
    result["fill"]["total_s"] = round(time.perf_counter() - t0, 2)
    log(args, "fill: " + ", ".join(f"{k} {v}" for k, v in result["fill"].items()))


def list_tenant_config(tenant) -> dict:
    """Sizes of the plan-run and job tables and of the (plan_run_id, status) index, the tenant's
    plans, the span of its runs' creation dates and its jobs by status."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT pg_size_pretty(pg_total_relation_size('plans_productionplanrun')),
                   pg_size_pretty(pg_total_relation_size('plans_jobqueueentry')),
                   pg_size_pretty(pg_relation_size('plans_jobqu_plan_ru_284a6d_idx')),
                   (SELECT count(*) FROM plans_productionplan WHERE tenant_id = %(t)s),
                   (SELECT min(created_at)::date || ' … ' || max(created_at)::date FROM plans_productionplanrun
                    WHERE tenant_id = %(t)s)
        """, {"t": tenant.pk})
        runs_size, jobs_size, index_size, n_plans, span = cursor.fetchone()
        cursor.execute("SELECT status, count(*) FROM plans_jobqueueentry WHERE tenant_id = %s "
                       "GROUP BY 1 ORDER BY 1", [tenant.pk])
        jobs_by_status = dict(cursor.fetchall())
    return {"runs_size": runs_size, "jobs_size": jobs_size, "job_status_index_size": index_size, "plans": n_plans,
            "created_span": span, "jobs_by_status": jobs_by_status}


def check_list_statuses(args, tenant) -> tuple[dict, dict]:
    """``check_statuses`` of the list tenant, logged: the check, and the truth per run id. SystemExit
    when the statuses disagree or one way a status arises never occurs. Then ``VACUUM (ANALYZE)``:
    earlier generations (deleted again) and --keep runs leave dead rows and pages that are not
    all-visible, and index-only scans should see the tables as autovacuum leaves them."""
    from django.db import connection

    log(args, "checking the derived status of every plan run …")
    check = check_statuses(tenant)
    truth = check.pop("truth")
    log(args, f"status check: {check['mismatches']} mismatches over {check['runs']:,} runs; "
              f"{check['by_status']}; selector over all runs {check['selector_all_runs_ms']} ms, "
              f"LATERAL SQL {check['truth_sql_ms']} ms")
    if check["mismatches"] or not check["every_way_occurs"]:
        raise SystemExit(f"derived statuses disagree or a status never occurs: {check}")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) plans_productionplanrun, plans_jobqueueentry, plans_transportjob")
    return check, truth


def list_plan_texts(result: dict) -> dict[str, str]:
    """Text plans of the list pages' queries (not the tenant lookup), of their LATERAL and JSON
    alternatives, and of generation's reads in the list tenant."""
    plan_texts = {}
    for name, m in result["list"].items():
        if name == "floor":
            continue
        for q in m["profile"]["queries"]:
            if "execution" in q and q["kind"] != "tenant_lookup":
                plan_texts[f"{name}: {q['kind']}"] = explain(q["sql"], plan_text=True)["plan"]
        for alt_name in ("lateral", "deferred_lateral", "deferred_correlated", "json_subquery", "deferred_json"):
            plan_texts[f"{name}: alternative {alt_name}"] = explain(
                m["alternatives"][alt_name]["sql"], plan_text=True)["plan"]
    for q in result["generation_big_queue"].get("reads_profile", {}).get("queries", []):
        if "execution" in q:
            plan_texts[f"generation (1M-job tenant): {q['kind']}"] = explain(q["sql"], plan_text=True)["plan"]
    return plan_texts


def measure_list_tenant(args, tenant, truth: dict, result: dict) -> None:
    """The list (``list``), generation with the tenant's full job queue (``generation_big_queue``)
    and the text plans of both (``plans``)."""
    from plans.models import JobQueueEntry, ProductionPlan
    from prodtrack.models import User

    endpoint = runs_endpoint_exists()
    result["config"]["endpoint"] = endpoint
    if not endpoint:
        log(args, f"{RUNS_API} does not resolve: measuring plans.selectors.plan_run_list + DRF instead")
    result["list"] = measure_list(args, tenant, truth, endpoint, result)
    # Generation with the 1,000,000-job queue: the workstation-load query reads it.
    big = ProductionPlan.objects.get(tenant=tenant, name=TREE_NAME.format(n=TREE_BIG))
    user = User.objects.get(username=LIST_SLUG)
    log(args, f"timing plan_generate in the list tenant ({args.jobs:,} jobs queued) …")
    result["generation_big_queue"] = measure_generation(
        args, tenant, user, {TREE_BIG: big}, f"{JobQueueEntry.objects.filter(tenant=tenant).count():,} jobs "
                                             "in the tenant's queue", full=False)
    result["plans"] = list_plan_texts(result)


def run_list_part(args, result: dict) -> None:
    """The list tenant: fill or reuse it, check every run's derived status, then (unless
    ``--fill-only``) measure the list and generation there."""
    from prodtrack.models import Tenant

    fill_list_tenant(args, result)
    tenant = Tenant.objects.get(slug=LIST_SLUG)
    result["config"].update(list_tenant_config(tenant))
    result["status_check"], truth = check_list_statuses(args, tenant)
    if not args.fill_only:
        measure_list_tenant(args, tenant, truth, result)


def run(args) -> dict:
    import django
    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment(debug=False)
    assert not settings.DEBUG, "the benchmark must run with DEBUG=False"
    result: dict = {"config": {"loadavg_start": loadavg(), "runs": args.runs, "jobs": args.jobs,
                               "plan_count": args.plan_count, "repeat": args.repeat, "warmup": args.warmup,
                               "gen_repeat": args.gen_repeat, "gen_warmup": args.gen_warmup, "part": args.part,
                               "database": urlsplit(args.database_url).path.lstrip("/")}}
    log(args, f"load average 1/5/15 min at start: {result['config']['loadavg_start']}")
    t0 = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    result["migrate_s"] = round(time.perf_counter() - t0, 2)
    result["config"].update(server_config())
    if args.part in ("all", "generation"):
        run_generation_part(args, result)
    if args.part in ("all", "list"):
        run_list_part(args, result)
    result["config"]["loadavg_end"] = loadavg()
    log(args, f"load average 1/5/15 min at end: {result['config']['loadavg_end']}")
    connection.close()
    return result


# --- output -----------------------------------------------------------------------------------

TABLE_WIDTH = 72  # width of the label column of the tables


def _row(label: str, s: dict, extra: str = "", width: int = TABLE_WIDTH) -> str:
    return f"{label[:width]:{width}}  {s['p50']:9.3f} {s['p95']:9.3f} {s['min']:9.3f}  {extra}"


def print_generation(result: dict, key: str) -> None:
    """One generation measurement (``generation`` or ``generation_big_queue``): its timings, the
    jobs and queries of each measured call, its reads' SQL time and the partial index's effect."""
    cfg, g = result["config"], result[key]
    print()
    print(f"generation ({g['label']}; {g['queued_jobs']:,} planned/active jobs on workstations): "
          f"plan_generate(quantity={QUANTITY}, parallelism=0), {cfg['gen_repeat']} repetitions after "
          f"{cfg['gen_warmup']} warm-up")
    if key == "generation" and "generation_setup_s" in result:
        print(f"  catalogue + 2 plans through the services: {result['generation_setup_s']} s")
    print(f"{'':{TABLE_WIDTH}}  {'p50 ms':>9} {'p95 ms':>9} {'min ms':>9}")
    labels = {"committed": f"{TREE_BIG}-step tree, committed (fresh plan run each time)",
              "rolled_back": f"{TREE_BIG}-step tree, in a transaction rolled back",
              "preview": f"{TREE_BIG}-step tree, plan_preview (compute only, no writes)",
              "small_committed": f"{TREE_SMALL}-step tree, committed"}
    for name, s in g["timings"].items():
        print(_row(labels[name], s))
    for name, c in g["calls"].items():
        print(f"  {name}: {c['steps']} steps ({c['distinct_products']} products, depth {c['max_depth']}) → "
              f"{c['merged_jobs']} merged jobs → {c['jobs']} jobs, {c['materials']} materials, "
              f"{c['skipped']} skipped; {c['query_count']} queries "
              f"({', '.join(f'{k} {v}' for k, v in c['kinds'].items())}); "
              f"SQL client time {c['sql_client_ms']} ms")
    rp = g.get("reads_profile")
    if rp:
        print("  read queries, EXPLAIN ANALYZE exec p50: " + ", ".join(
            f"{q['kind']} {q['execution']['p50']:.3f}" for q in rp["queries"] if "execution" in q)
              + f" = {rp['exec_p50_sum']:.3f} ms")
    pi = g.get("load_query_partial_index")
    if pi:
        print(f"  workstation-load query with a partial covering index (rolled back): exec p50 "
              f"{pi['execution']['p50']:.3f} ms — {pi['index']}")


def print_status_check(result: dict) -> None:
    """The list tenant's data and sizes, its fill, and the derived-status check."""
    cfg, f, sc = result["config"], result.get("fill", {}), result["status_check"]
    print()
    print(f"plan runs: {sc['runs']:,} over {cfg['plans']} plans ({cfg['created_span']}); jobs "
          f"{sum(cfg['jobs_by_status'].values()):,} "
          f"({', '.join(f'{k} {v:,}' for k, v in cfg['jobs_by_status'].items())})")
    print(f"  sizes: plan runs {cfg['runs_size']}, jobs {cfg['jobs_size']} (index plan_run_id, status: "
          f"{cfg['job_status_index_size']})")
    if "total_s" in f:
        print("  fill: " + ", ".join(f"{k} {v}" for k, v in f.items()))
    print(f"  derived status: {', '.join(f'{k} {v:,}' for k, v in sc['by_status'].items())}; "
          f"{sc['mismatches']} mismatches selector vs SQL")
    print("    " + "; ".join(f"{k} {v:,}" for k, v in sc["ways"].items()))
    print(f"    whole-table check: selector annotations over all runs {sc['selector_all_runs_ms']:.0f} ms, "
          f"same with a LATERAL join {sc['truth_sql_ms']:.0f} ms")


def print_list_timings(result: dict) -> None:
    """One row per list request (and its selector + DRF twin): p50 / p95 / min ms and its queries."""
    cfg, lst = result["config"], result["list"]
    print()
    if not cfg.get("endpoint"):
        print(f"NOTE: {RUNS_API} did not exist: rows are plans.selectors.plan_run_list + DRF pagination + a "
              "serializer defined in the bench, rendered to JSON (no routing/middleware/auth)")
    print(f"{'':{TABLE_WIDTH}}  {'p50 ms':>9} {'p95 ms':>9} {'min ms':>9}  queries")
    print(_row(lst["floor"]["label"], lst["floor"]["endpoint_ms"], str(lst["floor"]["query_count"])))
    for name, m in lst.items():
        if name == "floor":
            continue
        print(_row(m["label"], m["endpoint_ms"], f"{m['query_count']}" + (
            f"   (n = {m['repeat']})" if m["repeat"] != cfg["repeat"] else "")))
        if "selector_drf_ms" in m:
            print(_row("  … same page: selector + DRF serializer, no view", m["selector_drf_ms"], ""))


def print_list_profile(name: str, m: dict) -> None:
    """One list page's queries under EXPLAIN ANALYZE, its ratios to its SQL and its alternatives."""
    p = m["profile"]
    print(f"{name} ({m['count']:,} runs, page {m['page']}): {m['query_count']} queries, EXPLAIN ANALYZE exec "
          f"p50 sum {p['exec_p50_sum']:.3f} ms (planning {p['planning_p50_sum']:.3f}, client wall "
          f"{p['wall_p50_sum']:.3f})")
    for q in p["queries"]:
        if "execution" in q:
            print(f"    {q['kind']:<40} exec p50 {q['execution']['p50']:9.3f}  p95 {q['execution']['p95']:9.3f}"
                  f"  plan {q['planning']['p50']:6.3f}  wall {q['wall']['p50']:9.3f} ms")
            if "timing_off" in q:
                t = q["timing_off"]
                print(f"    {'  … EXPLAIN (ANALYZE, TIMING OFF)':<40} exec p50 {t['execution']['p50']:9.3f}"
                      f"  p95 {t['execution']['p95']:9.3f}  (JIT p50 {q['jit']['p50']:.1f} ms of the exec)")
    print(f"    endpoint p50 / (page + count) SQL = {m['endpoint_ms']['p50']:.1f} / "
          f"{m['page_count_exec_p50']:.3f} = {m['ratio_endpoint_over_page_count_sql']}× (TIMING OFF: "
          f"{m['page_count_exec_timing_off_p50']:.3f} → {m['ratio_endpoint_over_page_count_sql_timing_off']}×; "
          f"target ≤ 3×); correlated count subqueries in the page SQL: {m.get('page_sql_subplans')}")
    print("    alternatives, exec p50 ms: " + ", ".join(
        f"{k} {a['execution']['p50']:.3f}" for k, a in m["alternatives"].items()))


def print_plans_and_sql(result: dict) -> None:
    """Every text plan, then the SQL of one request of each list page and of its alternatives."""
    for name, text in result.get("plans", {}).items():
        print(f"\n--- plan: {name}\n{text}")
    for name, m in result.get("list", {}).items():
        if name != "floor":
            print(f"\n--- SQL of one request: {m['label']}")
            for sql in m["sql"]:
                print("  " + sql)
            for alt_name, a in m["alternatives"].items():
                print(f"  [{alt_name}] {a['sql']}")


def print_table(result: dict, show_plans: bool) -> None:
    cfg = result["config"]
    print()
    print(f"{cfg['postgres']}, {cfg['cpus']} CPUs, shared_buffers {cfg['shared_buffers']}, work_mem {cfg['work_mem']}, "
          f"synchronous_commit {cfg['synchronous_commit']}")
    print(f"load average 1/5/15 min: start {cfg['loadavg_start']}, end {cfg['loadavg_end']}")
    for key in ("generation", "generation_big_queue"):
        if result.get(key):
            print_generation(result, key)
    if "status_check" in result:
        print_status_check(result)
    if result.get("list"):
        print_list_timings(result)
        print()
        for name, m in result["list"].items():
            if name != "floor":
                print_list_profile(name, m)
    if show_plans:
        print_plans_and_sql(result)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_PLANS_DATABASE_URL", DEFAULT_URL),
                        help=f"PostgreSQL URL of the bench database (default {DEFAULT_URL}); its name must "
                             "contain 'bench'")
    parser.add_argument("--runs", type=int, default=100_000, help="plan runs to fill (default 100,000)")
    parser.add_argument("--jobs", type=int, default=1_000_000, help="jobs to fill (default 1,000,000)")
    parser.add_argument("--plan-count", type=int, default=300, help="plans of the list tenant (default 300)")
    parser.add_argument("--deep-page", type=int, default=2000, help="the deep page of the list (default 2,000)")
    parser.add_argument("--repeat", type=int, default=50, help="measured repetitions of requests (default 50)")
    parser.add_argument("--warmup", type=int, default=5, help="warm-up repetitions of requests (default 5)")
    parser.add_argument("--gen-repeat", type=int, default=20, help="measured generations (default 20)")
    parser.add_argument("--gen-warmup", type=int, default=3, help="warm-up generations (default 3)")
    parser.add_argument("--case-budget", type=float, default=60,
                        help="seconds of requests per list case at most; slower cases get fewer repetitions, "
                             "at least 5 (default 60)")
    parser.add_argument("--part", choices=("all", "generation", "list"), default="all",
                        help="measure only generation or only the list (default all)")
    parser.add_argument("--keep", action="store_true",
                        help="reuse the database if already filled with the same sizes; do not drop it")
    parser.add_argument("--json", action="store_true", help="print the results as JSON (progress to stderr)")
    parser.add_argument("--plans", action="store_true", help="also print the SQL and the EXPLAIN plans")
    parser.add_argument("--save-json", metavar="PATH", help="also write the JSON results to PATH")
    parser.add_argument("--fill-only", action="store_true",
                        help="fill (or reuse) and check the list tenant, measure nothing else")
    args = parser.parse_args(argv)
    if args.runs < 100 or args.jobs < 2 * args.runs:
        parser.error("--runs must be at least 100 and --jobs at least 2 × --runs")
    if args.repeat < 1 or args.warmup < 0 or args.gen_repeat < 1 or args.gen_warmup < 0:
        parser.error("repetitions must be >= 1 and warm-ups >= 0")
    if args.plan_count < 2:
        parser.error("--plan-count must be at least 2")

    result = run_on_bench_database(args, run)
    if args.save_json:
        Path(args.save_json).write_text(json.dumps(result, indent=2, default=str))
    if args.json:
        print(json.dumps(result, indent=2, default=str))
    else:
        print_table(result, args.plans)
    return 0


if __name__ == "__main__":
    sys.exit(main())
