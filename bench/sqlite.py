"""`make bench`'s SQLite line: one period's snapshot on SQLite against PostgreSQL on the same book (issue 18 item 9).

The same `seed_demo` (same seed, customers, months and end) goes into a SQLite file and a PostgreSQL database of
its own, each built once and kept (var/bench-pair.sqlite3, database cockpit_bench_pair); then the last month is
computed in each, best of BENCH_PAIR_REPEAT runs, in a fresh process per database. Target: SQLite within 2x.

    .venv/bin/python bench/sqlite.py          # alone; bench/run.py calls bench_sqlite() for its table
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PY = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv").exists() else sys.executable
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
PG_DB = os.environ.get("BENCH_PAIR_DB", "cockpit_bench_pair")
SQLITE_FILE = Path(os.environ.get("BENCH_PAIR_SQLITE", str(ROOT / "var" / "bench-pair.sqlite3")))
CUSTOMERS = int(os.environ.get("BENCH_PAIR_CUSTOMERS", "23570"))  # the real ledger of issue 18
MONTHS = int(os.environ.get("BENCH_PAIR_MONTHS", "13"))  # a year of history behind the period, and the period
END = os.environ.get("BENCH_PAIR_END", "2026-10")
REPEAT = int(os.environ.get("BENCH_PAIR_REPEAT", "3"))
TARGET = 2.0

CHILD = """
import json, sys, time, django
django.setup()
from analytics.periods import parse_period
from analytics.services.snapshots import snapshot_compute
best = None
for _ in range(int(sys.argv[2])):
    started = time.perf_counter()
    run = snapshot_compute(period=parse_period(sys.argv[1]), reason="benchmark")
    took = {"total": time.perf_counter() - started, "aggregate": run.seconds_aggregate,
            "engine": run.seconds_engine, "write": run.seconds_write, "rows": run.rows}
    best = took if best is None or took["total"] < best["total"] else best
print(json.dumps(best))
"""


def _env(url: str) -> dict[str, str]:
    out = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    out.update({"DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings.local", "DEBUG": "false",
                "LOG_LEVEL": "WARNING"})
    return out


def _urls() -> dict[str, str]:
    return {"sqlite": f"sqlite:///{SQLITE_FILE}", "postgresql": f"{PG}/{PG_DB}"}


def _book() -> dict[str, Any]:
    return {"customers": CUSTOMERS, "months": MONTHS, "end": END}


def _marker(engine: str) -> Path:
    return SQLITE_FILE.with_name(f"bench-pair-{engine}.json")


def _build(engine: str, url: str) -> None:
    """The book in `url`, unless the marker says it is there already."""
    marker = _marker(engine)
    if marker.exists() and json.loads(marker.read_text()) == _book():
        return
    print(f"{engine}: building {CUSTOMERS:,} customers x {MONTHS} months to {END} (once)", flush=True)
    if engine == "postgresql":
        for sql in (f'DROP DATABASE IF EXISTS "{PG_DB}"', f'CREATE DATABASE "{PG_DB}"'):
            subprocess.run(["psql", f"{PG}/postgres", "-qc", sql], check=True)  # noqa: S603,S607
    else:
        SQLITE_FILE.parent.mkdir(parents=True, exist_ok=True)
        for path in SQLITE_FILE.parent.glob(SQLITE_FILE.name + "*"):
            path.unlink()
    for args in (["migrate", "-v", "0"], ["seed_demo", "--customers", str(CUSTOMERS), "--months", str(MONTHS),
                                          "--end", END, "--force", "-v", "0"]):
        subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=_env(url), check=True)  # noqa: S603
    marker.write_text(json.dumps(_book()))


def _period(url: str) -> dict[str, Any]:
    done = subprocess.run([PY, "-c", CHILD, END, str(REPEAT)], cwd=ROOT, env=_env(url), check=True,  # noqa: S603
                          capture_output=True, text=True)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def bench_sqlite() -> dict[str, Any]:
    """{"sqlite": {...}, "postgresql": {...}, "ratio": SQLite / PostgreSQL, "load": 1-minute load average}."""
    out: dict[str, Any] = {"book": _book()}
    for engine, url in _urls().items():
        _build(engine, url)
        print(f"$ snapshot {END} on {engine}, best of {REPEAT}   [load {os.getloadavg()[0]:.2f}]", flush=True)
        out[engine] = _period(url)
        print(f"    {json.dumps(out[engine])}", flush=True)
    out["ratio"] = out["sqlite"]["total"] / out["postgresql"]["total"]
    out["load"] = round(os.getloadavg()[0], 2)
    return out


def table_rows(result: dict[str, Any]) -> list[tuple[str, str, str, str, str]]:
    """Rows for bench/run.py's table."""
    ld = f"{result['load']:.1f}"
    rows = []
    for engine in ("sqlite", "postgresql"):
        r = result[engine]
        rows.append((f"one period on {engine} ({result['book']['customers']:,} customers), written",
                     f"{r['total']:.2f} s (write {r['write']:.2f} s)", "-", "-", ld))
    ok = "PASS" if result["ratio"] <= TARGET else "FAIL"
    rows.append(("SQLite / PostgreSQL, same book", f"{result['ratio']:.2f}x", f"<= {TARGET:.0f}x", ok, ld))
    return rows


if __name__ == "__main__":
    result = bench_sqlite()
    for row in table_rows(result):
        print(" | ".join(row))
    sys.exit(0 if result["ratio"] <= TARGET else 1)
