#!/usr/bin/env python
"""Benchmark: stock on hand of 500 (item type, location) pairs over 1,000,000 ledger rows.

Run from the project root::

    .venv/bin/python bench/stock_on_hand.py                 # full size, drops its database at the end
    .venv/bin/python bench/stock_on_hand.py --keep          # keep (and next time reuse) the filled database
    .venv/bin/python bench/stock_on_hand.py --rows 100000 --pairs 50 --repeat 20 --json

It creates its own PostgreSQL database (``--database-url``, default
``postgres://postgres@127.0.0.1:5432/prodtrack_bench``), runs ``migrate``, fills it with
set-based SQL (one tenant, one user, ``pairs / 5`` material item types × 5 locations,
``--rows`` ledger rows, one ``StockBalance`` per pair = the ledger sum), checks 0 drift, then
measures:

1. ``GET /api/v1/stock?page_size=100`` in-process (DRF ``APIClient`` + ``force_authenticate``),
   every page and all pages together: p50 / p95 / min over ``--repeat`` repetitions;
2. the queries of one request (``CaptureQueriesContext``): exactly one balance-list query,
   plus the paginator's count and the tenant lookup, whatever the page size;
3. the SQL Django issues for a page, via ``EXPLAIN (ANALYZE, BUFFERS)`` → Execution Time;
4. the naive ledger aggregation (``SUM(quantity) … GROUP BY item_type_id, location_id``) the
   balances replace (DESIGN §3: 35–150 ms), the same way.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench._common import (  # noqa: E402
    create_indexes,
    drop_secondary_indexes,
    explain,
    explain_series,
    log,
    run_on_bench_database,
    skip_fk_triggers,
    summarize,
    wall_series,
)

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/prodtrack_bench"
N_LOCATIONS = 5
TENANT_SLUG = "bench-stock"
API_PATH = "/api/v1/stock"


# --- fill -------------------------------------------------------------------------------------

def bench_state(tenant_slug: str) -> dict | None:
    """Rows and pairs of an already-filled bench database, or None."""
    from django.db import connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM prodtrack_tenant WHERE slug = %s", [tenant_slug])
        row = cursor.fetchone()
        if row is None:
            return None
        tenant_id = row[0]
        cursor.execute("SELECT count(*) FROM inventory_inventorytransaction WHERE tenant_id = %s", [tenant_id])
        rows = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM inventory_stockbalance WHERE tenant_id = %s", [tenant_id])
        pairs = cursor.fetchone()[0]
    return {"tenant_id": tenant_id, "rows": rows, "pairs": pairs}


def fill(args) -> dict[str, float]:
    """One tenant, a user, item types × locations, the ledger and its balances; set-based SQL."""
    from django.db import connection, transaction

    from inventory.models import ItemType, Location
    from prodtrack.models import Membership, Role, Tenant, User

    n_pairs, n_rows = args.pairs, args.rows
    n_locations = min(N_LOCATIONS, n_pairs)
    n_items = math.ceil(n_pairs / n_locations)
    timings: dict[str, float] = {}

    t0 = time.perf_counter()
    with transaction.atomic():
        tenant = Tenant.objects.create(name="Bench Stock", slug=TENANT_SLUG, short_code="BENCH")
        user = User.objects.create_user(username="bench", password=None)
        Membership.objects.create(user=user, tenant=tenant, role=Role.VIEWER)
        Location.objects.bulk_create(
            [Location(tenant=tenant, name=f"Location {i + 1}", kind=Location.Kind.WAREHOUSE)
             for i in range(n_locations)])
        with connection.cursor() as cursor:
            cursor.execute(f"""
                INSERT INTO {ItemType._meta.db_table}
                    (tenant_id, name, sku, kind, unit, unit_cost, is_active, material, manufacturer,
                     color_name, color_hex, density_g_cm3, diameter_mm, net_weight_g, spool_weight_g,
                     catalog_id, created_at)
                SELECT %(tenant)s,
                       (ARRAY['Prusament', 'Polymaker', 'eSun', 'Bambu'])[1 + g %% 4] || ' '
                         || (ARRAY['PLA', 'PETG', 'ASA'])[1 + g %% 3] || ' Colour ' || lpad(g::text, 5, '0'),
                       'BENCH-' || lpad(g::text, 6, '0'),
                       'material', 'g', 0.0250, true,
                       (ARRAY['PLA', 'PETG', 'ASA'])[1 + g %% 3],
                       (ARRAY['Prusament', 'Polymaker', 'eSun', 'Bambu'])[1 + g %% 4],
                       'Colour ' || lpad(g::text, 5, '0'),
                       '#' || substr(md5(g::text), 1, 6),
                       1.240, 1.75, 1000, 200, '', now()
                FROM generate_series(1, %(n_items)s) AS g
            """, {"tenant": tenant.pk, "n_items": n_items})
    timings["setup_s"] = time.perf_counter() - t0

    # The ledger: the first n_pairs rows give every pair an opening receipt; the rest are spread
    # at random over the pairs: 35 % receipts (+), 55 % usage (−), 10 % adjustments (±).
    # created_at spread over the last year; spool NULL; posted by the bench user.
    # Speed: the plain secondary indexes are dropped and rebuilt around the insert (same names and
    # definitions, in the same transaction), and, when the role may (superuser), the per-row
    # foreign-key triggers are skipped with session_replication_role = replica: every id comes
    # from the tables just filled, so the rows are valid by construction.
    t0 = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        timings["fk_triggers_skipped"] = skip_fk_triggers(cursor)
        secondary = drop_secondary_indexes(cursor, "inventory_inventorytransaction")
        cursor.execute("SELECT setseed(0.42)")
        cursor.execute("""
            WITH it AS (SELECT array_agg(id ORDER BY id) AS ids FROM inventory_itemtype WHERE tenant_id = %(tenant)s),
                 lo AS (SELECT array_agg(id ORDER BY id) AS ids FROM inventory_location WHERE tenant_id = %(tenant)s),
                 src AS (
                    SELECT g,
                           CASE WHEN g <= %(pairs)s THEN g - 1 ELSE floor(random() * %(pairs)s)::int END AS p,
                           CASE WHEN g <= %(pairs)s THEN 0.0 ELSE random() END AS r,
                           random() AS q,
                           random() AS t
                    FROM generate_series(1, %(rows)s) AS g)
            INSERT INTO inventory_inventorytransaction
                (tenant_id, item_type_id, location_id, spool_id, quantity, transaction_type,
                 reference_type, reference_id, reference_label, reverses_id, created_by_id, created_at, note)
            SELECT %(tenant)s,
                   it.ids[1 + src.p / %(n_loc)s],
                   lo.ids[1 + src.p %% %(n_loc)s],
                   NULL,
                   CASE WHEN src.r < 0.35 THEN round((250 + src.q * 750)::numeric, 3)
                        WHEN src.r < 0.90 THEN -round((1 + src.q * 120)::numeric, 3)
                        ELSE round(((src.q - 0.5) * 40)::numeric, 3) END,
                   CASE WHEN src.r < 0.35 THEN 'receipt' WHEN src.r < 0.90 THEN 'usage' ELSE 'adjustment' END,
                   CASE WHEN src.r >= 0.35 AND src.r < 0.90 THEN 'run' ELSE '' END,
                   CASE WHEN src.r >= 0.35 AND src.r < 0.90 THEN (src.g / 7)::text ELSE '' END,
                   '',
                   NULL,
                   %(user)s,
                   now() - (src.t * interval '365 days'),
                   ''
            FROM src, it, lo
        """, {"tenant": tenant.pk, "user": user.pk, "pairs": n_pairs, "rows": n_rows, "n_loc": n_locations})
        timings["ledger_insert_s"] = time.perf_counter() - t0
        t1 = time.perf_counter()
        create_indexes(cursor, secondary)
        timings["ledger_indexes_s"] = time.perf_counter() - t1
    timings["ledger_s"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("""
            INSERT INTO inventory_stockbalance (tenant_id, item_type_id, location_id, quantity, updated_at)
            SELECT tenant_id, item_type_id, location_id, SUM(quantity), now()
            FROM inventory_inventorytransaction
            WHERE tenant_id = %s
            GROUP BY tenant_id, item_type_id, location_id
        """, [tenant.pk])
    timings["balances_s"] = time.perf_counter() - t0

    # VACUUM sets hint bits and the visibility map, as autovacuum would on a live database.
    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        for table in ("inventory_inventorytransaction", "inventory_stockbalance", "inventory_itemtype",
                      "inventory_location", "prodtrack_membership", "prodtrack_tenant", "prodtrack_user"):
            cursor.execute(f"VACUUM (ANALYZE) {table}")
    timings["vacuum_analyze_s"] = time.perf_counter() - t0
    return {k: round(v, 2) for k, v in timings.items()}


def drift_count(tenant_id: int) -> int:
    """Pairs whose balance differs from their ledger sum (either side missing counts too)."""
    from django.db import connection
    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT count(*)
            FROM (SELECT item_type_id, location_id, SUM(quantity) AS total
                  FROM inventory_inventorytransaction WHERE tenant_id = %(t)s
                  GROUP BY item_type_id, location_id) AS l
            FULL JOIN (SELECT item_type_id, location_id, quantity
                       FROM inventory_stockbalance WHERE tenant_id = %(t)s) AS b
                   USING (item_type_id, location_id)
            WHERE COALESCE(l.total, 0) <> COALESCE(b.quantity, 0)
        """, {"t": tenant_id})
        return cursor.fetchone()[0]


