"""A real Celery worker on Redis runs the recompute job by its task name: it fans out one compute_period per
period, each counts its step, the last one finishes the job (not eager mode)."""

import datetime as dt
import time
from decimal import Decimal

import pytest

from analytics.models import BackgroundJob, SnapshotRun
from analytics.services.policies import policy_active
from tests.factories import CustomerFactory, OrderFactory

TASK = "analytics.tuning.tasks.recompute_months"


@pytest.mark.celery
@pytest.mark.redis
@pytest.mark.postgres
def test_worker_runs_the_recompute_job(celery_worker_process):
    customer = CustomerFactory(code="901", first_seen=dt.date(2025, 1, 1))
    OrderFactory(customer=customer, order_date=dt.date(2025, 3, 3), amount=Decimal("500.00"))
    version = policy_active().version
    job = BackgroundJob.objects.create(kind="policy_recompute", total=2,
                                       params={"periods": ["2025-02", "2025-03"], "policy_version": version})
    log = celery_worker_process.worker_log.read_text()
    if TASK not in log:
        pytest.fail(f"the worker does not know {TASK}: analytics/tasks.py must import analytics.tuning.tasks")
    result = celery_worker_process.send_task(TASK, args=[job.id]).get(timeout=120)
    assert result == {"job": job.id, "status": "running", "queued": 2, "total": 2}  # one compute_period each
    deadline = time.monotonic() + 120
    while job.status != "done" and time.monotonic() < deadline:
        time.sleep(0.3)
        job.refresh_from_db()
    assert (job.status, job.done, job.finished_at is not None) == ("done", 2, True)
    assert sorted(SnapshotRun.objects.values_list("period", "status")) == [
        (dt.date(2025, 2, 1), "done"), (dt.date(2025, 3, 1), "done")]
