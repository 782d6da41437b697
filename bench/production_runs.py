#!/usr/bin/env python
"""Benchmark: the production-run API over 100,000 runs (≈300k items, 200k materials).

Run from the project root::

    .venv/bin/python bench/production_runs.py                 # full size, drops its database at the end
    .venv/bin/python bench/production_runs.py --keep          # keep (and next time reuse) the filled database
    .venv/bin/python bench/production_runs.py --keep --plans  # reuse it; print the SQL and EXPLAIN plans
    .venv/bin/python bench/production_runs.py --runs 5000 --repeat 10 --json

It creates its own PostgreSQL database (``--database-url``, default
``postgres://postgres@127.0.0.1:5432/prodtrack_bench_runs``), runs ``migrate``, fills it with
set-based SQL (one tenant ``BENCH``, 3 users, 5 locations, 20 printers, 40 materials with
400 spools, 30 products, ``--runs`` runs over two years with ≈3 items and 2 materials each and
their totals computed from the materials), checks the totals against the materials, then
measures in process (DRF ``APIClient`` + ``force_authenticate``), p50 / p95 / min:

1. ``GET /api/v1/production-runs?status=completed&date_from=…&date_to=…&ordering=-variance``
   (last ~3 months, page 1 of 20) and ``GET /api/v1/production-runs`` without filters;
2. ``GET /api/v1/production-runs/{id}`` of a completed run with 3 items and 2 materials;
3. ``POST /api/v1/production-runs/{id}/complete`` of fresh in-progress runs with 20 materials
   and 10 parts (the first product's recipe takes one of each of 10 components per plate, counted
   into stock at the printer's location; made with ``runs.services.production_run_create`` before
   timing, one per repetition);
4. the pages, as a logged-in operator through Django's test ``Client`` (session, CSRF off): the
   run list ``GET /runs/`` unfiltered and filtered like 1., and the complete form's live variance
   preview ``POST /runs/{id}/complete/preview/`` (HTMX) for an in-progress run with 4 materials,
   posted as the browser posts the whole form (one material at its estimate, two weighed, one
   in grams; one of them more than 10 % off).

Beside each: the SQL the request ran (``CaptureQueriesContext``), its number of queries, and the
summed ``EXPLAIN (ANALYZE)`` execution time of those queries; the writes of ``complete`` are
replayed under ``EXPLAIN ANALYZE`` inside a transaction that is rolled back.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench._common import (  # noqa: E402
    classify_sql,
    create_indexes,
    drop_secondary_indexes,
    explain,
    kind_counts,
    loadavg,
    log,
    run_on_bench_database,
    skip_fk_triggers,
    sql_profile,
    summarize,
    time_calls,
)

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/prodtrack_bench_runs"
TENANT_SLUG = "bench-runs"
SHORT_CODE = "BENCH"
API = "/api/v1/production-runs"
FLOOR_PATH = "/api/v1/locations"
N_USERS, N_LOCATIONS, N_PRINTERS, N_MATERIALS, SPOOLS_PER_MATERIAL, N_PRODUCTS = 3, 5, 20, 40, 10, 30
COMPLETE_MATERIALS = 20
COMPLETE_PARTS = 10
PAGE_LIST = "/runs/"
PREVIEW_MATERIALS = 4
# The preview run's materials: estimated grams and purge grams, one pair per material.
PREVIEW_ESTIMATES = ((Decimal("118.40"), Decimal("4.50")), (Decimal("36.20"), Decimal("2.00")),
                     (Decimal("22.00"), Decimal("0")), (Decimal("9.50"), Decimal("1.00")))
PAGE_MEASUREMENTS = ("page_list_all", "page_list_filtered", "page_preview")
# Runs made by the complete measurement carry this note, so --keep can tell them from the fill.
MEASURE_NOTE = "bench: complete measurement"
MEASURE_LOT = "bench-complete"


# --- fill -------------------------------------------------------------------------------------

def bench_state() -> dict | None:
    """The tenant and its filled runs (those not made by a measurement), or None."""
    from django.db import connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM prodtrack_tenant WHERE slug = %s", [TENANT_SLUG])
        row = cursor.fetchone()
        if row is None:
            return None
        tenant_id = row[0]
        cursor.execute("SELECT count(*), count(*) FILTER (WHERE notes = %s) FROM runs_productionrun "
                       "WHERE tenant_id = %s", [MEASURE_NOTE, tenant_id])
        total, measured = cursor.fetchone()
    return {"tenant_id": tenant_id, "runs": total - measured, "measured_runs": measured}


def fill(args) -> dict[str, float]:
    """The tenant's master data with the ORM, then runs, items and materials with set-based SQL."""
    from django.db import connection, transaction

    from inventory.models import Location, Workstation
    from prodtrack.models import Membership, Role, Tenant, User

    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    with transaction.atomic():
        tenant = Tenant.objects.create(name="Bench Print Farm", slug=TENANT_SLUG, short_code=SHORT_CODE)
        users = []
        for username, role in (("bench", Role.OPERATOR), ("bench-manager", Role.MANAGER),
                               ("bench-viewer", Role.VIEWER))[:N_USERS]:
            user = User.objects.create_user(username=username, password=None)
            Membership.objects.create(user=user, tenant=tenant, role=role)
            users.append(user)
        kinds = [Location.Kind.PRODUCTION, Location.Kind.PRODUCTION, Location.Kind.PRODUCTION,
                 Location.Kind.WAREHOUSE, Location.Kind.SHOP]
        locations = Location.objects.bulk_create(
            [Location(tenant=tenant, name=f"{['Print room A', 'Print room B', 'Print room C', 'Warehouse', 'Shop'][i]}",
                      kind=kinds[i]) for i in range(N_LOCATIONS)])
        models = ["Prusa MK4", "Prusa XL", "Bambu X1C", "Bambu P1S"]
        Workstation.objects.bulk_create(
            [Workstation(tenant=tenant, name=f"{models[i % 4]} #{i + 1:02d}", location=locations[i % 3],
                         kind=Workstation.Kind.PRINTER, activities=["printing"], model_name=models[i % 4])
             for i in range(N_PRINTERS)])
        with connection.cursor() as cursor:
            # 40 materials: 4 brands × PLA/PETG/ASA/TPU, colours; cost per gram by polymer and brand.
            cursor.execute("""
                INSERT INTO inventory_itemtype
                    (tenant_id, name, sku, kind, unit, unit_cost, is_active, material, manufacturer, color_name,
                     color_hex, density_g_cm3, diameter_mm, net_weight_g, spool_weight_g, catalog_id, created_at)
                SELECT %(tenant)s,
                       b.brand || ' ' || p.poly || ' ' || c.colour || ' ' || lpad(g::text, 2, '0'),
                       'BENCH-MAT-' || lpad(g::text, 3, '0'), 'material', 'g',
                       round((p.base * b.factor * (0.95 + 0.1 * ((g * 37) %% 10) / 10.0))::numeric, 4), true,
                       p.poly, b.brand, c.colour, '#' || substr(md5(g::text), 1, 6), p.density, 1.75, 1000, 200, '',
                       now() - interval '800 days'
                FROM generate_series(1, %(n)s) AS g
                CROSS JOIN LATERAL (SELECT (ARRAY['PLA', 'PETG', 'ASA', 'TPU'])[1 + g %% 4] AS poly,
                                           (ARRAY[0.0200, 0.0230, 0.0300, 0.0450])[1 + g %% 4] AS base,
                                           (ARRAY[1.24, 1.27, 1.07, 1.21])[1 + g %% 4] AS density) AS p
                CROSS JOIN LATERAL (SELECT (ARRAY['Prusament', 'Polymaker', 'eSun', 'Bambu'])[1 + (g / 4) %% 4] AS brand,
                                           (ARRAY[1.20, 1.05, 0.85, 1.00])[1 + (g / 4) %% 4] AS factor) AS b
                CROSS JOIN LATERAL (SELECT (ARRAY['Galaxy Black', 'Jet Black', 'Signal White', 'Orange',
                                                  'Azure Blue', 'Lipstick Red', 'Olive Green', 'Silver',
                                                  'Pearl Mouse', 'Ms. Pink'])[1 + g %% 10] AS colour) AS c
            """, {"tenant": tenant.pk, "n": N_MATERIALS})
            # 30 products, a cost per piece of 0.40–6.00.
            cursor.execute("""
                INSERT INTO inventory_itemtype
                    (tenant_id, name, sku, kind, unit, unit_cost, is_active, material, manufacturer, color_name,
                     color_hex, catalog_id, created_at)
                SELECT %(tenant)s,
                       (ARRAY['Phone stand', 'Cable clip', 'Desk organiser', 'Planter', 'Headphone hook',
                              'Lamp shade', 'Coaster', 'Key holder', 'Gear set', 'Enclosure'])[1 + g %% 10]
                         || ' ' || (ARRAY['S', 'M', 'L'])[1 + g / 10],
                       'BENCH-PRD-' || lpad(g::text, 3, '0'), 'product', 'pcs',
                       round((0.40 + 5.60 * ((g * 53) %% 30) / 29.0)::numeric, 4), true, '', '', '', '', '',
                       now() - interval '800 days'
                FROM generate_series(0, %(n)s - 1) AS g
            """, {"tenant": tenant.pk, "n": N_PRODUCTS})
            # Spools: 10 per material, 1 kg (some 750 g or 2 kg), full, received over the two years;
            # price = the material's cost per gram × weight × 0.9–1.1 (lots are bought at different prices).
            cursor.execute("SELECT setseed(0.42)")
            cursor.execute("""
                INSERT INTO inventory_spool
                    (tenant_id, item_type_id, location_id, initial_weight_g, current_weight_g, tare_weight_g, cost,
                     lot_number, status, received_at, created_by_id)
                SELECT %(tenant)s, m.ids[1 + (g - 1) %% %(n_mat)s], l.ids[1 + g %% %(n_loc)s], w.weight, w.weight,
                       200, round(it.unit_cost * w.weight * (0.9 + 0.2 * random())::numeric, 2),
                       'LOT-' || lpad(g::text, 5, '0'), 'active',
                       now() - interval '760 days' + (g * interval '730 days' / %(n_spools)s), %(user)s
                FROM generate_series(1, %(n_spools)s) AS g
                CROSS JOIN (SELECT array_agg(id ORDER BY id) AS ids FROM inventory_itemtype
                            WHERE tenant_id = %(tenant)s AND kind = 'material') AS m
                CROSS JOIN (SELECT array_agg(id ORDER BY id) AS ids FROM inventory_location
                            WHERE tenant_id = %(tenant)s) AS l
                CROSS JOIN LATERAL (SELECT CASE g %% 10 WHEN 0 THEN 2000 WHEN 5 THEN 750 ELSE 1000 END::numeric
                                           AS weight) AS w
                JOIN inventory_itemtype AS it ON it.id = m.ids[1 + (g - 1) %% %(n_mat)s]
                ORDER BY g
            """, {"tenant": tenant.pk, "user": users[0].pk, "n_mat": N_MATERIALS, "n_loc": N_LOCATIONS,
                  "n_spools": N_MATERIALS * SPOOLS_PER_MATERIAL})
            # Each spool's receipt row, and the balances: spool weights and stock = ledger sums.
            cursor.execute("""
                INSERT INTO inventory_inventorytransaction
                    (tenant_id, item_type_id, location_id, spool_id, quantity, transaction_type, reference_type,
                     reference_id, reference_label, reverses_id, created_by_id, created_at, note)
                SELECT s.tenant_id, s.item_type_id, s.location_id, s.id, s.initial_weight_g, 'receipt', 'spool',
                       s.id::text, 'Spool #' || s.id || ' · ' || it.name, NULL, s.created_by_id, s.received_at, ''
                FROM inventory_spool AS s JOIN inventory_itemtype AS it ON it.id = s.item_type_id
                WHERE s.tenant_id = %(tenant)s ORDER BY s.id
            """, {"tenant": tenant.pk})
            cursor.execute("""
                INSERT INTO inventory_stockbalance (tenant_id, item_type_id, location_id, quantity, updated_at)
                SELECT tenant_id, item_type_id, location_id, SUM(quantity), now()
                FROM inventory_inventorytransaction WHERE tenant_id = %(tenant)s
                GROUP BY tenant_id, item_type_id, location_id
            """, {"tenant": tenant.pk})
    timings["master_data_s"] = time.perf_counter() - t0

    params = {"tenant": tenant.pk, "runs": args.runs, "tz": tenant.time_zone or "UTC", "code": SHORT_CODE,
              "n_ws": N_PRINTERS, "n_users": N_USERS, "n_prod": N_PRODUCTS,
              "n_spools": N_MATERIALS * SPOOLS_PER_MATERIAL}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        cursor.execute("SET LOCAL work_mem = '64MB'")
        timings["fk_triggers_skipped"] = skip_fk_triggers(cursor)

        # 1. Staging: one row per run with every random choice, numbered per day in the tenant's
        #    time zone ({code}-YYYYMMDD-NNN, NNN widening past 999 as the service does).
        t0 = time.perf_counter()
        cursor.execute("SELECT setseed(0.4242)")
        cursor.execute("""
            CREATE TEMP TABLE bench_run ON COMMIT DROP AS
            WITH raw AS (
                SELECT g,
                       date_trunc('second', now() - interval '1 hour' - random() * interval '730 days')
                         AS started_at,
                       random() AS r_status, random() AS r_ws, random() AS r_user, random() AS r_items,
                       random() AS r_prod, random() AS r_dur, random() AS r_spool1, random() AS r_spool2,
                       random() AS r_slicer, random() AS r_rating, random() AS r_end
                FROM generate_series(1, %(runs)s) AS g),
            numbered AS (
                SELECT raw.*, (started_at AT TIME ZONE %(tz)s)::date AS day,
                       row_number() OVER (PARTITION BY (started_at AT TIME ZONE %(tz)s)::date
                                          ORDER BY started_at, g) AS seq
                FROM raw)
            SELECT g, started_at, day, seq,
                   %(code)s || '-' || to_char(day, 'YYYYMMDD') || '-'
                     || CASE WHEN seq < 1000 THEN lpad(seq::text, 3, '0') ELSE seq::text END AS run_number,
                   CASE WHEN r_status < 0.80 THEN 'completed' WHEN r_status < 0.88 THEN 'failed'
                        WHEN r_status < 0.93 THEN 'cancelled' ELSE 'in_progress' END AS status,
                   1 + floor(r_ws * %(n_ws)s)::int AS ws,
                   1 + floor(r_user * %(n_users)s)::int AS usr,
                   2 + floor(r_items * 3)::int AS n_items,
                   floor(r_prod * %(n_prod)s)::int AS prod_base,
                   (1800 + floor(r_dur * 34200))::int AS duration_s,
                   1 + floor(r_spool1 * %(n_spools)s)::int AS spool1,
                   1 + (floor(r_spool1 * %(n_spools)s)::int + 1 + floor(r_spool2 * (%(n_spools)s - 1))::int)
                       %% %(n_spools)s AS spool2,
                   (ARRAY['PrusaSlicer 2.8.1', 'OrcaSlicer 2.1.1', 'Bambu Studio 1.9'])[1 + floor(r_slicer * 3)::int]
                     AS slicer,
                   r_rating, r_end
            FROM numbered
        """, params)
        # Two materials per run: a main colour (20–250 g) and a second (5–80 g), purge 0–12 g each.
        # Actuals: completed ≈ estimate × N(1.02, 0.08) (at least 0.5); failed 10–90 % of the
        # estimate (it stopped part-way); cancelled and in-progress runs have none.
        cursor.execute("""
            CREATE TEMP TABLE bench_material ON COMMIT DROP AS
            SELECT r.g, k, CASE k WHEN 1 THEN r.spool1 ELSE r.spool2 END AS spool_no, r.status,
                   e.est_w, e.est_p,
                   CASE WHEN r.status = 'completed'
                          THEN round(e.est_w * greatest(0.5, 1.02 + 0.08 * sqrt(-2 * ln(1 - random()))
                                                              * cos(2 * pi() * random()))::numeric, 2)
                        WHEN r.status = 'failed' THEN round(e.est_w * (0.1 + 0.8 * random())::numeric, 2)
                   END AS act_w,
                   CASE WHEN r.status IN ('completed', 'failed')
                          THEN round(e.est_p * (0.8 + 0.4 * random())::numeric, 2) END AS act_p
            FROM bench_run AS r
            CROSS JOIN generate_series(1, 2) AS k
            CROSS JOIN LATERAL (
                SELECT round((CASE k WHEN 1 THEN 20 + 230 * random() ELSE 5 + 75 * random() END
                              + 0 * r.g)::numeric, 2) AS est_w,
                       round((12 * random() + 0 * r.g)::numeric, 2) AS est_p) AS e
        """)
        # The run totals, as runs.services.run_totals_refresh computes them from the materials:
        # cost = grams × the spool's cost per gram (price ÷ initial weight), rounded to cents;
        # actuals only when every material has one; variance = total filament, 0.1 %.
        cursor.execute("""
            CREATE TEMP TABLE bench_total ON COMMIT DROP AS
            SELECT t.*,
                   CASE WHEN t.act_w IS NOT NULL AND t.est_w + t.est_p <> 0
                        THEN round(((t.act_w + t.act_p) - (t.est_w + t.est_p)) / (t.est_w + t.est_p) * 100, 1)
                   END AS variance_pct
            FROM (
                SELECT bm.g, sum(bm.est_w) AS est_w, sum(bm.est_p) AS est_p,
                       round(sum((bm.est_w + bm.est_p) * (sp.cost / sp.initial_weight_g)), 2) AS est_cost,
                       CASE WHEN bool_and(bm.act_w IS NOT NULL) THEN sum(bm.act_w) END AS act_w,
                       CASE WHEN bool_and(bm.act_w IS NOT NULL) THEN sum(coalesce(bm.act_p, 0)) END AS act_p,
                       CASE WHEN bool_and(bm.act_w IS NOT NULL)
                            THEN round(sum((bm.act_w + coalesce(bm.act_p, 0)) * (sp.cost / sp.initial_weight_g)), 2)
                       END AS act_cost
                FROM bench_material AS bm
                JOIN (SELECT id, cost, initial_weight_g, row_number() OVER (ORDER BY id) AS no
                      FROM inventory_spool WHERE tenant_id = %(tenant)s AND lot_number <> %(lot)s) AS sp
                  ON sp.no = bm.spool_no
                GROUP BY bm.g) AS t
        """, {**params, "lot": MEASURE_LOT})
        cursor.execute("ANALYZE bench_run")
        cursor.execute("ANALYZE bench_material")
        cursor.execute("ANALYZE bench_total")
        timings["stage_s"] = time.perf_counter() - t0

        # 2. Runs (in start order, so ids grow with time as in real life), then items and materials.
        t0 = time.perf_counter()
        dropped = [d for table in ("runs_productionrun", "runs_productionrunitem", "runs_productionrunmaterial")
                   for d in drop_secondary_indexes(cursor, table)]
        cursor.execute("""
            INSERT INTO runs_productionrun
                (tenant_id, run_number, status, started_at, completed_at, workstation_id, location_id, printer_name,
                 slicer, estimated_duration_s, gcode_filename, bed_temp_c, nozzle_temp_c, quality_rating,
                 quality_notes, notes, completion_notes, original_run_id, created_by_id, created_at, deleted_at,
                 estimated_weight_g, estimated_purge_g, actual_weight_g, actual_purge_g, estimated_cost, actual_cost,
                 variance_pct)
            SELECT %(tenant)s, r.run_number, r.status, r.started_at,
                   CASE r.status
                     WHEN 'completed' THEN r.started_at + r.duration_s * (0.9 + 0.3 * r.r_end) * interval '1 second'
                     WHEN 'failed' THEN r.started_at + r.duration_s * (0.05 + 0.85 * r.r_end) * interval '1 second'
                   END,
                   ws.id, ws.location_id, ws.name, r.slicer, r.duration_s, '',
                   (ARRAY[60, 80, 100])[1 + r.g %% 3], (ARRAY[215, 240, 260])[1 + r.g %% 3],
                   CASE WHEN r.status = 'completed' AND r.r_rating < 0.7 THEN 3 + floor(r.r_rating / 0.7 * 3)::int END,
                   CASE WHEN r.status = 'failed' THEN 'Spaghetti on the bed' ELSE '' END, '', '', NULL, u.id,
                   r.started_at, NULL, t.est_w, t.est_p, t.act_w, t.act_p, t.est_cost, t.act_cost, t.variance_pct
            FROM bench_run AS r
            JOIN bench_total AS t ON t.g = r.g
            JOIN (SELECT id, location_id, name, row_number() OVER (ORDER BY id) AS no
                  FROM inventory_workstation WHERE tenant_id = %(tenant)s) AS ws ON ws.no = r.ws
            JOIN (SELECT u.id, row_number() OVER (ORDER BY u.id) AS no
                  FROM prodtrack_user AS u JOIN prodtrack_membership AS m ON m.user_id = u.id
                  WHERE m.tenant_id = %(tenant)s) AS u ON u.no = r.usr
            ORDER BY r.started_at, r.g
        """, params)
        timings["runs_insert_s"] = time.perf_counter() - t0
        cursor.execute("""
            CREATE TEMP TABLE bench_run_id ON COMMIT DROP AS
            SELECT r.g, p.id FROM bench_run AS r
            JOIN runs_productionrun AS p ON p.tenant_id = %(tenant)s AND p.run_number = r.run_number
        """, params)
        cursor.execute("ANALYZE bench_run_id")
        # Items: 2–4 distinct products, 1–8 pieces each; estimated cost = pieces × the product's
        # cost per piece. Completed: all good but 1 failed piece now and then; failed: all failed;
        # cancelled and in progress: no outcome yet.
        t1 = time.perf_counter()
        cursor.execute("""
            INSERT INTO runs_productionrunitem
                (run_id, product_id, quantity, successful_quantity, failed_quantity, bed_position, estimated_cost,
                 waste_reason)
            SELECT i.id, i.product_id, i.qty,
                   CASE i.status WHEN 'completed' THEN i.qty - i.bad ELSE 0 END,
                   CASE i.status WHEN 'completed' THEN i.bad WHEN 'failed' THEN i.qty ELSE 0 END,
                   'P' || i.k, round(i.qty * i.unit_cost, 2),
                   CASE WHEN i.status = 'failed' OR (i.status = 'completed' AND i.bad > 0) THEN 'Warped corner'
                        ELSE '' END
            FROM (SELECT ri.id, r.status, k, p.ids[1 + (r.prod_base + (k - 1) * 7) %% %(n_prod)s] AS product_id,
                         it.unit_cost, q.qty, CASE WHEN q.qty > 1 AND q.r_bad < 0.1 THEN 1 ELSE 0 END AS bad
                  FROM bench_run AS r
                  JOIN bench_run_id AS ri ON ri.g = r.g
                  CROSS JOIN (SELECT array_agg(id ORDER BY id) AS ids FROM inventory_itemtype
                              WHERE tenant_id = %(tenant)s AND kind = 'product') AS p
                  CROSS JOIN LATERAL generate_series(1, r.n_items) AS k
                  CROSS JOIN LATERAL (SELECT 1 + floor(random() * 8 + 0 * k)::int AS qty,
                                             random() + 0 * k AS r_bad) AS q
                  JOIN inventory_itemtype AS it ON it.id = p.ids[1 + (r.prod_base + (k - 1) * 7) %% %(n_prod)s]
                  ORDER BY ri.id, k) AS i
        """, params)
        timings["items_insert_s"] = time.perf_counter() - t1
        t1 = time.perf_counter()
        cursor.execute("""
            INSERT INTO runs_productionrunmaterial
                (run_id, spool_id, estimated_weight_g, estimated_purge_g, actual_weight_g, actual_purge_g,
                 weight_before_g, weight_after_g)
            SELECT ri.id, sp.id, m.est_w, m.est_p, m.act_w, m.act_p, NULL, NULL
            FROM bench_material AS m
            JOIN bench_run_id AS ri ON ri.g = m.g
            JOIN (SELECT id, row_number() OVER (ORDER BY id) AS no
                  FROM inventory_spool WHERE tenant_id = %(tenant)s AND lot_number <> %(lot)s) AS sp
              ON sp.no = m.spool_no
            ORDER BY ri.id, m.k
        """, {**params, "lot": MEASURE_LOT})
        timings["materials_insert_s"] = time.perf_counter() - t1
        t1 = time.perf_counter()
        create_indexes(cursor, dropped)
        timings["indexes_s"] = time.perf_counter() - t1
        # The per-day counters django-sequences keeps, so runs created later get the next number.
        cursor.execute("""
            INSERT INTO sequences_sequence (name, last)
            SELECT 'production_run:' || %(tenant)s || ':' || to_char(day, 'YYYYMMDD'), max(seq)
            FROM bench_run GROUP BY day
            ON CONFLICT (name) DO UPDATE SET last = greatest(sequences_sequence.last, excluded.last)
        """, params)
    timings["runs_s"] = sum(timings[k] for k in ("runs_insert_s", "items_insert_s", "materials_insert_s",
                                                  "indexes_s"))

    # VACUUM sets hint bits and the visibility map, as autovacuum would on a live database.
    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        for table in ("runs_productionrun", "runs_productionrunitem", "runs_productionrunmaterial",
                      "inventory_spool", "inventory_itemtype", "inventory_location", "inventory_workstation",
                      "inventory_inventorytransaction", "inventory_stockbalance", "sequences_sequence",
                      "prodtrack_membership", "prodtrack_tenant", "prodtrack_user"):
            cursor.execute(f"VACUUM (ANALYZE) {table}")
    timings["vacuum_analyze_s"] = time.perf_counter() - t0
    return {k: round(v, 2) for k, v in timings.items()}


