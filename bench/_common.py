"""Helpers shared by the benchmarks in ``bench/``: the bench database's lifecycle, the Django
environment, timing summaries and ``EXPLAIN (ANALYZE)`` of captured SQL.

Import it as ``from bench._common import …`` (the scripts put the project root on ``sys.path``).
Nothing here imports Django at module level: the database is created before ``django.setup()``.
"""
from __future__ import annotations

import json
import math
import os
import statistics
import sys
import time
from urllib.parse import urlsplit, urlunsplit

# --- database lifecycle (before Django is set up) ---------------------------------------------


def admin_url(url: str) -> tuple[str, str]:
    """The URL of the ``postgres`` maintenance database on the same server, and the bench db name."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name:
        raise SystemExit(f"--database-url has no database name: {url}")
    return urlunsplit(parts._replace(path="/postgres")), name


def check_bench_name(name: str) -> None:
    # The scripts drop and recreate their database: refuse anything not obviously a bench db.
    if "bench" not in name:
        raise SystemExit(f"Refusing to use database {name!r}: its name must contain 'bench' "
                         "(this script drops and recreates it).")


def database_exists(url: str) -> bool:
    import psycopg
    admin, name = admin_url(url)
    with psycopg.connect(admin, autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def create_database(url: str, *, drop_first: bool) -> None:
    import psycopg
    from psycopg import sql
    admin, name = admin_url(url)
    check_bench_name(name)
    with psycopg.connect(admin, autocommit=True) as conn:
        if drop_first:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_database(url: str) -> None:
    import psycopg
    from psycopg import sql
    admin, name = admin_url(url)
    check_bench_name(name)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def prepare_database(url: str, *, keep: bool) -> None:
    """Create the bench database, or keep it as it is when ``keep`` and it already exists."""
    check_bench_name(admin_url(url)[1])
    exists = database_exists(url)
    if not (exists and keep):
        create_database(url, drop_first=exists)


def configure_environment(database_url: str) -> None:
    """Environment for ``django.setup()``: the bench database, DEBUG off, ``testserver`` allowed,
    one persistent connection, quiet logging."""
    import warnings

    # WhiteNoise warns when STATIC_ROOT was never collected; irrelevant to an API benchmark.
    warnings.filterwarnings("ignore", message="No directory at:")
    os.environ["DATABASE_URL"] = database_url
    os.environ["DEBUG"] = "false"
    hosts = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()]
    os.environ["ALLOWED_HOSTS"] = ",".join(hosts if "testserver" in hosts else [*hosts, "testserver"])
    os.environ.setdefault("DATABASE_CONN_MAX_AGE", "600")  # one connection for the whole run
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prodtrack.settings")


def finish_database(url: str, *, keep: bool) -> None:
    """Close Django's connections and drop the bench database unless ``keep``."""
    if keep:
        return
    try:
        from django.db import connections
        connections.close_all()
    except Exception:  # Django may not be set up yet
        pass
    drop_database(url)


# --- helpers ----------------------------------------------------------------------------------

def summarize(values_ms: list[float]) -> dict[str, float]:
    ordered = sorted(values_ms)
    p95_index = max(0, math.ceil(0.95 * len(ordered)) - 1)
    return {"p50": round(statistics.median(ordered), 3), "p95": round(ordered[p95_index], 3),
            "min": round(ordered[0], 3), "n": len(ordered)}


def log(args, message: str) -> None:
    if not args.json:
        print(message, flush=True)
    else:
        print(message, file=sys.stderr, flush=True)


def loadavg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def drop_secondary_indexes(cursor, table: str) -> list[tuple[str, str]]:
    """Drop the indexes of ``table`` that back no constraint; return ``(name, definition)`` pairs
    for ``create_indexes`` (same names and definitions)."""
    cursor.execute("""
        SELECT c.relname, pg_get_indexdef(x.indexrelid)
        FROM pg_index AS x JOIN pg_class AS c ON c.oid = x.indexrelid
        WHERE x.indrelid = %s::regclass
          AND NOT EXISTS (SELECT 1 FROM pg_constraint AS k WHERE k.conindid = x.indexrelid)
    """, [table])
    secondary = cursor.fetchall()
    for name, _ in secondary:
        cursor.execute(f'DROP INDEX "{name}"')
    return secondary


def create_indexes(cursor, definitions: list[tuple[str, str]]) -> None:
    for _, definition in definitions:
        cursor.execute(definition)


def skip_fk_triggers(cursor) -> int:
    """In the current transaction, skip the per-row foreign-key triggers when the role may
    (superuser: ``session_replication_role = replica``). 1 when skipped, 0 otherwise."""
    from django.db import transaction
    try:
        with transaction.atomic():
            cursor.execute("SET LOCAL session_replication_role = replica")
        return 1
    except Exception:  # not a superuser: keep the triggers, just slower
        return 0


# --- measurements -----------------------------------------------------------------------------

