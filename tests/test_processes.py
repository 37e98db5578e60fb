"""core.processes: every child is asked to stop, and one that ignores the request is killed."""

import signal
import subprocess
import sys

from core.processes import processes_stop

CHILD = """
import signal, sys, time
if sys.argv[1] == "stubborn":
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
print("ready", flush=True)
time.sleep(120)
"""


def _child(kind: str) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", CHILD, kind], stdout=subprocess.PIPE, text=True)  # noqa: S603
    assert proc.stdout is not None and proc.stdout.readline() == "ready\n"  # its SIGTERM handler is in place
    return proc


def test_a_polite_process_stops_on_sigterm_and_a_stubborn_one_is_killed():
    polite, stubborn = _child("polite"), _child("stubborn")
    processes_stop([polite, stubborn], timeout=1)
    assert (polite.returncode, stubborn.returncode) == (-signal.SIGTERM, -signal.SIGKILL)
