"""`make run`'s processes for real (issue 18): honcho starts gunicorn, a Celery worker and beat from the Procfile on
a SQLite file and the filesystem broker; a task enqueued by another process runs in the worker; a killed worker
comes back; Ctrl-C stops all of them."""

import os
import re
import socket
import time

import pytest

from tests.config.stack import manage, start_stack

# One xdist worker runs every test of the embedded stack: they share the session's SQLite templates.
pytestmark = [pytest.mark.celery, pytest.mark.xdist_group("embedded")]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _worker_pids(output: str) -> list[int]:
    return [int(p) for p in re.findall(r"supervise: started celery \(pid (\d+)\)", output)]


def _enqueue_pulse(folder, day: str) -> None:
    manage(folder, "shell", "-c", f"from analytics.tasks import daily_pulse; daily_pulse.delay({day!r})")


def test_make_run_starts_web_worker_and_beat_and_ctrl_c_stops_them(tmp_path, template):
    stack = start_stack(tmp_path / "run", template)
    try:
        assert stack.get("/accounts/login/") == 200
        assert stack.get("/static/css/cockpit.css") == 200
        stack.wait_for("beat: Starting", timeout=30)
        # A task from another process (as a page's .delay() would) runs in the worker, not in the caller.
        _enqueue_pulse(stack.folder, "2025-03-31")
        stack.wait_for("Task analytics.tasks.daily_pulse", timeout=60)
        stack.wait_for("succeeded", timeout=60)

        # The worker is killed: the restart loop brings it back, and it takes the next task.
        first = _worker_pids(stack.output())
        assert len(first) == 1
        mark = len(stack.output())
        os.kill(first[0], 9)
        stack.wait_for("restarting in", timeout=30, after=mark)
        stack.wait_for(" ready.", timeout=90, after=mark)
        assert stack.proc.poll() is None, "honcho must keep running when the worker dies"
        assert stack.get("/accounts/login/") == 200
        mark = len(stack.output())
        _enqueue_pulse(stack.folder, "2025-04-30")
        stack.wait_for("succeeded", timeout=60, after=mark)
        second = _worker_pids(stack.output())[-1]
        assert second != first[0]
        assert "No hostname was supplied" not in stack.output()  # kombu's warning on a broker URL without a host
    finally:
        code = stack.stop()
    assert code in (0, 130, -2), stack.output()[-2000:]
    deadline = time.monotonic() + 10
    while _alive(second) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _alive(second), "Ctrl-C must stop the worker too"
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", stack.port), timeout=1):
        pass
