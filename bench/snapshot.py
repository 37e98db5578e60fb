"""`make bench`'s snapshot lines (BENCHMARKS.md, Targets): one monthly snapshot against its bare SQL, and a backfill.

    DATABASE_URL=postgres://... .venv/bin/python bench/snapshot.py [--period YYYY-MM] [--repeat 3] [--backfill N]

Prints one table: each bare aggregation query, their total, the real snapshot (aggregate, engine, write), the
ratio, and the snapshot's peak memory (measured in a child process, so this process's own size doesn't count).
bench/run.py runs it against BENCH_DB and reads the table. Uses the settings in DJANGO_SETTINGS_MODULE (default
config.settings.local).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from analytics.periods import add_months, fmt, last_closed_period, parse_period  # noqa: E402
from bench.snapshot_sql import baseline_queries, orders_queries  # noqa: E402
from sales.models import Order  # noqa: E402

CHILD = """
import datetime as dt, json, resource, sys, time, django
django.setup()
from analytics.services.snapshots import snapshot_compute
from analytics.periods import parse_period
started = time.perf_counter()
run = snapshot_compute(period=parse_period(sys.argv[1]), reason="benchmark")
print(json.dumps({"total": time.perf_counter() - started, "aggregate": run.seconds_aggregate,
                  "engine": run.seconds_engine, "write": run.seconds_write, "rows": run.rows,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def bare_sql(queries: dict[str, tuple[str, list]], repeat: int) -> float:
    """Best of `repeat` for each query, its rows shipped by COPY TO STDOUT into memory: the cheapest way to get them
    out of PostgreSQL (no Python object per row), so the ratio holds the snapshot to the server's own time, as psql
    would see it."""
    total = 0.0
    with connection.cursor() as cursor:
        for name, (sql, params) in queries.items():
            best = float("inf")
            for _ in range(repeat):
                started = time.perf_counter()
                with cursor.cursor.copy(f"COPY ({sql}) TO STDOUT", params) as copy:
                    for _chunk in copy:
                        pass
                best = min(best, time.perf_counter() - started)
            print(f"  bare SQL {name:<30} {best:.3f} s", flush=True)
            total += best
    return total


def snapshot(period: dt.date) -> dict[str, Any]:
    done = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", CHILD, fmt(period)], cwd=ROOT, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        sys.exit(f"snapshot run failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def backfill(period: dt.date, months: int) -> tuple[str, str, str]:
    first = add_months(period, -(months - 1))
    started = time.perf_counter()
    with open(os.devnull, "w") as quiet:
        call_command("compute_snapshots", "--from", fmt(first), "--to", fmt(period), "--reason", "benchmark",
                     stdout=quiet)
    return (f"backfill of {months} months", f"{time.perf_counter() - started:.1f} s", "<= 300 s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--period", help="YYYY-MM (default: the last closed month with orders)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each; the best is reported")
    parser.add_argument("--backfill", type=int, default=0, help="also time a backfill of N months")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        parser.error("bench/snapshot.py measures PostgreSQL: set DATABASE_URL=postgres://...")
    try:
        period = parse_period(args.period) if args.period else last_closed_period()
    except ValueError as exc:
        parser.error(str(exc))
    print(f"period {fmt(period)}, {Order.objects.count():,} orders in the database")
    print("what the snapshot reads:")
    sql = bare_sql(baseline_queries(period), args.repeat)
    print("the same answers from the orders alone (before the monthly rollup):")
    without = bare_sql(orders_queries(period), args.repeat)
    snap = min((snapshot(period) for _ in range(args.repeat)), key=lambda r: r["total"])
    rows = [
        ("bare SQL without the rollup (orders alone)", f"{without:.2f} s", ""),
        ("bare SQL aggregations (sum of the best of each)", f"{sql:.2f} s", ""),
        ("snapshot, written (best run)", f"{snap['total']:.2f} s", "<= 5 s"),
        ("  aggregate / engine / write", f"{snap['aggregate']:.2f} / {snap['engine']:.2f} / {snap['write']:.2f} s", ""),
        ("  rows", f"{snap['rows']:,}", ""),
        ("ratio snapshot / bare SQL", f"{snap['total'] / sql:.2f}x", "<= 3x"),
        ("snapshot peak RSS", f"{snap['peak_rss_mb']:.0f} MB", "<= 1024 MB"),
    ]
    if args.backfill:
        rows.append(backfill(period, args.backfill))
    width = max(len(r[0]) for r in rows)
    for label, value, target in rows:
        print(f"{label:<{width}}  {value:>22}  {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