def check_totals(tenant_id: int, sample: int = 300) -> dict:
    """Run totals against their materials and parts: (1) every run, in SQL; (2) a random sample through
    ``runs.services.run_totals_refresh`` itself, in a transaction that is rolled back."""
    from django.db import connection, transaction

    from runs.models import ProductionRun
    from runs.services import run_totals_refresh

    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT count(*) FROM runs_productionrun AS r
            CROSS JOIN LATERAL (
                SELECT sum(m.estimated_weight_g) AS ew, sum(m.estimated_purge_g) AS ep,
                       sum((m.estimated_weight_g + m.estimated_purge_g) * (s.cost / s.initial_weight_g)) AS ec,
                       CASE WHEN bool_and(m.actual_weight_g IS NOT NULL) THEN sum(m.actual_weight_g) END AS aw,
                       CASE WHEN bool_and(m.actual_weight_g IS NOT NULL) THEN sum(coalesce(m.actual_purge_g, 0)) END AS ap,
                       CASE WHEN bool_and(m.actual_weight_g IS NOT NULL) THEN sum(
                           (m.actual_weight_g + coalesce(m.actual_purge_g, 0)) * (s.cost / s.initial_weight_g))
                       END AS ac
                FROM runs_productionrunmaterial AS m JOIN inventory_spool AS s ON s.id = m.spool_id
                WHERE m.run_id = r.id) AS t
            CROSS JOIN LATERAL (
                SELECT coalesce(sum(p.estimated_quantity * p.unit_cost), 0) AS pe,
                       coalesce(sum(p.quantity * p.unit_cost), 0) AS pa
                FROM runs_productionrunpart AS p WHERE p.run_id = r.id) AS parts
            WHERE r.tenant_id = %s AND (
                r.estimated_weight_g <> t.ew OR r.estimated_purge_g <> t.ep
                OR r.estimated_cost <> round(t.ec + parts.pe, 2)
                OR r.actual_weight_g IS DISTINCT FROM t.aw OR r.actual_purge_g IS DISTINCT FROM t.ap
                OR r.actual_cost IS DISTINCT FROM round(t.ac + parts.pa, 2)
                OR r.variance_pct IS DISTINCT FROM CASE WHEN t.aw IS NOT NULL AND t.ew + t.ep <> 0
                    THEN round(((t.aw + t.ap) - (t.ew + t.ep)) / (t.ew + t.ep) * 100, 1) END)
        """, [tenant_id])
        sql_mismatches = cursor.fetchone()[0]
        cursor.execute("SELECT id FROM runs_productionrun WHERE tenant_id = %s ORDER BY random() LIMIT %s",
                       [tenant_id, sample])
        ids = [row[0] for row in cursor.fetchall()]
    fields = ["estimated_weight_g", "estimated_purge_g", "actual_weight_g", "actual_purge_g", "estimated_cost",
              "actual_cost", "variance_pct"]
    service_mismatches = []
    with transaction.atomic():
        for run in ProductionRun.objects.filter(pk__in=ids):
            stored = {f: getattr(run, f) for f in fields}
            refreshed = run_totals_refresh(run)
            now = {f: getattr(refreshed, f) for f in fields}
            if stored != now:
                service_mismatches.append({"run": run.pk, "stored": stored, "service": now})
        transaction.set_rollback(True)
    return {"sql_mismatches": sql_mismatches, "service_sample": len(ids),
            "service_mismatches": len(service_mismatches), "examples": service_mismatches[:3],
            "check_ms": round((time.perf_counter() - t0) * 1000, 1)}


# --- measurement helpers ---------------------------------------------------------------------


def _is_savepoint(sql: str) -> bool:
    return sql.lower().lstrip().startswith(("savepoint", "release savepoint", "rollback to savepoint"))


def explain_in_rollback(queries: list[str]) -> list[dict]:
    """EXPLAIN (ANALYZE, FORMAT JSON) of each statement (writes included) in one transaction that
    is rolled back: the statements run in order, exactly as the request ran them."""
    from django.db import connection, transaction
    out = []
    with transaction.atomic(), connection.cursor() as cursor:
        for sql in queries:
            kind = classify_sql(sql)
            if kind == "transaction":
                if _is_savepoint(sql):
                    cursor.execute(sql)  # the request's savepoints, so a later RELEASE finds them
                continue
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql)
            data = cursor.fetchone()[0]
            data = json.loads(data) if isinstance(data, str) else data
            plan = data[0]
            triggers = sum(t.get("Time", 0) for t in plan.get("Triggers", []))
            out.append({"kind": kind, "execution_ms": plan["Execution Time"], "planning_ms": plan["Planning Time"],
                        "trigger_ms": triggers})
        transaction.set_rollback(True)
    return out


def plan_in_rollback(queries: list[str], wanted: set[int]) -> dict[int, str]:
    """Text plans (EXPLAIN ANALYZE, BUFFERS) of the statements at ``wanted`` positions, replaying the
    whole sequence in a transaction that is rolled back."""
    from django.db import connection, transaction
    plans = {}
    with transaction.atomic(), connection.cursor() as cursor:
        for index, sql in enumerate(queries):
            if classify_sql(sql) == "transaction":
                if _is_savepoint(sql):
                    cursor.execute(sql)
                continue
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            text = "\n".join(row[0] for row in cursor.fetchall())
            if index in wanted:
                plans[index] = text
        transaction.set_rollback(True)
    return plans


def replay_commit(queries: list[str]) -> float:
    """Run ``queries`` as they are in one transaction and commit: ms of client wall time."""
    from django.db import connection, transaction
    t0 = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for sql in queries:
            if classify_sql(sql) == "transaction" and not _is_savepoint(sql):
                continue  # BEGIN/COMMIT: the atomic block does its own
            cursor.execute(sql)
            if cursor.description is not None:
                cursor.fetchall()
    return (time.perf_counter() - t0) * 1000


# --- the run ----------------------------------------------------------------------------------

def migrate_and_fill(args, result: dict) -> dict:
    """Migrate, then fill the database, or reuse it when it already holds ``--runs`` filled runs
    (SystemExit when it holds another number). Records ``migrate_s`` and ``fill`` in ``result``;
    returns the bench state (``tenant_id``, ``runs``, ``measured_runs``)."""
    from django.core.management import call_command

    t0 = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    result["migrate_s"] = round(time.perf_counter() - t0, 2)
    log(args, f"migrate: {result['migrate_s']} s")

    state = bench_state()
    if state and state["runs"] == args.runs:
        log(args, f"reusing filled database: {state['runs']:,} runs (+{state['measured_runs']} from earlier "
                  "complete measurements)")
        result["fill"] = {"reused": True, "measured_runs_before": state["measured_runs"]}
        return state
    if state:
        raise SystemExit(f"database holds {state['runs']:,} runs, not {args.runs:,}; run without --keep "
                         "to recreate it")
    log(args, f"filling: {args.runs:,} runs …")
    t0 = time.perf_counter()
    result["fill"] = fill(args)
    result["fill"]["total_s"] = round(time.perf_counter() - t0, 2)
    log(args, "fill: " + ", ".join(f"{k} {v}" for k, v in result["fill"].items()))
    return bench_state()


def database_config(tenant_id: int) -> dict:
    """Row counts of the tenant's runs, items, materials and ledger, runs by status, the range of
    start dates, table sizes and the server's version and settings."""
    from django.db import connection
    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT (SELECT count(*) FROM runs_productionrun WHERE tenant_id = %(t)s),
                   (SELECT count(*) FROM runs_productionrunitem AS i JOIN runs_productionrun AS r ON r.id = i.run_id
                    WHERE r.tenant_id = %(t)s),
                   (SELECT count(*) FROM runs_productionrunmaterial AS m JOIN runs_productionrun AS r
                    ON r.id = m.run_id WHERE r.tenant_id = %(t)s),
                   (SELECT count(*) FROM inventory_inventorytransaction WHERE tenant_id = %(t)s),
                   pg_size_pretty(pg_total_relation_size('runs_productionrun')),
                   pg_size_pretty(pg_total_relation_size('runs_productionrunitem')),
                   pg_size_pretty(pg_total_relation_size('runs_productionrunmaterial')),
                   version(), current_setting('shared_buffers'), current_setting('work_mem'),
                   current_setting('synchronous_commit')
        """, {"t": tenant_id})
        (n_runs, n_items, n_materials, n_ledger, runs_size, items_size, materials_size, version, shared_buffers,
         work_mem, sync_commit) = cursor.fetchone()
        cursor.execute("SELECT status, count(*) FROM runs_productionrun WHERE tenant_id = %s GROUP BY 1 ORDER BY 1",
                       [tenant_id])
        by_status = dict(cursor.fetchall())
        cursor.execute("SELECT min(started_at), max(started_at) FROM runs_productionrun WHERE tenant_id = %s",
                       [tenant_id])
        first, last = cursor.fetchone()
    return {"runs_total": n_runs, "items": n_items, "materials": n_materials, "ledger_rows": n_ledger,
            "by_status": by_status, "started_range": [first.date().isoformat(), last.date().isoformat()],
            "runs_size": runs_size, "items_size": items_size, "materials_size": materials_size,
            "postgres": version.split(" on ")[0], "shared_buffers": shared_buffers, "work_mem": work_mem,
            "synchronous_commit": sync_commit, "cpus": os.cpu_count(), "ledger_rows_for_runs": False}


def check_run_totals(args, tenant_id: int) -> dict:
    """``check_totals`` of the tenant, logged; SystemExit when a run's totals disagree with its
    materials. Then ``VACUUM (ANALYZE)`` of the runs: the check's rolled-back UPDATEs (and earlier
    --keep measurements) cleared all-visible bits of the pages they touched, and index-only scans
    should see the table as autovacuum leaves it."""
    from django.db import connection

    tc = check_totals(tenant_id)
    log(args, f"run totals vs materials: {tc['sql_mismatches']} mismatches in SQL over every run; "
              f"{tc['service_mismatches']} of {tc['service_sample']} sampled runs differ from run_totals_refresh "
              f"({tc['check_ms']} ms)")
    if tc["sql_mismatches"] or tc["service_mismatches"]:
        raise SystemExit(f"run totals disagree with their materials: {tc}")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) runs_productionrun")
    return tc


def captured_sql(call) -> tuple[object, list[str]]:
    """``call()``'s result and the SQL of every query it ran."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        response = call()
    return response, [q["sql"] for q in ctx.captured_queries]


