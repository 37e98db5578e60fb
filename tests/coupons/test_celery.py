"""Two real `celery -A config worker` processes (Redis broker, PostgreSQL) on one batch: each recipient once."""

import shutil
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest
from celery import Celery

from core.processes import processes_stop
from coupons.models import CouponIssue
from tests.conftest import redis_url, service_missing
from tests.coupons.gateway import Gateway
from tests.coupons.test_concurrency import _db_env, _queue

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.celery, pytest.mark.django_db(transaction=True)]


def _worker(queue, gateway, name):
    env = _db_env(gateway.url)
    env.update(DJANGO_SETTINGS_MODULE="tests.coupons.celery_worker_settings", TEST_CELERY_BROKER_URL=redis_url())
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", queue, "-c", "1", "-P", "prefork",
         "-n", f"{name}@%h", "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "WARNING"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )


def test_two_celery_workers_send_each_recipient_once(campaign, admin_user, monkeypatch):
    if shutil.which("celery", path=str(Path(sys.executable).parent)) is None:
        service_missing("the celery command is not installed in this environment")
    monkeypatch.setattr("coupons.services.send.outbox_dispatch_on_commit", lambda event_id: None)
    customers = _queue(campaign, admin_user, 60)
    queue = f"coupons-test-{uuid.uuid4().hex[:8]}"  # never shared with anyone else's worker
    gateway = Gateway(default="slow:0.03").start()
    workers = [_worker(queue, gateway, f"w{i}-{queue}") for i in range(2)]
    try:
        producer = Celery(broker=redis_url(), set_as_current=False)
        for _ in range(4):  # several sweeps at once: the workers race for the same rows
            producer.send_task("coupons.tasks.send_pending", kwargs={}, queue=queue)
        started = time.monotonic()
        deadline = started + 90
        while time.monotonic() < deadline:
            if not CouponIssue.objects.filter(status__in=["queued", "sending"]).exists():
                break
            assert all(w.poll() is None for w in workers), [w.stderr.read() for w in workers if w.poll() is not None]
            time.sleep(0.2)
        print(f"batch done in {time.monotonic() - started:.1f}s")
    finally:
        processes_stop(workers, timeout=20)
        gateway.stop()
    assert Counter(CouponIssue.objects.values_list("status", flat=True)) == {"sent": 60}
    assert Counter(gateway.recipients()) == Counter(c.mobile for c in customers)
    # Rows were claimed by more than one task, and the tasks ran in two processes at once (-c 1 each).
    assert CouponIssue.objects.values("claim_token").distinct().count() >= 2
