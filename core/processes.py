"""Stopping the child processes tests and benchmarks start (Celery workers, a web server): ask, wait, then insist.

Plain Python, like the rest of core: bench/ scripts that run outside Django import it too.
"""

import subprocess
from collections.abc import Iterable


def processes_stop(processes: Iterable[subprocess.Popen], *, timeout: float = 30) -> None:
    """SIGTERM every process, then wait up to `timeout` seconds for each and SIGKILL any still running.

    All are asked before any is waited for, so they shut down side by side. SIGTERM is a Celery worker's warm
    shutdown (it finishes the task at hand, so `timeout` should outlast one task); the kill is for a stuck one,
    which would otherwise outlive the test or benchmark that started it.
    """
    processes = list(processes)
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