class RunsApi:
    """The API in process as ``user`` (DRF ``APIClient`` + ``force_authenticate``)."""

    def __init__(self, user):
        from rest_framework.test import APIClient

        self.client = APIClient()
        self.client.force_authenticate(user=user)

    def get(self, path: str, params: dict | None = None):
        """``GET path?params``; SystemExit unless 200."""
        response = self.client.get(path, params or {})
        if response.status_code != 200:
            raise SystemExit(f"GET {path} {params}: {response.status_code} {response.content[:400]!r}")
        return response

    def complete_call(self, run_obj):
        """A call that posts ``complete`` of ``run_obj`` (every material at its estimate); the body is
        built now, so the call times the request only. The call raises SystemExit unless 200."""
        material_ids = list(run_obj.materials.order_by("id").values_list("id", flat=True))
        payload = complete_body(material_ids)

        def call():
            response = self.client.post(f"{API}/{run_obj.pk}/complete", payload, format="json")
            if response.status_code != 200:
                raise SystemExit(f"POST complete {run_obj.pk}: {response.status_code} {response.content[:400]!r}")
            return response
        return call


def measure_floor(args, api: RunsApi) -> dict:
    """``GET /api/v1/locations?page_size=1``: the framework floor, and its queries."""
    floor = time_calls(lambda: api.get(FLOOR_PATH, {"page_size": 1}), args.repeat, args.warmup)
    _, floor_sql = captured_sql(lambda: api.get(FLOOR_PATH, {"page_size": 1}))
    log(args, f"floor: {FLOOR_PATH}?page_size=1 p50 {floor['p50']} ms, {len(floor_sql)} queries")
    return {"label": f"GET {FLOOR_PATH}?page_size=1 (framework floor, 5 locations)",
            "endpoint_ms": floor, "query_count": len(floor_sql), "sql": floor_sql}