# --- measurements -----------------------------------------------------------------------------

def classify(sql: str) -> str:
    s = sql.lower()
    if "inventory_stockbalance" in s:
        return "balance_count" if "count(" in s else "balance_list"
    if "prodtrack_membership" in s or "prodtrack_tenant" in s:
        return "tenant_lookup"
    if "prodtrack_user" in s or "django_session" in s or "authtoken" in s:
        return "auth"
    if s.strip() in ("begin", "commit", "rollback") or s.startswith(("savepoint", "release savepoint")):
        return "transaction"
    return "other"


def auth_query_counts(user, page_size: int) -> dict:
    """Queries of one page request with real token and session authentication (for information:
    force_authenticate skips the authentication queries)."""
    from django.contrib.sessions.models import Session
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    counts = {}
    token, _ = Token.objects.get_or_create(user=user)
    session_client = APIClient()
    session_client.force_login(user)
    token_client = APIClient()
    token_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    try:
        for name, client in (("token", token_client), ("session", session_client)):
            client.get(API_PATH, {"page_size": page_size})
            with CaptureQueriesContext(connection) as captured:
                response = client.get(API_PATH, {"page_size": page_size})
            assert response.status_code == 200, response.content[:300]
            kinds = [classify(q["sql"]) for q in captured.captured_queries]
            assert kinds.count("balance_list") == 1
            counts[name] = {"total": len(kinds), **{k: kinds.count(k) for k in sorted(set(kinds))},
                            "sql": [q["sql"][:90] for q in captured.captured_queries]}
    finally:
        token.delete()
        Session.objects.all().delete()
    return counts


