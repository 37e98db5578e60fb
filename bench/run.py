"""`make bench`: every target of BENCHMARKS.md (Targets) measured at the reference scale on PostgreSQL, as one table.

    .venv/bin/python bench/run.py data            # build the reference scale in BENCH_DB if it is missing
    .venv/bin/python bench/run.py all [--skip import,snapshot,backfill,pages] [--requests 200]

The reference scale lives in its own database, BENCH_DB (default cockpit_bench), never the demo's:
`seed_demo --customers 50000 --months 24 --end 2026-10`, the 24 monthly snapshots and the daily pulse, built
once (skipped when the database already has about 2.3 million orders and every month's snapshot).

Measured, each with the 1-minute load average beside it (the machine is shared; a high load makes every
wall-clock figure pessimistic):
- import: `bench_import --lines 1000000` (CSV, held to the target; its XLSX figure is reported only), run in a
  throw-away copy of BENCH_DB so the reference data stays as it is and the import still meets 2.4M orders;
- snapshot: `bench/snapshot.py --period 2026-10` (best of 3 against the bare SQL, peak RSS) and `--backfill 24`;
- pages: gunicorn with the production settings on loopback, and bench/load.py (8 clients, a closed loop).
The results also go to artifacts/bench-<time>.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script: core/ is plain Python, importable without Django

from core.processes import processes_stop  # noqa: E402

PY = str(ROOT / ".venv" / "bin" / "python")
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
DB = os.environ.get("BENCH_DB", "cockpit_bench")
# BENCH_CUSTOMERS: a smaller book (same months) when the reference one takes too long to build here.
CUSTOMERS, MONTHS, END = int(os.environ.get("BENCH_CUSTOMERS", "50000")), 24, "2026-10"
MIN_ORDERS = CUSTOMERS * 46  # about 2.3 million at the reference scale
WORKERS = int(os.environ.get("BENCH_WORKERS", "3"))
SECRET = "bench-only-not-a-secret-" + "x" * 40


def load() -> float:
    return round(os.getloadavg()[0], 2)


def env(database: str = DB, **extra: str) -> dict[str, str]:
    """Production settings against `database`, plain http on loopback."""
    out = dict(os.environ)
    out.update({
        "DATABASE_URL": f"{PG}/{database}", "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": os.environ.get("SECRET_KEY", SECRET), "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false", "DEBUG": "false",  # the shipped pool: config/settings/base.py
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/7"), "LOG_LEVEL": "WARNING",
    })
    out.update(extra)
    return out


def psql(sql: str, database: str = "postgres") -> str:
    done = subprocess.run(["psql", f"{PG}/{database}", "-Aqtc", sql], capture_output=True, text=True,  # noqa: S603,S607
                          check=False)
    if done.returncode != 0:
        raise RuntimeError(f"psql {sql!r}: {done.stderr.strip()}")
    return done.stdout.strip()


def manage(*args: str, database: str = DB, echo: bool = True) -> str:
    """Run manage.py with the bench settings; its output is echoed as it comes and returned."""
    return script("manage.py", *args, database=database, echo=echo)


def script(*args: str, database: str = DB, echo: bool = True) -> str:
    """Run a Python script (manage.py, bench/snapshot.py) with the bench settings; its output is echoed and returned."""
    print(f"$ {' '.join(args)}   [load {load()}]", flush=True)
    proc = subprocess.Popen([PY, *args], cwd=ROOT, env=env(database), stdout=subprocess.PIPE,  # noqa: S603
                            stderr=subprocess.STDOUT, text=True)
    lines = []
    assert proc.stdout is not None
    for line in proc.stdout:
        lines.append(line)
        if echo:
            print("    " + line.rstrip(), flush=True)
    if proc.wait() != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{''.join(lines[-30:])}")
    return "".join(lines)


def db_exists(name: str) -> bool:
    return psql(f"select count(*) from pg_database where datname = '{name}'") == "1"  # noqa: S608


def orders_in(name: str) -> int:
    try:
        return int(psql("select count(*) from sales_order", name) or 0)
    except RuntimeError:
        return 0


def months_list() -> tuple[str, str]:
    year, month = int(END[:4]), int(END[5:])
    first = year * 12 + month - 1 - (MONTHS - 1)
    return f"{first // 12}-{first % 12 + 1:02d}", END


# --- the reference scale ---------------------------------------------------------------------------------------

def build_data() -> None:
    """BENCH_DB at the reference scale: seeded once, every month's snapshot, fresh planner statistics."""
    if not db_exists(DB):
        psql(f'CREATE DATABASE "{DB}"')
    manage("migrate", "--noinput", echo=False)
    orders = orders_in(DB)
    if orders < MIN_ORDERS:
        print(f"{DB}: {orders:,} orders, building the reference scale (this takes a while)", flush=True)
        manage("seed_demo", "--customers", str(CUSTOMERS), "--months", str(MONTHS), "--end", END, "--force")
    else:
        print(f"{DB}: {orders:,} orders, the reference scale is there", flush=True)
    first, last = months_list()
    months_after_end_removed()
    sql = f"select count(*) from analytics_periodsummary where period between '{first}-01' and '{last}-01'"  # noqa: S608
    have = int(psql(sql, DB))
    if have < MONTHS:
        manage("compute_snapshots", "--from", first, "--to", last, "--reason", "bench-data")
    if psql("select count(*) from analytics_customerpulse", DB) == "0":
        manage("compute_pulse")  # a deployment has one (the daily job): the dashboard's pulse reads it
    psql("VACUUM ANALYZE", DB)