class ListExpectation(NamedTuple):
    """The filtered list's query parameters (the last ~3 months' completed runs, highest variance
    first) and what the filtered and the unfiltered list must show."""
    filtered: dict
    filtered_count: int
    filtered_top_variance: Decimal | None
    all_count: int


def list_expectation(tenant) -> ListExpectation:
    """The filtered list's parameters, its count and top variance, and the unfiltered count, in SQL."""
    from django.conf import settings
    from django.db import connection
    from django.utils import timezone

    today = timezone.localdate(timezone=None)
    date_from = today - dt.timedelta(days=91)
    filtered = {"status": "completed", "date_from": date_from.isoformat(), "date_to": today.isoformat(),
                "ordering": "-variance"}
    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT count(*), max(variance_pct) FROM runs_productionrun
            WHERE tenant_id = %s AND deleted_at IS NULL AND status = 'completed'
              AND (started_at AT TIME ZONE %s)::date BETWEEN %s AND %s
        """, [tenant.pk, settings.TIME_ZONE, date_from, today])
        expected_filtered, expected_top = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM runs_productionrun WHERE tenant_id = %s AND deleted_at IS NULL",
                       [tenant.pk])
        expected_all = cursor.fetchone()[0]
    return ListExpectation(filtered, expected_filtered, expected_top, expected_all)


def measure_list(args, api: RunsApi, name: str, params: dict, expected: int, expected_top: Decimal | None,
                 sql_repeat: int) -> dict:
    """``GET /api/v1/production-runs?params``, checked first (count, page length, and for the filtered
    list its top variance): timing, queries, their profile and the page + count SQL's execution."""
    body = api.get(API, params).json()
    assert body["count"] == expected, (name, body["count"], expected)
    assert len(body["results"]) == min(20, expected), (name, len(body["results"]))
    if name == "list_filtered" and expected:
        top = body["results"][0].get("variance_pct")
        assert top is not None and Decimal(str(top)) == expected_top, (top, expected_top)
    query = "?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else ""
    log(args, f"timing GET {API}{query} …")
    timing = time_calls(lambda: api.get(API, params), args.repeat, args.warmup)
    _, sql = captured_sql(lambda: api.get(API, params))
    profile = sql_profile(sql, sql_repeat, 2)
    page_count = [q for q in profile["queries"] if q["kind"].startswith(
        ("select runs_productionrun", "select distinct runs_productionrun", "count runs_productionrun"))]
    return {"label": f"GET {API}{query}", "count": body["count"], "endpoint_ms": timing, "query_count": len(sql),
            "sql": sql, "profile": profile,
            "page_count_exec_p50": round(sum(q["execution"]["p50"] for q in page_count), 3)}


