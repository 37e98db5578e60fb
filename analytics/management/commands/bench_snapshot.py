"""bench_snapshot [--period YYYY-MM] [--backfill N]: the snapshot against the bare SQL it needs (DESIGN 7).

Prints one table: each bare aggregation query, their total, the real snapshot (aggregate, engine, write), the
ratio, and the snapshot's peak memory (measured in a child process, so this process's own size doesn't count).
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from analytics.periods import add_months, fmt, last_closed_period, parse_period
from bench.snapshot_sql import baseline_queries, orders_queries  # benchmark-only SQL lives with the benchmarks
from sales.models import Order

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


class Command(BaseCommand):
    help = "Benchmark one monthly snapshot against the bare SQL aggregations it needs (PostgreSQL)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--period", help="YYYY-MM (default: the last closed month with orders)")
        parser.add_argument("--repeat", type=int, default=3, help="runs of each; the best is reported")
        parser.add_argument("--backfill", type=int, default=0, help="also time a backfill of N months")

    def handle(self, *args, **options) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("bench_snapshot measures PostgreSQL: set DATABASE_URL=postgres://...", returncode=2)
        period = self._period(options["period"])
        orders = Order.objects.count()
        self.stdout.write(f"period {fmt(period)}, {orders:,} orders in the database")
        self.stdout.write("what the snapshot reads:")
        sql = self._bare_sql(baseline_queries(period), options["repeat"])
        self.stdout.write("the same answers from the orders alone (before the monthly rollup):")
        without = self._bare_sql(orders_queries(period), options["repeat"])
        snap = min((self._snapshot(period) for _ in range(options["repeat"])), key=lambda r: r["total"])
        ratio = snap["total"] / sql
        rows = [
            ("bare SQL without the rollup (orders alone)", f"{without:.2f} s", ""),
            ("bare SQL aggregations (sum of the best of each)", f"{sql:.2f} s", ""),
            ("snapshot, written (best run)", f"{snap['total']:.2f} s", "<= 5 s"),
            ("  aggregate / engine / write",
             f"{snap['aggregate']:.2f} / {snap['engine']:.2f} / {snap['write']:.2f} s", ""),
            ("  rows", f"{snap['rows']:,}", ""),
            ("ratio snapshot / bare SQL", f"{ratio:.2f}x", "<= 3x"),
            ("snapshot peak RSS", f"{snap['peak_rss_mb']:.0f} MB", "<= 1024 MB"),
        ]
        if options["backfill"]:
            rows.append(self._backfill(period, options["backfill"]))
        width = max(len(r[0]) for r in rows)
        for label, value, target in rows:
            self.stdout.write(f"{label:<{width}}  {value:>22}  {target}")

    def _period(self, text: str | None):
        try:
            return parse_period(text) if text else last_closed_period()
        except ValueError as exc:
            raise CommandError(str(exc), returncode=2) from exc

    def _bare_sql(self, queries: dict[str, tuple[str, list]], repeat: int) -> float:
        """Best of `repeat` for each query, its rows shipped by COPY TO STDOUT into memory: the cheapest way to
        get them out of PostgreSQL (no Python object per row), so the ratio holds the snapshot to the server's
        own time, as psql would see it."""
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
                self.stdout.write(f"  bare SQL {name:<30} {best:.3f} s")
                total += best
        return total

    def _snapshot(self, period) -> dict:
        root = Path(__file__).resolve().parents[3]
        done = subprocess.run(  # noqa: S603 - our own interpreter and script
            [sys.executable, "-c", CHILD, fmt(period)], cwd=root, capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            raise CommandError(f"snapshot run failed:\n{done.stderr[-3000:]}")
        return json.loads(done.stdout.strip().splitlines()[-1])

    def _backfill(self, period, months: int) -> tuple[str, str, str]:
        first = add_months(period, -(months - 1))
        started = time.perf_counter()
        with open(os.devnull, "w") as quiet:
            call_command("compute_snapshots", "--from", fmt(first), "--to", fmt(period), "--reason", "benchmark",
                         stdout=quiet)
        return (f"backfill of {months} months", f"{time.perf_counter() - started:.1f} s", "<= 300 s")

