"""`make bench`'s two-worker line: a 24-month backfill with one Celery worker, then with two (issue 18 item 5).

The recompute job fans out one `compute_period` task per month (a Celery group), so two workers should about halve
its wall time. Measured on the reference scale (BENCH_DB, PostgreSQL) with real worker processes on Redis; the
1-minute load average is printed beside it, since two workers need two free cores to show a speed-up (a test
under a loaded machine once read x0.94: a measurement of the machine, not of the fan-out).

    .venv/bin/python bench/fanout.py          # alone; bench/run.py calls bench_fanout() for its table
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script: core/ is plain Python, importable without Django

from core.processes import processes_stop  # noqa: E402

PY = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv").exists() else sys.executable
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
DB = os.environ.get("BENCH_DB", "cockpit_bench")
REDIS = os.environ.get("BENCH_FANOUT_REDIS_URL", "redis://127.0.0.1:6379/8")
MONTHS = int(os.environ.get("BENCH_FANOUT_MONTHS", "24"))

END = os.environ.get("BENCH_END", "2026-10")  # the reference book's last month (bench/run.py END)

# Runs in a Django process: a recompute job of the MONTHS months ending END (the book's own months: the last closed
# month of the calendar may be after the book and empty), sent to the workers; prints seconds.
CLIENT = """
import sys, time, django
django.setup()
from celery import current_app
from analytics.models import BackgroundJob
from analytics.periods import add_months, fmt, parse_period
from analytics.services.policies import policy_active
end, months = parse_period(sys.argv[2]), int(sys.argv[1])
periods = [fmt(add_months(end, -i)) for i in reversed(range(months))]
job = BackgroundJob.objects.create(kind="policy_recompute", total=len(periods),
                                   params={"periods": periods, "policy_version": policy_active().version})
started = time.monotonic()
current_app.send_task("analytics.tuning.tasks.recompute_months", args=[job.id])
while job.status not in ("done", "failed"):
    time.sleep(0.2)
    job.refresh_from_db()
print(f"{job.status} {time.monotonic() - started:.2f}")
"""


def _env() -> dict[str, str]:
    out = dict(os.environ)
    out.update({"DATABASE_URL": f"{PG}/{DB}", "REDIS_URL": REDIS, "DJANGO_SETTINGS_MODULE": "config.settings.local",
                "DEBUG": "false", "CELERY_WORKER": "1", "LOG_LEVEL": "WARNING"})
    return out


def _worker(name: str, log: Path) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603
        [PY, "-m", "celery", "-A", "config", "worker", "--pool=solo", "-n", f"{name}@%h", "--without-heartbeat",
         "--without-gossip", "--without-mingle", "-l", "info"],
        cwd=ROOT, env=_env(), stdout=log.open("w"), stderr=subprocess.STDOUT)


def _ready(proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 120
    while " ready." not in log.read_text():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"worker did not start: {log.read_text()[-2000:]}")
        time.sleep(0.3)


def _backfill() -> float:
    done = subprocess.run([PY, "-c", CLIENT, str(MONTHS), END], cwd=ROOT, env=_env(), check=True,  # noqa: S603
                          capture_output=True, text=True)
    status, seconds = done.stdout.split()[-2:]
    if status != "done":
        raise RuntimeError(f"the backfill job ended {status}")
    return float(seconds)


def bench_fanout() -> dict[str, Any]:
    """{"one": s, "two": s, "speedup": one / two, "load": [before, after]} of a MONTHS-month backfill."""
    logs = ROOT / "artifacts"
    logs.mkdir(exist_ok=True)
    subprocess.run(["redis-cli", "-u", REDIS, "FLUSHDB"], check=False, capture_output=True)  # noqa: S603,S607
    before = round(os.getloadavg()[0], 2)
    out: dict[str, Any] = {"months": MONTHS}
    workers: list[subprocess.Popen] = []
    try:
        for n in (1, 2):
            log = logs / f"bench-fanout-w{n}.log"
            workers.append(_worker(f"w{n}", log))
            _ready(workers[-1], log)
            print(f"$ backfill of {MONTHS} months, {n} worker(s)   [load {os.getloadavg()[0]:.2f}]", flush=True)
            out["one" if n == 1 else "two"] = _backfill()
            print(f"    {out['one' if n == 1 else 'two']:.1f} s", flush=True)
    finally:
        processes_stop(workers, timeout=60)  # a worker finishes its month first
    out["speedup"] = out["one"] / out["two"]
    out["load"] = [before, round(os.getloadavg()[0], 2)]
    return out


def table_rows(result: dict[str, Any]) -> list[tuple[str, str, str, str, str]]:
    ld = f"{max(result['load']):.1f}"
    return [
        (f"backfill, {result['months']} months: 1 worker / 2 workers",
         f"{result['one']:.1f} s / {result['two']:.1f} s", "-", "-", ld),
        ("  two-worker speed-up (1 worker / 2 workers)", f"x{result['speedup']:.2f}",
         "reported (needs 2 free cores)", "-", ld),
    ]


if __name__ == "__main__":
    for row in table_rows(bench_fanout()):
        print(" | ".join(row))