def measure_detail(args, api: RunsApi, tenant, sql_repeat: int) -> dict:
    """``GET /api/v1/production-runs/{id}`` of the newest completed run with 3 items and 2 materials."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT r.id FROM runs_productionrun AS r
            WHERE r.tenant_id = %s AND r.status = 'completed' AND r.deleted_at IS NULL
              AND (SELECT count(*) FROM runs_productionrunitem WHERE run_id = r.id) = 3
              AND (SELECT count(*) FROM runs_productionrunmaterial WHERE run_id = r.id) = 2
            ORDER BY r.id DESC LIMIT 1
        """, [tenant.pk])
        detail_id = cursor.fetchone()[0]
    body = api.get(f"{API}/{detail_id}").json()
    assert len(body["items"]) == 3 and len(body["materials"]) == 2, body
    log(args, f"timing GET {API}/{detail_id} …")
    timing = time_calls(lambda: api.get(f"{API}/{detail_id}"), args.repeat, args.warmup)
    _, sql = captured_sql(lambda: api.get(f"{API}/{detail_id}"))
    return {"label": f"GET {API}/{{id}} (3 items, 2 materials)", "run_id": detail_id,
            "endpoint_ms": timing, "query_count": len(sql), "sql": sql,
            "profile": sql_profile(sql, sql_repeat, 2)}


class CompleteSetup(NamedTuple):
    """What the runs ``complete`` is measured on are made of: a printer, 3 products (the first one's
    recipe takes ``COMPLETE_PARTS`` components) and ``COMPLETE_MATERIALS`` spools received for the
    measurement (lot ``MEASURE_LOT``)."""
    printer: object
    products: list
    spools: list


def complete_parts_setup(tenant, user, product, location) -> None:
    """``COMPLETE_PARTS`` components (``BENCH-PART-nn``), a recipe of ``product`` (4 per plate) that
    takes one of each per plate, and 1,000,000 of each counted in at ``location`` (once; --keep
    reuses them)."""
    from inventory.models import ItemType
    from inventory.services import item_type_create, stock_adjust
    from plans.models import Recipe
    from plans.services import InputSpec, recipe_create

    if Recipe.objects.filter(tenant=tenant, name="bench: parts recipe").exists():
        return
    parts = [item_type_create(tenant=tenant, name=f"Bench part {n:02d}", sku=f"BENCH-PART-{n:02d}",
                              kind=ItemType.Kind.COMPONENT, unit_cost=Decimal("0.25"))
             for n in range(1, COMPLETE_PARTS + 1)]
    recipe_create(tenant=tenant, name="bench: parts recipe", product=product, output_quantity=4,
                  inputs=[InputSpec(item_type=part, quantity=Decimal(1)) for part in parts])
    for part in parts:
        stock_adjust(tenant=tenant, by=user, item_type=part, location=location, quantity=Decimal(1_000_000),
                     note="bench stock")