def explain(sql: str, *, plan_text: bool = False, timing: bool = True) -> dict:
    """EXPLAIN (ANALYZE, BUFFERS) of ``sql``: execution and planning time in ms, the JIT time
    included in the execution (0 without JIT), and the text plan when asked. ``timing=False``
    runs ``EXPLAIN (ANALYZE, TIMING OFF)``: no per-node clock reads, which matter for plans that
    pass many rows through many nodes (the total execution time is still measured)."""
    from django.db import connection
    options = "ANALYZE, BUFFERS" + ("" if timing else ", TIMING OFF")
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN ({options}, FORMAT JSON) " + sql)
        data = cursor.fetchone()[0]
        if isinstance(data, str):
            data = json.loads(data)
        result = {"execution_ms": data[0]["Execution Time"], "planning_ms": data[0]["Planning Time"],
                  "jit_ms": data[0].get("JIT", {}).get("Timing", {}).get("Total", 0)}
        if isinstance(result["jit_ms"], dict):  # PostgreSQL 16+ splits JIT timings further
            result["jit_ms"] = result["jit_ms"].get("Total", 0)
        if plan_text:
            cursor.execute(f"EXPLAIN ({options}) " + sql)
            result["plan"] = "\n".join(row[0] for row in cursor.fetchall())
    return result


def explain_series(sql: str, repeat: int, warmup: int, *, timing: bool = True) -> dict:
    for _ in range(warmup):
        explain(sql, timing=timing)
    runs = [explain(sql, timing=timing) for _ in range(repeat)]
    return {"execution": summarize([r["execution_ms"] for r in runs]),
            "planning": summarize([r["planning_ms"] for r in runs]),
            "jit": summarize([r["jit_ms"] for r in runs])}


def wall_series(sql: str, repeat: int, warmup: int) -> dict:
    """Client-side wall time of running ``sql`` and fetching every row (round trip included)."""
    from django.db import connection
    times = []
    with connection.cursor() as cursor:
        for i in range(warmup + repeat):
            t0 = time.perf_counter()
            cursor.execute(sql)
            cursor.fetchall()
            if i >= warmup:
                times.append((time.perf_counter() - t0) * 1000)
    return summarize(times)


# --- captured SQL: classification, per-query profile, request timing ---------------------------

def classify_sql(sql: str) -> str:
    """A short label for a captured statement: ``select <table>``, ``count <table>``,
    ``insert <table>``, ``transaction``, ``tenant_lookup`` … (the first table after FROM)."""
    import re
    s = sql.lower().strip()
    if s.startswith(("savepoint", "release savepoint", "rollback to savepoint")) or s in ("begin", "commit"):
        return "transaction"
    words = s.split()
    if s.startswith("insert into"):
        return "insert " + words[2].strip('"')
    if s.startswith("update"):
        return "update " + words[1].strip('"')
    if s.startswith("delete from"):
        return "delete " + words[2].strip('"')
    depth, top = 0, []  # the statement without its parenthesised parts: the FROM of the outer query
    for ch in s:
        depth += ch == "("
        if depth == 0:
            top.append(ch)
        depth -= ch == ")" and depth > 0
    match = re.search(r' from "?(\w+)"?', "".join(top)) or re.search(r' from "?(\w+)"?', s)
    table = match.group(1) if match else "?"
    if table in ("prodtrack_membership", "prodtrack_tenant"):
        return "tenant_lookup"
    if s.startswith("select count("):
        return f"count {table}" + (" (of a select distinct)" if "select distinct" in s else "")
    return ("select distinct " if s.startswith("select distinct") else "select ") + table + (
        " for update" if " for update" in s else "")


def kind_counts(queries: list[str]) -> dict[str, int]:
    kinds = [classify_sql(s) for s in queries]
    return {k: kinds.count(k) for k in sorted(set(kinds))}


def sql_profile(queries: list[str], repeat: int, warmup: int) -> dict:
    """``EXPLAIN (ANALYZE)`` execution and planning time (p50 over ``repeat``) and client wall time
    of each read query in ``queries``; transaction statements are listed but not run."""
    rows = []
    for sql in queries:
        kind = classify_sql(sql)
        if kind == "transaction" or not sql.lstrip().lower().startswith(("select", "with")):
            rows.append({"kind": kind, "sql": sql})
            continue
        rows.append({"kind": kind, "sql": sql, **explain_series(sql, repeat, warmup),
                     "wall": wall_series(sql, repeat, warmup)})
    timed = [r for r in rows if "execution" in r]
    return {"queries": rows,
            "exec_p50_sum": round(sum(r["execution"]["p50"] for r in timed), 3),
            "planning_p50_sum": round(sum(r["planning"]["p50"] for r in timed), 3),
            "wall_p50_sum": round(sum(r["wall"]["p50"] for r in timed), 3)}


def time_calls(call, repeat: int, warmup: int, *, after=None) -> dict:
    """p50 / p95 / min in ms of ``call()`` over ``repeat`` runs after ``warmup``; ``after(result)``,
    when given, runs after each call outside the timing (e.g. to clean up what the call wrote)."""
    times = []
    for i in range(warmup + repeat):
        t0 = time.perf_counter()
        value = call()
        elapsed = (time.perf_counter() - t0) * 1000
        if after is not None:
            after(value)
        if i >= warmup:
            times.append(elapsed)
    return summarize(times)


def run_on_bench_database(args, run) -> dict:
    """Create (or, with ``--keep``, reuse) the bench database named by ``args.database_url``, point
    Django at it, return ``run(args)``, and drop the database afterwards unless ``--keep``."""
    check_bench_name(admin_url(args.database_url)[1])
    prepare_database(args.database_url, keep=args.keep)
    configure_environment(args.database_url)
    try:
        return run(args)
    finally:
        finish_database(args.database_url, keep=args.keep)
