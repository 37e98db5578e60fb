"""A backfill fans out one task per period (a Celery group), so two workers share it (issue 18): the same
recompute with one worker, then with two; both workers take periods, and the speed-up is printed.

Real worker processes on Redis and PostgreSQL (the fan-out needs a real broker; eager mode would run it inline)."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.management import call_command

from analytics.models import BackgroundJob
from analytics.periods import add_months, fmt, last_closed_period
from analytics.services.policies import policy_active
from tests.conftest import database_url_for_subprocess, redis_url

TASK = "analytics.tuning.tasks.recompute_months"
MONTHS = 12
ROOT = Path(__file__).resolve().parent.parent.parent


def _worker(name: str, log: Path) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": database_url_for_subprocess(), "REDIS_URL": redis_url(),
           "DJANGO_SETTINGS_MODULE": "config.settings.test", "CELERY_WORKER": "1"}
    return subprocess.Popen(  # noqa: S603 - our own worker, fixed arguments
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "-n", f"{name}@%h",
         "--without-heartbeat", "--without-gossip", "--without-mingle", "-l", "info"],
        cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)


def _ready(log: Path, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 90
    while " ready." not in log.read_text():
        assert proc.poll() is None and time.monotonic() < deadline, log.read_text()[-2000:]
        time.sleep(0.3)


def _recompute(app, periods: list[str]) -> float:
    job = BackgroundJob.objects.create(kind="policy_recompute", total=len(periods),
                                       params={"periods": periods, "policy_version": policy_active().version})
    started = time.monotonic()
    app.send_task(TASK, args=[job.id])
    while job.status != "done":
        assert time.monotonic() - started < 600 and job.status != "failed", job.message
        time.sleep(0.2)
        job.refresh_from_db()
    return time.monotonic() - started


@pytest.mark.celery
@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_share_a_backfill(tmp_path):
    import redis
    from celery import Celery

    call_command("seed_demo", customers=600, months=MONTHS + 1, force=True, verbosity=0)
    last = last_closed_period()
    periods = [fmt(add_months(last, -k)) for k in range(MONTHS - 1, -1, -1)]
    redis.Redis.from_url(redis_url()).flushdb()
    app = Celery("test-client", broker=redis_url(), set_as_current=False)
    logs = [tmp_path / "w1.log", tmp_path / "w2.log"]
    workers = [_worker("w1", logs[0])]
    try:
        _ready(logs[0], workers[0])
        one = _recompute(app, periods)
        workers.append(_worker("w2", logs[1]))
        _ready(logs[1], workers[1])
        two = _recompute(app, periods)
    finally:
        for proc in workers:
            proc.terminate()
        for proc in workers:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        app.close()
    took = [log.read_text().count("analytics.tasks.compute_period[") // 2 for log in logs]  # received + succeeded
    assert took[0] > MONTHS and took[1] > 0, took  # the second worker took periods of the second run
    print(f"\n{MONTHS}-month recompute (600 customers, PostgreSQL): 1 worker {one:.1f} s, 2 workers {two:.1f} s, "
          f"speed-up x{one / two:.2f}; periods per worker in the second run: {took[0] - MONTHS}, {took[1]}")