def complete_setup(tenant, user) -> CompleteSetup:
    """The first printer, the first 3 products (``complete_parts_setup`` for the first), and
    ``COMPLETE_MATERIALS`` new 20 kg spools at the printer's location, received through
    ``spool_receive``."""
    from inventory.models import ItemType, Location, Workstation
    from inventory.services import spool_receive

    printer = Workstation.objects.filter(tenant=tenant).order_by("id").first()
    materials = list(ItemType.objects.filter(tenant=tenant, kind=ItemType.Kind.MATERIAL).order_by("id"))
    products = list(ItemType.objects.filter(tenant=tenant, kind=ItemType.Kind.PRODUCT).order_by("id"))[:3]
    location = Location.objects.get(pk=printer.location_id)
    complete_parts_setup(tenant, user, products[0], location)
    spools = [spool_receive(tenant=tenant, by=user, item_type=materials[i % len(materials)], location=location,
                            initial_weight_g=Decimal("20000"), cost=Decimal("420.00"), lot_number=MEASURE_LOT)
              for i in range(COMPLETE_MATERIALS)]
    return CompleteSetup(printer, products, spools)


def complete_run_create(tenant, user, setup: CompleteSetup, **extra):
    """An in-progress run (noted ``MEASURE_NOTE``) on the setup's printer: 4 pieces of each product and
    one material per spool, 10 g + its position and 1.5 g purge; ``extra`` goes to the service."""
    from runs import services

    return services.production_run_create(
        tenant=tenant, by=user, workstation=setup.printer, notes=MEASURE_NOTE,
        items=[services.ItemSpec(product=p, quantity=4) for p in setup.products],
        materials=[services.MaterialSpec(spool=s, estimated_weight_g=Decimal("10.00") + i,
                                         estimated_purge_g=Decimal("1.50")) for i, s in enumerate(setup.spools)],
        **extra)


def time_complete_calls(args, calls: list) -> list[float]:
    """ms of each call after the first ``--warmup`` ones (one run each)."""
    for call in calls[:args.warmup]:
        call()
    times = []
    log(args, f"timing POST {API}/{{id}}/complete …")
    for call in calls[args.warmup:]:
        t0 = time.perf_counter()
        call()
        times.append((time.perf_counter() - t0) * 1000)
    return times


def replay_complete_calls(calls: list) -> dict:
    """Each call completes its run once under capture, rolled back; its statements are replayed
    under EXPLAIN ANALYZE (rolled back), then replayed as they are and committed. The profile:
    summed execution, replay wall time, and each statement's median execution, slowest first."""
    from django.db import transaction

    replay_exec, replay_wall, replay_runs = [], [], []
    per_kind: dict[str, list[float]] = {}
    for call in calls:
        with transaction.atomic():
            _, replay_sql = captured_sql(call)
            transaction.set_rollback(True)
        explained = explain_in_rollback(replay_sql)
        replay_exec.append(sum(e["execution_ms"] for e in explained))
        replay_runs.append(explained)
        for position, e in enumerate(explained):
            per_kind.setdefault(f"{position:02d} {e['kind']}", []).append(e["execution_ms"])
        replay_wall.append(replay_commit(replay_sql))
    slowest = sorted(((statistics.median(v), k) for k, v in per_kind.items()), reverse=True)
    return {"statements_explained": len(replay_runs[0]) if replay_runs else 0,
            "profile": {"exec_p50_sum": summarize(replay_exec)["p50"], "exec_sum": summarize(replay_exec),
                        "replay_commit_wall": summarize(replay_wall),
                        "by_statement_p50": [{"statement": k, "execution_p50": round(v, 3)} for v, k in slowest]}}


def measure_complete(args, api: RunsApi, tenant, user, sql_repeat: int) -> tuple[dict, CompleteSetup]:
    """``POST /api/v1/production-runs/{id}/complete`` of fresh runs with ``COMPLETE_MATERIALS``
    materials, one per call: timed ones, one captured (its run must end completed at its
    estimate), and ``sql_repeat`` replays. The measurement, and the setup its runs were made of."""
    from runs.models import ProductionRun

    log(args, f"making in-progress runs with {COMPLETE_MATERIALS} materials each …")
    setup = complete_setup(tenant, user)
    n_timed = args.warmup + args.repeat
    n_runs = n_timed + 1 + sql_repeat  # timed, one captured, the SQL replays
    t0 = time.perf_counter()
    fresh = [complete_run_create(tenant, user, setup, slicer="PrusaSlicer 2.8.1") for _ in range(n_runs)]
    create_ms = (time.perf_counter() - t0) * 1000 / n_runs
    log(args, f"  {n_runs} runs made with production_run_create, {create_ms:.1f} ms each")

    calls = [api.complete_call(r) for r in fresh]  # the bodies are built before timing
    times = time_complete_calls(args, calls[:n_timed])
    _, sql = captured_sql(calls[n_timed])
    done = ProductionRun.objects.get(pk=fresh[n_timed].pk)
    assert done.status == ProductionRun.Status.COMPLETED and done.actual_weight_g == done.estimated_weight_g, done
    assert done.parts.filter(quantity=1).count() == COMPLETE_PARTS, "every run uses one of each part"
    replays = replay_complete_calls(calls[n_timed + 1:])
    return {"label": f"POST {API}/{{id}}/complete ({COMPLETE_MATERIALS} materials, use_estimate; "
                     f"{COMPLETE_PARTS} parts from the recipe)",
            "endpoint_ms": summarize(times), "query_count": len(sql), "sql": sql,
            "statements_explained": replays["statements_explained"],
            "create_run_ms_each": round(create_ms, 1), "profile": replays["profile"],
            "kinds": kind_counts(sql)}, setup


def add_ratios(measurements: dict) -> None:
    """Each measurement's endpoint p50 over its SQL (and the kinds of its queries, where missing)."""
    for name in ("list_filtered", "list_all"):
        m = measurements[name]
        m["ratio_endpoint_over_page_count_sql"] = _ratio(m["endpoint_ms"]["p50"], m["page_count_exec_p50"])
        m["ratio_endpoint_over_all_sql"] = _ratio(m["endpoint_ms"]["p50"], m["profile"]["exec_p50_sum"])
        m["kinds"] = kind_counts(m["sql"])
    measurements["detail"]["ratio_endpoint_over_all_sql"] = _ratio(
        measurements["detail"]["endpoint_ms"]["p50"], measurements["detail"]["profile"]["exec_p50_sum"])
    measurements["detail"]["kinds"] = kind_counts(measurements["detail"]["sql"])
    c = measurements["complete"]
    c["ratio_endpoint_over_all_sql"] = _ratio(c["endpoint_ms"]["p50"], c["profile"]["exec_p50_sum"])
    c["ratio_endpoint_over_replay_wall"] = _ratio(c["endpoint_ms"]["p50"], c["profile"]["replay_commit_wall"]["p50"])


def targets(measurements: dict) -> dict[str, bool]:
    """The issues' targets: each list within 3× its page + count SQL, complete's p95 under 50 ms
    (issue 12: 20 materials and 10 parts; it was 100 ms for 20 materials before)."""
    return {
        "list_filtered_within_3x_sql": measurements["list_filtered"]["ratio_endpoint_over_page_count_sql"] <= 3,
        "list_all_within_3x_sql": measurements["list_all"]["ratio_endpoint_over_page_count_sql"] <= 3,
        "complete_p95_under_50ms": measurements["complete"]["endpoint_ms"]["p95"] < 50,
    }


def read_plans(measurements: dict) -> dict[str, str]:
    """Text plans of the lists' and the detail's queries (not transactions or the tenant lookup)."""
    plans = {}
    for name in ("list_filtered", "list_all", "detail"):
        for index, q in enumerate(measurements[name]["profile"]["queries"]):
            if q["kind"] != "transaction" and q["kind"] != "tenant_lookup":
                plans[f"{name}: #{index} {q['kind']}"] = explain(q["sql"], plan_text=True)["plan"]
    return plans


def complete_plans(api: RunsApi, tenant, user, setup: CompleteSetup, complete: dict) -> dict[str, str]:
    """Text plans of the three slowest statements of complete, replayed in order in a rolled-back
    transaction (on a fresh run, completed once under capture and rolled back)."""
    from django.db import transaction

    extra = complete_run_create(tenant, user, setup)
    with transaction.atomic():
        _, extra_sql = captured_sql(api.complete_call(extra))
        transaction.set_rollback(True)
    statements = [i for i, s in enumerate(extra_sql) if classify_sql(s) != "transaction"]
    wanted_positions = {int(s["statement"].split()[0]) for s in complete["profile"]["by_statement_p50"][:3]}
    wanted = {statements[p] for p in wanted_positions if p < len(statements)}
    return {f"complete: statement {statements.index(index):02d} {classify_sql(extra_sql[index])}": text
            for index, text in plan_in_rollback(extra_sql, wanted).items()}


