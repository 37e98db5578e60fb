"""Stuck imports (issue 17 item 8): a batch whose process was killed stops saying "running" once its lease is over,
and an unexpected error while reading marks the batch failed with the reason (7 batches stayed running for ever)."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from sales.imports import service
from sales.imports.sweep import import_batches_sweep
from sales.models import ImportBatch

pytestmark = pytest.mark.django_db


def batch(status: str, started_ago: dt.timedelta) -> ImportBatch:
    row = ImportBatch.objects.create(kind="sales", file_name="big.csv", sha256="0" * 64, status=status)
    ImportBatch.objects.filter(pk=row.pk).update(started_at=timezone.now() - started_ago)
    return row


def test_sweep_fails_only_batches_running_past_the_lease():
    killed = batch("running", dt.timedelta(hours=3))
    busy = batch("running", dt.timedelta(minutes=5))
    done = batch("done", dt.timedelta(days=2))
    out = io.StringIO()
    call_command("import_sweep", stdout=out)
    assert out.getvalue().startswith("1 abandoned import(s) marked failed")
    killed.refresh_from_db()
    assert killed.status == "failed" and killed.finished_at is not None
    assert killed.errors == [{"file": "big.csv", "row": 0, "field": "import", "problem":
                              "abandoned: still running 3.0 h after it started; the process that ran it stopped "
                              "(a killed worker or command), and nothing was written"}]
    assert ImportBatch.objects.get(pk=busy.pk).status == "running"
    assert ImportBatch.objects.get(pk=done.pk).status == "done"
    assert import_batches_sweep() == 0  # safe to run again


def test_the_next_import_sweeps_a_killed_one(csv_file, run_import, book):
    killed = batch("running", dt.timedelta(hours=5))
    run_import("payments", csv_file("p.csv", ["payment_no", "customer_code", "date", "amount"],
                                    [["P1", "00101", "2025-03-01", "10.00"]]))
    assert ImportBatch.objects.get(pk=killed.pk).status == "failed"


def test_an_unexpected_error_while_reading_fails_the_batch_with_the_reason(csv_file, run_import, monkeypatch):
    def broken(data: bytes):
        raise ValueError("embedded null character")

    monkeypatch.setattr(service, "read_table", broken)
    with pytest.raises(ValueError, match="embedded null character"):
        run_import("sales", csv_file("nul.csv", ["order_no"], [["SO1"]]))
    stored = ImportBatch.objects.get()
    assert stored.status == "failed" and stored.finished_at is not None
    assert stored.errors[-1]["problem"] == ("unexpected error while reading, nothing was written: ValueError: "
                                            "embedded null character")


def test_the_beat_schedule_runs_the_sweep_task():
    from django.conf import settings

    from config.celery import app

    entries = [e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "sales.tasks.import_sweep"]
    assert len(entries) == 1
    app.loader.import_default_modules()  # what a worker does at start: autodiscovery of <app>/tasks.py
    assert "sales.tasks.import_sweep" in app.tasks  # the name the beat sends is a registered task
    # At least every lease: a killed import is failed within the lease plus one sweep interval.
    schedule = entries[0]["schedule"]
    assert schedule.remaining_estimate(timezone.now()).total_seconds() <= 10 * 60


def test_the_sweep_task_fails_an_expired_lease_and_a_lost_queued_job():
    from sales.models import ImportUpload
    from sales.tasks import import_sweep

    killed = batch("running", dt.timedelta(hours=3))
    lost = batch("queued", dt.timedelta(hours=3))
    ImportUpload.objects.create(batch=lost, data=b"order_no\n")
    waiting = batch("queued", dt.timedelta(minutes=1))
    assert import_sweep.delay().get() == 2
    killed.refresh_from_db()
    lost.refresh_from_db()
    assert (killed.status, lost.status, ImportBatch.objects.get(pk=waiting.pk).status) == ("failed", "failed",
                                                                                          "queued")
    assert killed.errors[-1]["problem"].startswith("abandoned: still running 3.0 h after it started")
    assert lost.errors[-1]["problem"].startswith("abandoned: still queued 3.0 h after it was started; no worker")
    assert lost.error_count == 1 and not ImportUpload.objects.exists()  # nobody will read that upload again


def test_a_queued_import_that_waited_long_gets_a_full_lease_once_it_runs(monkeypatch):
    """The lease counts from when a worker took the import, not from when it was queued."""
    from sales.imports.jobs import file_sha256, import_enqueue
    from sales.imports.refs import Context
    from sales.tasks import import_run

    sha256, data = file_sha256([b"order_no,order_date,customer_code,amount\nSO1,2025-01-05,00123,100\n"])
    queued, _ = import_enqueue(kind="sales", name="s.csv", data=data, sha256=sha256, user=None, dry_run=False,
                               enqueue=lambda batch_id: None)
    ImportBatch.objects.filter(pk=queued.pk).update(started_at=timezone.now() - dt.timedelta(minutes=115))
    swept: list[int] = []
    plan = service.IMPORTERS["sales"].plan

    def planning(*, table, ctx: Context):
        swept.append(import_batches_sweep(now=timezone.now() + dt.timedelta(minutes=10)))
        return plan(table=table, ctx=ctx)

    sales = service.IMPORTERS["sales"]
    monkeypatch.setitem(service.IMPORTERS, "sales", sales.__class__(planning, sales.write, sales.preview,
                                                                     sales.customers))
    assert import_run.delay(queued.pk).get()["status"] == "done"
    assert swept == [0] and ImportBatch.objects.get(pk=queued.pk).status == "done"
