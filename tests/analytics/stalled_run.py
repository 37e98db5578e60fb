"""A snapshot run in another process that stalls at a chosen point, to be killed there or waited on.

The process wraps `module.name` so that the real function runs, then prints `stalled` and sleeps; the run holds
whatever it holds at that point (the period's lock row, a half-built partition) until killed or woken.
"""

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import database_url_for_subprocess

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = """
import datetime as dt, importlib, os, time, django
django.setup()
module = importlib.import_module(os.environ["STALL_MODULE"])
real = getattr(module, os.environ["STALL_NAME"])
def stalled(*a, **k):
    out = real(*a, **k)
    print("stalled", flush=True)
    time.sleep(float(os.environ["STALL"]))
    return out
setattr(module, os.environ["STALL_NAME"], stalled)
from analytics.services.snapshots import snapshot_compute
snapshot_compute(period=dt.date.fromisoformat(os.environ["PERIOD"]))
print("finished", flush=True)
"""


def start_stalled_run(*, period: dt.date, stall: float, module: str, name: str) -> subprocess.Popen:
    """Start the run and return once it has reached the stall."""
    env = {**os.environ, "DATABASE_URL": database_url_for_subprocess(),
           "DJANGO_SETTINGS_MODULE": "config.settings.test", "STALL": str(stall), "PERIOD": period.isoformat(),
           "STALL_MODULE": module, "STALL_NAME": name}
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, stdout=subprocess.PIPE,  # noqa: S603
                            stderr=subprocess.STDOUT, text=True)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "stalled"
    return proc
