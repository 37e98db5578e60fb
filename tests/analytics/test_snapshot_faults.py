"""A run killed mid-way leaves the previous snapshot intact; two runs of one period never interleave."""

import datetime as dt
import signal
import subprocess
import time
from decimal import Decimal

import pytest

from analytics.models import CustomerSnapshot, SnapshotRun
from analytics.services.snapshots import SnapshotBusy, snapshot_compute
from tests.analytics.stalled_run import start_stalled_run
from tests.factories import CustomerFactory, OrderFactory

P = dt.date(2025, 3, 1)


def start_slow_run(stall: float) -> subprocess.Popen:
    """A run of P that takes the lock, then stalls inside the engine long enough to be killed or waited on."""
    return start_stalled_run(period=P, stall=stall, module="analytics.services.snapshots", name="compute_snapshot")


def table():
    return list(CustomerSnapshot.objects.filter(period=P).order_by("code").values_list("code", "grade", "sales"))


@pytest.fixture
def ledger(transactional_db):
    a = CustomerFactory(code="A1", first_seen=dt.date(2025, 1, 1))
    b = CustomerFactory(code="B1", first_seen=dt.date(2025, 1, 1))
    OrderFactory(customer=a, order_date=dt.date(2025, 3, 2), amount=Decimal("900.00"))
    OrderFactory(customer=b, order_date=dt.date(2025, 3, 2), amount=Decimal("100.00"))
    snapshot_compute(period=P)
    return a, b


@pytest.mark.postgres
def test_killed_run_leaves_previous_snapshot_and_releases_the_lock(ledger):
    before = table()
    OrderFactory(customer=ledger[1], order_date=dt.date(2025, 3, 9), amount=Decimal("5000.00"))
    proc = start_slow_run(stall=60)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    assert table() == before  # the killed transaction rolled back
    stuck = SnapshotRun.objects.order_by("-id").first()
    assert stuck.status == "running"  # it never got to say; the next run of the period marks it abandoned later
    snapshot_compute(period=P, wait_seconds=5)  # the lock died with the connection
    assert table() == [("A1", "C", Decimal("900.00")), ("B1", "A", Decimal("5100.00"))]


@pytest.mark.postgres
def test_second_run_waits_for_the_first_and_gives_up_after_its_wait(ledger):
    proc = start_slow_run(stall=4)
    started = time.monotonic()
    with pytest.raises(SnapshotBusy, match="another snapshot run of 2025-03 is still going after 1 s"):
        snapshot_compute(period=P, wait_seconds=1)
    assert time.monotonic() - started >= 0.9
    run = snapshot_compute(period=P, wait_seconds=60)  # waits for the first to commit, then runs after it
    assert run.status == "done"
    assert proc.wait(timeout=30) == 0
    assert "finished" in proc.stdout.read()
    statuses = sorted(SnapshotRun.objects.values_list("status", flat=True))
    assert statuses == ["done", "done", "done", "failed"]


@pytest.mark.django_db
def test_a_run_left_running_by_a_dead_worker_is_marked_failed_by_the_sweep(ledger):
    from django.utils import timezone

    from analytics.services.snapshots import RUN_ABANDONED, snapshot_runs_abandon
    from analytics.tasks import jobs_resume

    done = SnapshotRun.objects.get()
    dead = SnapshotRun.objects.create(period=P, as_of=done.as_of, policy=done.policy)
    waiting = SnapshotRun.objects.create(period=P, as_of=done.as_of, policy=done.policy)
    minute = dt.timedelta(minutes=1)
    SnapshotRun.objects.filter(pk=dead.pk).update(started_at=timezone.now() - RUN_ABANDONED - minute)
    # A run still inside its lock wait and compute time is alive: left alone.
    SnapshotRun.objects.filter(pk=waiting.pk).update(started_at=timezone.now() - RUN_ABANDONED + minute)
    jobs_resume.apply().get()  # the beat's sweep, every 5 minutes
    dead.refresh_from_db(), waiting.refresh_from_db(), done.refresh_from_db()
    assert (dead.status, dead.error) == ("failed", "abandoned: the worker stopped before finishing")
    assert (waiting.status, done.status) == ("running", "done")
    assert snapshot_runs_abandon() == 0