def months_after_end_removed() -> None:
    """The data ends with END: a month after it (which `--missing` computes once the calendar has moved past it)
    has no orders at all, so everyone in it is about to churn, and the pages would default to that month."""
    _first, last = months_list()
    psql(f"delete from analytics_customersnapshot where period > '{last}-01'; "  # noqa: S608
         f"delete from analytics_periodsummary where period > '{last}-01'", DB)


# --- measurements ------------------------------------------------------------------------------------------------

def rate(text: str, label: str) -> float | None:
    found = re.search(rf"^{re.escape(label)}: \d+ lines in [\d.]+ s = ([\d,]+) lines/s", text, re.M)
    return float(found.group(1).replace(",", "")) if found else None


def bench_import(lines: int, xlsx_lines: int) -> dict[str, Any]:
    """bench_import in a copy of BENCH_DB (same 2.4M orders and indexes), dropped afterwards."""
    scratch = f"{DB}_import"
    if db_exists(scratch):
        psql(f'DROP DATABASE "{scratch}"')
    # A template must have no sessions: end this benchmark's own leftovers (BENCH_DB is ours alone).
    psql(f"select pg_terminate_backend(pid) from pg_stat_activity where datname = '{DB}'")  # noqa: S608
    psql(f'CREATE DATABASE "{scratch}" TEMPLATE "{DB}"')
    try:
        before = load()
        out = manage("bench_import", "--lines", str(lines), "--xlsx-lines", str(xlsx_lines), database=scratch)
        return {"csv": rate(out, "CSV"), "csv_again": rate(out, "CSV again (all unchanged)"),
                "xlsx": rate(out, "XLSX"), "lines": lines, "xlsx_lines": xlsx_lines, "load": max(before, load())}
    finally:
        psql(f'DROP DATABASE IF EXISTS "{scratch}"')


def seconds(text: str, label: str) -> float | None:
    found = re.search(rf"^{re.escape(label)}\s+([\d.]+) s", text, re.M)
    return float(found.group(1)) if found else None