def run(args) -> dict:
    # The pages render {% static %}; without a collectstatic run there is no manifest to hash
    # from, so use plain static URLs (as the tests do; the lookup costs the same).
    os.environ.setdefault("STATIC_MANIFEST", "false")
    import django
    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment
    from django.urls import Resolver404, resolve

    from prodtrack.models import Tenant, User

    setup_test_environment(debug=False)
    from django.conf import settings
    assert not settings.DEBUG, "the benchmark must run with DEBUG=False"

    result: dict = {"config": {"loadavg_start": loadavg(), "runs": args.runs, "repeat": args.repeat,
                               "warmup": args.warmup, "database": urlsplit(args.database_url).path.lstrip("/")}}
    log(args, f"load average 1/5/15 min at start: {result['config']['loadavg_start']}")
    if not args.fill_only:
        try:
            resolve(API)
        except Resolver404:
            raise SystemExit(f"{API} does not resolve: the runs API is not installed in this checkout") from None

    state = migrate_and_fill(args, result)
    tenant = Tenant.objects.get(pk=state["tenant_id"])
    result["config"].update(database_config(tenant.pk))
    result["totals_check"] = check_run_totals(args, tenant.pk)
    if args.fill_only:
        result["config"]["loadavg_end"] = loadavg()
        connection.close()
        return result

    user = User.objects.get(username="bench")
    api = RunsApi(user)
    sql_repeat = max(5, min(args.repeat, 30))
    measurements: dict = {"floor": measure_floor(args, api)}
    lists = list_expectation(tenant)
    measurements["list_filtered"] = measure_list(args, api, "list_filtered", lists.filtered, lists.filtered_count,
                                                 lists.filtered_top_variance, sql_repeat)
    measurements["list_all"] = measure_list(args, api, "list_all", {}, lists.all_count, None, sql_repeat)
    measurements["detail"] = measure_detail(args, api, tenant, sql_repeat)
    # The pages: the run list and the complete form's live variance preview.
    measurements.update(measure_pages(args, tenant, user, lists.filtered, lists.filtered_count, lists.all_count,
                                      sql_repeat))
    measurements["complete"], setup = measure_complete(args, api, tenant, user, sql_repeat)

    add_ratios(measurements)
    result["targets"] = targets(measurements)
    result["plans"] = {**read_plans(measurements),
                       **complete_plans(api, tenant, user, setup, measurements["complete"])}
    result["measurements"] = measurements
    result["config"]["complete_sample_sql_count"] = len(measurements["complete"]["sql"])
    result["config"]["loadavg_end"] = loadavg()
    log(args, f"load average 1/5/15 min at end: {result['config']['loadavg_end']}")
    connection.close()
    return result


def preview_form(run_obj) -> dict:
    """The complete form as the browser posts it to the live preview: the first material at its
    estimate, the second and fourth weighed before and after printing (the second 25 % over), the
    third in grams; every piece successful, four stars."""
    materials = list(run_obj.materials.order_by("id"))
    cent = Decimal("0.01")
    ways = [{"mode": "estimate"},
            {"mode": "weigh", "weight_before_g": "1180.00",
             "weight_after_g": str((Decimal("1180.00") - materials[1].estimated_total_g * Decimal("1.25")).quantize(cent))},
            {"mode": "grams", "actual_weight_g": str(materials[2].estimated_weight_g + Decimal("1.20"))},
            {"mode": "weigh", "weight_before_g": "842.50",
             "weight_after_g": str(Decimal("842.50") - materials[3].estimated_total_g)}]
    form = {"quality_rating": "4", "quality_notes": "", "completion_notes": ""}
    for material, way in zip(materials, ways, strict=True):
        row = {"weight_before_g": "", "weight_after_g": "", "actual_weight_g": "",
               "actual_purge_g": str(material.estimated_purge_g), **way}
        form.update({f"material-{material.pk}-{name}": value for name, value in row.items()})
    for item in run_obj.items.order_by("id"):
        form.update({f"item-{item.pk}-successful_quantity": str(item.quantity),
                     f"item-{item.pk}-failed_quantity": "0", f"item-{item.pk}-waste_reason": ""})
    return form


def measure_pages(args, tenant, user, filtered: dict, expected_filtered: int, expected_all: int,
                  sql_repeat: int) -> dict:
    """The run list page (unfiltered and filtered) and the complete form's live variance preview,
    through Django's test ``Client`` logged in as ``user`` (an operator): p50 / p95 / min, the
    queries of one request and their ``EXPLAIN (ANALYZE)`` profile. The preview must write nothing."""
    from django.test import Client

    from inventory.models import InventoryTransaction, ItemType, Spool, Workstation
    from runs import services

    client = Client()
    client.force_login(user)

    def page(path: str, params: dict | None = None):
        response = client.get(path, params or {})
        if response.status_code != 200:
            raise SystemExit(f"GET {path} {params}: {response.status_code} {response.content[:400]!r}")
        return response

    page(PAGE_LIST)  # the first page of a session stores the active tenant in it
    out: dict = {}
    for name, params, expected in (("page_list_all", {}, expected_all),
                                   ("page_list_filtered", filtered, expected_filtered)):
        response = page(PAGE_LIST, params)
        assert response.context["page"].paginator.count == expected, (name, expected)
        label = f"GET {PAGE_LIST}" + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")
        log(args, f"timing {label} (HTML page) …")
        timing = time_calls(lambda p=params: page(PAGE_LIST, p), args.repeat, args.warmup)
        _, sql = captured_sql(lambda p=params: page(PAGE_LIST, p))
        out[name] = {"label": f"{label} (page, 25 rows)", "endpoint_ms": timing, "query_count": len(sql),
                     "sql": sql, "kinds": kind_counts(sql), "profile": sql_profile(sql, sql_repeat, 2)}

    # An in-progress run with 4 materials on spools of 4 materials, 2 products.
    printer = Workstation.objects.filter(tenant=tenant).order_by("id").first()
    spools, seen = [], set()
    for spool in Spool.objects.filter(tenant=tenant, status=Spool.Status.ACTIVE).exclude(
            lot_number=MEASURE_LOT).order_by("id"):
        if spool.item_type_id not in seen:
            seen.add(spool.item_type_id)
            spools.append(spool)
        if len(spools) == PREVIEW_MATERIALS:
            break
    products = list(ItemType.objects.filter(tenant=tenant, kind=ItemType.Kind.PRODUCT).order_by("id"))[:2]
    run_obj = services.production_run_create(
        tenant=tenant, by=user, workstation=printer, slicer="PrusaSlicer 2.8.1", notes=MEASURE_NOTE,
        items=[services.ItemSpec(product=p, quantity=4) for p in products],
        materials=[services.MaterialSpec(spool=s, estimated_weight_g=grams, estimated_purge_g=purge)
                   for s, (grams, purge) in zip(spools, PREVIEW_ESTIMATES, strict=True)])
    url = f"/runs/{run_obj.pk}/complete/preview/"
    body = preview_form(run_obj)
    ledger_before = InventoryTransaction.objects.filter(tenant=tenant).count()

    def preview():
        response = client.post(url, body, headers={"HX-Request": "true"})
        if response.status_code != 200:
            raise SystemExit(f"POST {url}: {response.status_code} {response.content[:400]!r}")
        return response

    html = preview().content.decode()
    assert 'id="preview-total"' in html and 'id="variance-warning"' in html and "<html" not in html, html[:400]
    log(args, f"timing POST {url} (live variance preview, {PREVIEW_MATERIALS} materials) …")
    timing = time_calls(preview, args.repeat, args.warmup)
    _, sql = captured_sql(preview)
    run_obj.refresh_from_db()
    assert run_obj.status == run_obj.Status.IN_PROGRESS and run_obj.actual_weight_g is None, "the preview wrote"
    assert InventoryTransaction.objects.filter(tenant=tenant).count() == ledger_before, "the preview wrote"
    out["page_preview"] = {
        "label": f"POST /runs/{{id}}/complete/preview/ (HTMX, {PREVIEW_MATERIALS} materials, whole form)",
        "run_id": run_obj.pk, "endpoint_ms": timing, "query_count": len(sql), "sql": sql, "kinds": kind_counts(sql),
        "profile": sql_profile(sql, sql_repeat, 2)}
    return out


def complete_body(material_ids: list[int]) -> dict:
    """The complete request: every material at its estimate (items default to all successful)."""
    return {"materials": [{"material_id": pk, "use_estimate": True} for pk in material_ids]}


def _ratio(a: float, b: float) -> float | None:
    return round(a / b, 1) if b else None


# --- output -----------------------------------------------------------------------------------