def migrate_and_fill(args, result: dict) -> dict:
    """Migrate, then fill the database, or reuse it when it is already filled with the same
    ``--rows``/``--pairs`` (SystemExit when filled with other sizes). Records ``migrate_s`` and
    ``fill`` in ``result``; returns the bench state (``tenant_id``, ``rows``, ``pairs``)."""
    from django.core.management import call_command

    t0 = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    result["migrate_s"] = round(time.perf_counter() - t0, 2)
    log(args, f"migrate: {result['migrate_s']} s")

    state = bench_state(TENANT_SLUG)
    if state and state["rows"] == args.rows and state["pairs"] == args.pairs:
        log(args, f"reusing filled database: {state['rows']:,} ledger rows, {state['pairs']} pairs")
        result["fill"] = {"reused": True}
        return state
    if state:
        raise SystemExit(f"database holds {state['rows']:,} rows / {state['pairs']} pairs, not "
                         f"{args.rows:,} / {args.pairs}; run without --keep to recreate it")
    log(args, f"filling: {args.rows:,} ledger rows over {args.pairs} pairs …")
    t0 = time.perf_counter()
    result["fill"] = fill(args)
    result["fill"]["total_s"] = round(time.perf_counter() - t0, 2)
    log(args, "fill: " + ", ".join(f"{k} {v}" for k, v in result["fill"].items()))
    return bench_state(TENANT_SLUG)