def bench_snapshot(repeat: int, backfill: int) -> dict[str, Any]:
    before = load()
    args = ["bench/snapshot.py", "--period", END, "--repeat", str(repeat)]
    out = script(*args, *(["--backfill", str(backfill)] if backfill else []))
    ratio = re.search(r"^ratio snapshot / bare SQL\s+([\d.]+)x", out, re.M)
    rss = re.search(r"^snapshot peak RSS\s+([\d.]+) MB", out, re.M)
    return {
        "bare_sql_s": seconds(out, "bare SQL aggregations (sum of the best of each)"),
        "snapshot_s": seconds(out, "snapshot, written (best run)"),
        "ratio": float(ratio.group(1)) if ratio else None, "peak_rss_mb": float(rss.group(1)) if rss else None,
        "backfill_s": seconds(out, f"backfill of {backfill} months") if backfill else None,
        "load": max(before, load()),
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def bench_pages(clients: int, requests: int) -> dict[str, Any]:
    """gunicorn (production settings, WORKERS sync workers) on a free loopback port, then bench/load.py."""
    subprocess.run([PY, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env=env(), check=True)  # noqa: S603
    port = free_port()
    gunicorn = shutil.which("gunicorn", path=str(ROOT / ".venv" / "bin")) or "gunicorn"
    server = subprocess.Popen(  # noqa: S603
        [gunicorn, "config.wsgi:application", "--config", "config/gunicorn.py", "--bind", f"127.0.0.1:{port}",
         "--workers", str(WORKERS), "--log-level", "warning"], cwd=ROOT, env=env())
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("gunicorn did not start") from None
                time.sleep(0.5)
        out = ROOT / "artifacts" / "bench-pages.json"
        out.parent.mkdir(exist_ok=True)
        print(f"$ bench/load.py --clients {clients} --requests {requests}   [load {load()}]", flush=True)
        subprocess.run([PY, "bench/load.py", "--base", f"http://127.0.0.1:{port}", "--clients", str(clients),  # noqa: S603
                        "--requests", str(requests), "--server-pid", str(server.pid), "--database", DB,
                        "--json", str(out)], cwd=ROOT, check=False)
        return json.loads(out.read_text())
    finally:
        processes_stop([server])


# --- the table ---------------------------------------------------------------------------------------------------

def verdict(value: float | None, target: float, *, at_most: bool) -> str:
    if value is None:
        return "n/a"
    return "PASS" if (value <= target if at_most else value >= target) else "FAIL"


def table(results: dict[str, Any]) -> list[tuple[str, str, str, str, str]]:
    rows: list[tuple[str, str, str, str, str]] = []
    imp = results.get("import")
    if imp:
        rows.append((f"import CSV, {imp['lines']:,} lines", f"{imp['csv']:,.0f} lines/s" if imp["csv"] else "?",
                     ">= 20,000 lines/s", verdict(imp["csv"], 20_000, at_most=False), f"{imp['load']:.1f}"))
        if imp.get("xlsx"):
            rows.append((f"import XLSX, {imp['xlsx_lines']:,} lines (reported only)", f"{imp['xlsx']:,.0f} lines/s",
                         "-", "-", f"{imp['load']:.1f}"))
    snap = results.get("snapshot")
    if snap:
        ld = f"{snap['load']:.1f}"
        rows += [
            ("bare SQL aggregations (psql-equivalent)", f"{snap['bare_sql_s']:.2f} s", "-", "-", ld),
            (f"one monthly snapshot ({END}), written", f"{snap['snapshot_s']:.2f} s", "<= 5 s",
             verdict(snap["snapshot_s"], 5, at_most=True), ld),
            ("snapshot / bare SQL", f"{snap['ratio']:.2f}x", "<= 3x", verdict(snap["ratio"], 3, at_most=True), ld),
            ("snapshot peak RSS", f"{snap['peak_rss_mb']:.0f} MB", "<= 1024 MB",
             verdict(snap["peak_rss_mb"], 1024, at_most=True), ld),
        ]
        if snap.get("backfill_s") is not None:
            rows.append((f"backfill, {MONTHS} months", f"{snap['backfill_s']:.1f} s", "<= 300 s",
                         verdict(snap["backfill_s"], 300, at_most=True), ld))
    for name in ("sqlite", "fanout"):  # bench/sqlite.py, bench/fanout.py
        if results.get(name):
            rows += __import__(name).table_rows(results[name])
    pages = results.get("pages")
    if pages:
        for name, r in pages["pages"].items():
            rows.append((f"{name}: p50 / p95 / max, {pages['clients']} clients",
                         f"{r['p50_ms']:.0f} / {r['p95_ms']:.0f} / {r['max_ms']:.0f} ms", "p95 <= 150 ms",
                         verdict(r["p95_ms"], 150, at_most=True) if not r["error_count"] else "FAIL (errors)",
                         f"{r['load_1min']:.1f}"))
            rows.append((f"  {r['rps']} req/s; server CPU per request app {r['app_cpu_ms']} ms, db {r['db_cpu_ms']} ms",
                         "", "", "", ""))
        rows.append((f"load generator's own CPU: {pages['generator_cpu_s']} s over {pages['wall_s']} s",
                     "", "", "", ""))
    return rows


def print_table(rows: list[tuple[str, str, str, str, str]]) -> str:
    head = ("figure", "measured", "target", "result", "load 1m")
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(5)]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(head, widths, strict=True)) + " |",
             "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    lines += ["| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in rows]
    text = "\n".join(lines)
    print(text)
    return text


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["data", "all"])
    parser.add_argument("--skip", default="", help="comma-separated: import, snapshot, backfill, sqlite, fanout, pages")
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--xlsx-lines", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}

    started = time.monotonic()
    build_data()
    if args.what == "data":
        return 0
    results: dict[str, Any] = {"started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "database": DB,
                               "workers": WORKERS, "load_start": os.getloadavg()}
    if "import" not in skip:
        results["import"] = bench_import(args.lines, args.xlsx_lines)
    if "snapshot" not in skip:
        results["snapshot"] = bench_snapshot(args.repeat, 0 if "backfill" in skip else MONTHS)
    if "sqlite" not in skip:
        results["sqlite"] = __import__("sqlite").bench_sqlite()  # bench/sqlite.py
    if "fanout" not in skip:
        results["fanout"] = __import__("fanout").bench_fanout()  # bench/fanout.py
    if "pages" not in skip:
        if not {"snapshot", "fanout"} <= skip:
            # The snapshot, the backfills and the fan-out rewrote every month: the pages are measured on the book
            # as a deployment serves it, with fresh statistics and the dirty pages written out, not during the test.
            months_after_end_removed()
            psql("VACUUM ANALYZE analytics_customersnapshot", DB)
            psql("CHECKPOINT", DB)
        results["pages"] = bench_pages(args.clients, args.requests)
    results["load_end"] = os.getloadavg()
    results["minutes"] = round((time.monotonic() - started) / 60, 1)
    print()
    rows = table(results)
    results["table"] = print_table(rows)
    print(f"\nload average at the start {results['load_start'][0]:.2f}, at the end {results['load_end'][0]:.2f}; "
          f"{results['minutes']} minutes")
    out = ROOT / "artifacts" / f"bench-{dt.datetime.now(dt.UTC):%Y%m%d-%H%M%S}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2, default=str))
    print(f"results: {out.relative_to(ROOT)}")
    return 1 if any(r[3].startswith("FAIL") for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