def print_header(result: dict) -> None:
    """The data (runs, items, materials, sizes), the server, the fill and the totals check."""
    cfg = result["config"]
    print(f"production runs: {cfg['runs_total']:,} runs ({', '.join(f'{k} {v:,}' for k, v in cfg['by_status'].items())}),"
          f" {cfg['items']:,} items, {cfg['materials']:,} materials, started {cfg['started_range'][0]} … "
          f"{cfg['started_range'][1]}")
    print(f"  sizes: runs {cfg['runs_size']}, items {cfg['items_size']}, materials {cfg['materials_size']}; "
          f"ledger {cfg['ledger_rows']:,} rows (spool receipts + complete measurements; no ledger rows for the "
          f"filled runs)")
    print(f"  {cfg['postgres']}, {cfg['cpus']} CPUs, shared_buffers {cfg['shared_buffers']}, work_mem "
          f"{cfg['work_mem']}, synchronous_commit {cfg['synchronous_commit']}; {cfg['repeat']} repetitions after "
          f"{cfg['warmup']} warm-up")
    if "total_s" in result["fill"]:
        print("  fill: " + ", ".join(f"{k} {v}" for k, v in result["fill"].items()))
    tc = result["totals_check"]
    print(f"  run totals vs materials: {tc['sql_mismatches']} mismatches (SQL, every run); "
          f"{tc['service_mismatches']}/{tc['service_sample']} differ from run_totals_refresh (sample)")
    print(f"  load average 1/5/15 min: start {cfg['loadavg_start']}, end {cfg['loadavg_end']}")


def print_timings(ms: dict) -> None:
    """One row per request: p50 / p95 / min ms and its number of queries."""
    rows = [(ms[name]["label"], ms[name]["endpoint_ms"], ms[name]["query_count"])
            for name in ("floor", "list_filtered", "list_all", "detail", "complete", *PAGE_MEASUREMENTS)]
    width = min(110, max(len(r[0]) for r in rows))
    print(f"{'':{width}}  {'p50 ms':>9} {'p95 ms':>9} {'min ms':>9} {'queries':>8}")
    for label, s, n in rows:
        print(f"{label[:width]:{width}}  {s['p50']:9.3f} {s['p95']:9.3f} {s['min']:9.3f} {n:8d}")


def print_api_profiles(ms: dict) -> None:
    """The lists' and the detail's queries: EXPLAIN ANALYZE execution, planning and wall time each,
    and the endpoint's ratio to its SQL."""
    for name in ("list_filtered", "list_all", "detail"):
        m = ms[name]
        p = m["profile"]
        print(f"{name}: {m['query_count']} queries, EXPLAIN ANALYZE exec p50 sum {p['exec_p50_sum']:.3f} ms "
              f"(+ planning {p['planning_p50_sum']:.3f} ms; client wall incl. round trip {p['wall_p50_sum']:.3f} ms)")
        for q in p["queries"]:
            if "execution" in q:
                print(f"    {q['kind']:<48} exec p50 {q['execution']['p50']:8.3f}  p95 {q['execution']['p95']:8.3f}"
                      f"  plan {q['planning']['p50']:6.3f}  wall {q['wall']['p50']:8.3f} ms")
            else:
                print(f"    {q['kind']}")
        if name.startswith("list"):
            print(f"    page + count exec p50: {m['page_count_exec_p50']:.3f} ms → endpoint p50 / (page + count) SQL = "
                  f"{m['ratio_endpoint_over_page_count_sql']}× (target ≤ 3×); endpoint / all its SQL = "
                  f"{m['ratio_endpoint_over_all_sql']}×; count = {m['count']:,} runs")
        else:
            print(f"    endpoint p50 / SQL exec = {m['ratio_endpoint_over_all_sql']}×")


def print_page_profiles(ms: dict) -> None:
    """The pages' queries by kind, their summed SQL time and the page's ratio to it."""
    for name in PAGE_MEASUREMENTS:
        m = ms[name]
        p = m["profile"]
        print(f"{name}: {m['query_count']} queries ({', '.join(f'{k} {v}' for k, v in m['kinds'].items())}); "
              f"EXPLAIN ANALYZE exec p50 sum {p['exec_p50_sum']:.3f} ms (+ planning {p['planning_p50_sum']:.3f} ms; "
              f"client wall {p['wall_p50_sum']:.3f} ms); endpoint p50 / SQL exec = "
              f"{_ratio(m['endpoint_ms']['p50'], p['exec_p50_sum'])}×")


def print_complete(c: dict) -> None:
    """complete's queries, their replayed SQL time, its ratios and its slowest statements."""
    p = c["profile"]
    print(f"complete: {c['query_count']} queries ({', '.join(f'{k} {v}' for k, v in c['kinds'].items())})")
    print(f"    EXPLAIN ANALYZE exec sum over {c['statements_explained']} statements (replayed, rolled back): "
          f"p50 {p['exec_sum']['p50']:.3f}, p95 {p['exec_sum']['p95']:.3f} ms; same SQL replayed as is + COMMIT, "
          f"client wall: p50 {p['replay_commit_wall']['p50']:.3f} ms")
    print(f"    endpoint p50 / SQL exec = {c['ratio_endpoint_over_all_sql']}×; endpoint p50 / SQL replay wall = "
          f"{c['ratio_endpoint_over_replay_wall']}×; p95 {c['endpoint_ms']['p95']:.1f} ms (target < 50 ms)")
    print("    slowest statements (exec p50 ms): " + ", ".join(
        f"{s['statement']} {s['execution_p50']:.3f}" for s in p["by_statement_p50"][:6]))
    print(f"    (creating one such run with production_run_create: {c['create_run_ms_each']} ms, not timed)")


def print_targets(result: dict) -> None:
    """Each of the issue's targets, met or MISSED, with its figures."""
    ms, t = result["measurements"], result["targets"]
    c = ms["complete"]
    print("targets (from the issue):")
    for name, key, m in (("filtered list", "list_filtered_within_3x_sql", ms["list_filtered"]),
                         ("unfiltered list", "list_all_within_3x_sql", ms["list_all"])):
        print(f"  {name} within 3× its SQL (page + count): {'met' if t[key] else 'MISSED'} — endpoint p50 "
              f"{m['endpoint_ms']['p50']:.1f} ms = {m['ratio_endpoint_over_page_count_sql']}× its "
              f"{m['page_count_exec_p50']:.1f} ms of SQL (framework floor {ms['floor']['endpoint_ms']['p50']:.1f} ms)")
    print(f"  complete p95 under 50 ms: {'met' if t['complete_p95_under_50ms'] else 'MISSED'} — p50 "
          f"{c['endpoint_ms']['p50']:.1f}, p95 {c['endpoint_ms']['p95']:.1f} ms")


def print_sql_and_plans(result: dict) -> None:
    """The SQL of one request of each measurement, then every text plan."""
    ms = result["measurements"]
    for name in ("floor", "list_filtered", "list_all", "detail", "complete", *PAGE_MEASUREMENTS):
        print(f"\n--- SQL of one request: {ms[name]['label']}")
        for sql in ms[name]["sql"]:
            print("  " + sql)
    for name, plan in result["plans"].items():
        print(f"\n--- plan: {name}\n{plan}")


def print_table(result: dict, show_plans: bool) -> None:
    ms = result["measurements"]
    print()
    print_header(result)
    print()
    print_timings(ms)
    print()
    print_api_profiles(ms)
    print_page_profiles(ms)
    print_complete(ms["complete"])
    print()
    print_targets(result)
    if show_plans:
        print_sql_and_plans(result)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_RUNS_DATABASE_URL", DEFAULT_URL),
                        help=f"PostgreSQL URL of the bench database (default {DEFAULT_URL}); its name must "
                             "contain 'bench'")
    parser.add_argument("--runs", type=int, default=100_000, help="production runs to fill (default 100,000)")
    parser.add_argument("--repeat", type=int, default=50, help="measured repetitions (default 50)")
    parser.add_argument("--warmup", type=int, default=5, help="warm-up repetitions (default 5)")
    parser.add_argument("--keep", action="store_true",
                        help="reuse the database if already filled with the same --runs; do not drop it")
    parser.add_argument("--json", action="store_true", help="print the results as JSON (progress to stderr)")
    parser.add_argument("--plans", action="store_true", help="also print the SQL and the EXPLAIN plans")
    parser.add_argument("--save-json", metavar="PATH", help="also write the JSON results to PATH")
    parser.add_argument("--fill-only", action="store_true",
                        help="fill (or reuse) and check the database, measure nothing; JSON summary")
    args = parser.parse_args(argv)
    if args.runs < 100:
        parser.error("--runs must be at least 100")
    if args.repeat < 1 or args.warmup < 0:
        parser.error("--repeat must be >= 1 and --warmup >= 0")

    result = run_on_bench_database(args, run)
    if args.save_json:
        Path(args.save_json).write_text(json.dumps(result, indent=2, default=str))
    if args.json or args.fill_only:
        print(json.dumps(result, indent=2, default=str))
    else:
        print_table(result, args.plans)
    return 0


if __name__ == "__main__":
    sys.exit(main())