def database_sizes() -> dict:
    """Sizes of the ledger and the balances (pretty-printed), the PostgreSQL version, the CPUs."""
    from django.db import connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_total_relation_size('inventory_inventorytransaction')), "
                       "pg_size_pretty(pg_total_relation_size('inventory_stockbalance')), version()")
        ledger_size, balance_size, version = cursor.fetchone()
    return {"ledger_size": ledger_size, "balance_size": balance_size, "postgres": version.split(" on ")[0],
            "cpus": os.cpu_count()}


def check_drift(args, tenant_id: int) -> dict:
    """Pairs whose balance differs from the ledger sum (``pairs``) and the check's time
    (``check_ms``); SystemExit when there is any."""
    t0 = time.perf_counter()
    drift = drift_count(tenant_id)
    checked = {"pairs": drift, "check_ms": round((time.perf_counter() - t0) * 1000, 1)}
    log(args, f"drift: {drift} pairs (balance != ledger sum), checked in {checked['check_ms']} ms")
    if drift:
        raise SystemExit("balances disagree with the ledger")
    return checked


class StockApi:
    """``GET /api/v1/stock`` in process (DRF ``APIClient`` + ``force_authenticate`` as ``user``)."""

    def __init__(self, user, page_size: int):
        from rest_framework.test import APIClient

        self.client = APIClient()
        self.client.force_authenticate(user=user)
        self.page_size = page_size

    def get(self, page: int, page_size: int | None = None):
        """One page, at ``--page-size`` unless ``page_size`` is given; SystemExit unless 200."""
        params = {"page_size": self.page_size if page_size is None else page_size, "page": page}
        response = self.client.get(API_PATH, params)
        if response.status_code != 200:
            raise SystemExit(f"GET {API_PATH} page {page}: {response.status_code} {response.content[:300]!r}")
        return response


def check_pages(api: StockApi, args, tenant_id: int, pages: int) -> None:
    """The endpoint's pages list every balance exactly once, with its quantity (AssertionError otherwise)."""
    from django.db import connection

    seen = {}
    for page in range(1, pages + 1):
        body = api.get(page).json()
        assert body["count"] == args.pairs, body["count"]
        for row in body["results"]:
            seen[(row["item_type"]["id"], row["location"]["id"])] = row["quantity"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT item_type_id, location_id, quantity FROM inventory_stockbalance WHERE tenant_id = %s",
                       [tenant_id])
        expected = {(item_type_id, location_id): f"{quantity:.3f}"
                    for item_type_id, location_id, quantity in cursor.fetchall()}
    assert seen == expected, "the endpoint's pages do not list every balance exactly once"


