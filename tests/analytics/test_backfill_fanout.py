"""A backfill fans out one task per period (a Celery group), so two workers share it (issue 18): both workers take
periods, each in the order they were queued, and every period is computed exactly once.

Behaviour only: the speed-up is a measurement of the machine as much as of the fan-out, so `make bench` prints it
(bench/fanout.py), with the load beside it. Real worker processes on Redis and PostgreSQL (the fan-out needs a real
broker; eager mode would run it inline)."""

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.management import call_command

from analytics.models import BackgroundJob, SnapshotRun
from analytics.periods import add_months, fmt, last_closed_period
from analytics.services.policies import policy_active
from core.processes import processes_stop
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


def _recompute(app, periods: list[str]) -> BackgroundJob:
    job = BackgroundJob.objects.create(kind="policy_recompute", total=len(periods),
                                       params={"periods": periods, "policy_version": policy_active().version})
    started = time.monotonic()
    app.send_task(TASK, args=[job.id])
    while job.status != "done":
        assert time.monotonic() - started < 600 and job.status != "failed", job.message
        time.sleep(0.2)
        job.refresh_from_db()
    return job


def _computed(log: Path) -> list[str]:
    """The periods a worker computed, in its order (its log's "succeeded ... {'period': 'YYYY-MM', ...}" lines)."""
    return re.findall(r"compute_period\[[^\]]+\] succeeded in [\d.]+s: \{'period': '(\d{4}-\d{2})'",
                      log.read_text())


@pytest.mark.celery
@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_share_a_backfill(tmp_path):
    import redis
    from celery import Celery

    call_command("seed_demo", customers=300, months=MONTHS + 1, force=True, verbosity=0)
    last = last_closed_period()
    periods = [fmt(add_months(last, -k)) for k in range(MONTHS - 1, -1, -1)]
    redis.Redis.from_url(redis_url()).flushdb()
    app = Celery("test-client", broker=redis_url(), set_as_current=False)
    logs = [tmp_path / "w1.log", tmp_path / "w2.log"]
    workers = [_worker("w1", logs[0]), _worker("w2", logs[1])]
    try:
        for proc, log in zip(workers, logs, strict=True):
            _ready(log, proc)
        job = _recompute(app, periods)
    finally:
        processes_stop(workers)
        app.close()
    assert (job.done, job.total) == (MONTHS, MONTHS)
    runs = list(SnapshotRun.objects.filter(status="done", reason__startswith="recompute").values_list(
        "period", flat=True))
    assert sorted(fmt(p) for p in runs) == periods  # every period once: no duplicate, none left out
    computed = [_computed(log) for log in logs]
    assert computed[0] and computed[1], computed  # both workers took periods
    assert sorted(computed[0] + computed[1]) == periods  # and between them each period once
    for mine in computed:  # each worker took its periods oldest first: the group is queued in period order
        assert mine == sorted(mine)
