"""A real Celery worker process on Redis computes a period (not eager mode)."""

import datetime as dt
from decimal import Decimal

import pytest

from analytics.models import CustomerSnapshot, SnapshotRun
from tests.factories import CustomerFactory, OrderFactory


@pytest.mark.celery
@pytest.mark.redis
@pytest.mark.postgres
def test_worker_computes_a_period(celery_worker_process):
    customer = CustomerFactory(code="900", first_seen=dt.date(2025, 1, 1))
    OrderFactory(customer=customer, order_date=dt.date(2025, 3, 3), amount=Decimal("500.00"))
    result = celery_worker_process.send_task("analytics.tasks.compute_period", args=["2025-03"]).get(timeout=120)
    assert result["rows"] == 1 and result["status"] == "done"
    row = CustomerSnapshot.objects.get(period=dt.date(2025, 3, 1))
    assert (row.code, row.grade, row.sales, row.lifecycle) == ("900", "A", Decimal("500.00"), "active")
    run = SnapshotRun.objects.get()
    assert run.status == "done"
    assert "compute_period" in celery_worker_process.worker_log.read_text()
    # No beat runs here: the worker process recorded itself (config.celery.WorkerHeartbeat), so /healthz knows a
    # worker busy with a long job is alive.
    from analytics.models import WorkerHeartbeat

    assert WorkerHeartbeat.objects.filter(worker__startswith="celery@").exists()