def queries_by_page_size(api: StockApi, args) -> dict[str, dict]:
    """Queries of the first and the last page for page sizes 1, 10 and ``--page-size``, by kind
    (``classify``): exactly one balance list, one count and nothing unexpected, and the same
    total for every request (AssertionError otherwise)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    queries: dict = {}
    for page_size in sorted({1, 10, args.page_size}):
        for page in (1, math.ceil(args.pairs / page_size)):
            with CaptureQueriesContext(connection) as captured:
                api.get(page, page_size)
            kinds = [classify(q["sql"]) for q in captured.captured_queries]
            queries[f"page_size={page_size} page={page}"] = {
                "total": len(kinds), **{k: kinds.count(k) for k in sorted(set(kinds))}}
            assert kinds.count("balance_list") == 1, (page_size, page, captured.captured_queries)
            assert kinds.count("balance_count") == 1, (page_size, page, captured.captured_queries)
            assert kinds.count("other") == 0, (page_size, page, captured.captured_queries)
    totals = {v["total"] for v in queries.values()}
    assert len(totals) == 1, f"query count depends on the page size: {queries}"
    return queries


def page_queries(api: StockApi, pages: int) -> tuple[dict[int, str], str, list[str]]:
    """The balance-list SQL of each page, the count SQL, and every query of page 1, as Django sent them."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    page_sql: dict[int, str] = {}
    for page in range(1, pages + 1):
        with CaptureQueriesContext(connection) as captured:
            api.get(page)
        sql = [q["sql"] for q in captured.captured_queries]
        page_sql[page] = next(s for s in sql if classify(s) == "balance_list")
        if page == 1:
            count_sql = next(s for s in sql if classify(s) == "balance_count")
            page1_sql = sql
    return page_sql, count_sql, page1_sql


def time_all_pages(api: StockApi, args, pages: int) -> tuple[dict[int, list[float]], list[float]]:
    """After ``--warmup`` rounds, ``--repeat`` rounds of every page: ms per page and per round."""
    for _ in range(args.warmup):
        for page in range(1, pages + 1):
            api.get(page)
    per_page: dict[int, list[float]] = {p: [] for p in range(1, pages + 1)}
    all_pages: list[float] = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        for page in range(1, pages + 1):
            t0 = time.perf_counter()
            api.get(page)
            per_page[page].append((time.perf_counter() - t0) * 1000)
        all_pages.append((time.perf_counter() - start) * 1000)
    return per_page, all_pages


def time_page_size_1(api: StockApi, args) -> list[float]:
    """ms of ``page_size=1`` (the framework floor + its 3 queries), ``--repeat`` times after ``--warmup``."""
    tiny = []
    for _ in range(args.warmup):
        api.get(1, 1)
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        api.get(1, 1)
        tiny.append((time.perf_counter() - t0) * 1000)
    return tiny


def measure_endpoint(api: StockApi, args, pages: int) -> dict:
    """p50 / p95 / min of one page, of each page, of all pages together and of ``page_size=1``."""
    per_page, all_pages = time_all_pages(api, args, pages)
    tiny = time_page_size_1(api, args)
    every_page = [t for times in per_page.values() for t in times]
    return {
        "per_page": summarize(every_page),
        "by_page": {str(p): summarize(t) for p, t in per_page.items()},
        "all_pages": summarize(all_pages),
        "page_size_1": summarize(tiny),
    }


def measure_sql(args, tenant_id: int, page_sql: dict[int, str], count_sql: str) -> tuple[dict, dict]:
    """EXPLAIN ANALYZE and client wall times of the balance SQL (each page, the count) and of the
    naive ledger ``SUM … GROUP BY``; and the text plans of page 1, the count and the naive SUM."""
    sql_pages = {str(p): explain_series(sql, args.repeat, args.warmup) for p, sql in page_sql.items()}
    sql_exec_each = [sql_pages[str(p)]["execution"]["p50"] for p in page_sql]
    naive_sql = ("SELECT item_type_id, location_id, SUM(quantity) FROM inventory_inventorytransaction "
                 f"WHERE tenant_id = {int(tenant_id)} GROUP BY 1, 2")
    sql_ms = {
        "balance_page": sql_pages,
        "balance_page_exec_p50_median": round(statistics.median(sql_exec_each), 3),
        "balance_all_pages_exec_p50_sum": round(sum(sql_exec_each), 3),
        "balance_count": explain_series(count_sql, args.repeat, args.warmup),
        "balance_page1_wall": wall_series(page_sql[1], args.repeat, args.warmup),
        "naive_ledger_sum": explain_series(naive_sql, args.repeat, min(args.warmup, 3)),
        "naive_ledger_sum_wall": wall_series(naive_sql, args.repeat, min(args.warmup, 3)),
    }
    plans = {"balance_page1": explain(page_sql[1], plan_text=True)["plan"],
             "balance_count": explain(count_sql, plan_text=True)["plan"],
             "naive_ledger_sum": explain(naive_sql, plan_text=True)["plan"]}
    return sql_ms, plans


def ratios(endpoint_ms: dict, sql_ms: dict) -> dict:
    """Endpoint page over its balance SQL, and the naive SUM over the balance SQL and over the
    whole endpoint for all pairs (p50s; None when a divisor is 0)."""
    endpoint_page = endpoint_ms["per_page"]["p50"]
    endpoint_all = endpoint_ms["all_pages"]["p50"]
    balance_page = sql_ms["balance_page_exec_p50_median"]
    balance_all = sql_ms["balance_all_pages_exec_p50_sum"]
    naive = sql_ms["naive_ledger_sum"]["execution"]["p50"]
    return {
        "endpoint_page_over_balance_sql": round(endpoint_page / balance_page, 1) if balance_page else None,
        "naive_over_balance_all_pairs": round(naive / balance_all, 1) if balance_all else None,
        "naive_over_endpoint_all_pages": round(naive / endpoint_all, 2) if endpoint_all else None,
    }


def run(args) -> dict:
    import django
    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    from prodtrack.models import User

    # setup_test_environment swaps in the in-memory email backend and makes the test client's
    # rendered-template signals available, as in the test suite; DEBUG stays False.
    setup_test_environment(debug=False)
    from django.conf import settings
    assert not settings.DEBUG, "the benchmark must run with DEBUG=False"

    result: dict = {"config": {"loadavg_start": [round(x, 2) for x in os.getloadavg()],
                               "rows": args.rows, "pairs": args.pairs, "repeat": args.repeat,
                               "warmup": args.warmup, "page_size": args.page_size,
                               "database": urlsplit(args.database_url).path.lstrip("/")}}
    state = migrate_and_fill(args, result)
    tenant_id = state["tenant_id"]
    result["config"]["ledger_rows"] = state["rows"]
    result["config"]["balance_rows"] = state["pairs"]
    result["config"].update(database_sizes())
    result["drift"] = check_drift(args, tenant_id)

    # --- the endpoint -----------------------------------------------------------------------
    user = User.objects.get(username="bench")
    api = StockApi(user, args.page_size)
    pages = math.ceil(args.pairs / args.page_size)
    check_pages(api, args, tenant_id, pages)  # correctness once, before timing anything
    by_request = queries_by_page_size(api, args)
    page_sql, count_sql, page1_sql = page_queries(api, pages)
    result["queries"] = {"per_request": next(iter(by_request.values()))["total"], "by_request": by_request,
                         "page1_sql": page1_sql, "by_auth": auth_query_counts(user, args.page_size)}
    log(args, f"queries per request: {result['queries']['per_request']} "
              f"(1 balance list + 1 count + tenant lookup), same for page_size 1, 10 and {args.page_size}")
    result["endpoint_ms"] = measure_endpoint(api, args, pages)

    # --- SQL ----------------------------------------------------------------------------------
    result["sql_ms"], result["plans"] = measure_sql(args, tenant_id, page_sql, count_sql)
    result["ratios"] = ratios(result["endpoint_ms"], result["sql_ms"])
    result["config"]["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    connection.close()
    return result


def print_table(result: dict, show_plans: bool) -> None:
    cfg = result["config"]
    ep, sq = result["endpoint_ms"], result["sql_ms"]
    pages = len(ep["by_page"])
    print()
    print(f"stock on hand: {cfg['balance_rows']} pairs over {cfg['ledger_rows']:,} ledger rows "
          f"(ledger {cfg['ledger_size']}, balances {cfg['balance_size']}); {cfg['postgres']}, "
          f"{cfg['cpus']} CPUs; {cfg['repeat']} repetitions after {cfg['warmup']} warm-up")
    print(f"queries per request: {result['queries']['per_request']} (1 balance list, 1 count, tenant lookup) "
          f"— independent of page size; drift: {result['drift']['pairs']}")
    auth = result["queries"]["by_auth"]
    print("  with real authentication: " + "; ".join(
        f"{name} {c['total']} ({', '.join(f'{k} {v}' for k, v in c.items() if k not in ('total', 'sql'))})"
        for name, c in auth.items()))
    print(f"load average 1/5/15 min: start {cfg['loadavg_start']}, end {cfg['loadavg_end']}")
    rows = [
        (f"GET {API_PATH}?page_size={cfg['page_size']}, one page", ep["per_page"]),
        (f"GET {API_PATH}, all {pages} pages ({cfg['balance_rows']} pairs)", ep["all_pages"]),
        (f"GET {API_PATH}?page_size=1 (floor + 3 queries)", ep["page_size_1"]),
        ("balance page SQL, EXPLAIN ANALYZE exec (page 1)", sq["balance_page"]["1"]["execution"]),
        ("balance page SQL, wall incl. round trip (page 1)", sq["balance_page1_wall"]),
        ("balance count(*) SQL, EXPLAIN ANALYZE exec", sq["balance_count"]["execution"]),
        ("naive ledger SUM … GROUP BY, EXPLAIN ANALYZE exec", sq["naive_ledger_sum"]["execution"]),
        ("naive ledger SUM … GROUP BY, wall incl. fetch", sq["naive_ledger_sum_wall"]),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"{'':{width}}  {'p50 ms':>9} {'p95 ms':>9} {'min ms':>9}")
    for label, s in rows:
        print(f"{label:{width}}  {s['p50']:9.3f} {s['p95']:9.3f} {s['min']:9.3f}")
    print("balance page SQL exec p50 by page: "
          + ", ".join(f"{p}: {v['execution']['p50']:.3f}" for p, v in sq["balance_page"].items())
          + f" → all {pages} pages {sq['balance_all_pages_exec_p50_sum']:.3f} ms")
    r = result["ratios"]
    print(f"ratio endpoint page p50 / balance page SQL exec p50: {r['endpoint_page_over_balance_sql']}×")
    print(f"ratio naive ledger SUM / balance SQL for all pairs ({pages} pages): {r['naive_over_balance_all_pairs']}×")
    print(f"ratio naive ledger SUM / whole endpoint for all pairs: {r['naive_over_endpoint_all_pages']}×")
    if show_plans:
        for name, plan in result["plans"].items():
            print(f"\n--- plan: {name}\n{plan}")
        print("\n--- queries of one request (page 1)")
        for sql in result["queries"]["page1_sql"]:
            print(" ", sql)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL),
                        help=f"PostgreSQL URL of the bench database (default {DEFAULT_URL}); its name must "
                             "contain 'bench'")
    parser.add_argument("--rows", type=int, default=1_000_000, help="ledger rows (default 1,000,000)")
    parser.add_argument("--pairs", type=int, default=500,
                        help=f"(item type, location) pairs, {N_LOCATIONS} locations (default 500)")
    parser.add_argument("--repeat", type=int, default=50, help="measured repetitions (default 50)")
    parser.add_argument("--warmup", type=int, default=5, help="warm-up repetitions (default 5)")
    parser.add_argument("--page-size", type=int, default=100, help="API page size (default 100, the maximum)")
    parser.add_argument("--keep", action="store_true",
                        help="reuse the database if already filled with the same --rows/--pairs; do not drop it")
    parser.add_argument("--json", action="store_true", help="print the results as JSON (progress to stderr)")
    parser.add_argument("--plans", action="store_true", help="also print the EXPLAIN plans and the SQL")
    args = parser.parse_args(argv)
    if args.pairs < 1 or args.rows < args.pairs:
        parser.error("need --pairs >= 1 and --rows >= --pairs (every pair gets an opening receipt)")
    if not 1 <= args.page_size <= 100:
        parser.error("--page-size must be 1..100 (the API's maximum)")
    if args.repeat < 1:
        parser.error("--repeat must be >= 1")

    result = run_on_bench_database(args, run)
    if args.json:
        print(json.dumps(result, indent=2, default=str))
    else:
        print_table(result, args.plans)
    return 0


if __name__ == "__main__":
    sys.exit(main())
