"""Imports that will never finish (issue 17 item 8): a killed worker or command leaves its batch `running` for ever.

An import writes all its rows in one transaction, so a process that dies mid-way wrote nothing; only its batch row,
saved before the work began, is left saying `running`. No import runs anywhere near IMPORT_LEASE_SECONDS (the
reference 1M-line file takes under two minutes), so a batch still running after that is marked failed, with why;
so is a queued one (the API's jobs) whose task never started in that time (its message was lost).
Swept at the start of every import, by the beat (`sales.tasks.import_sweep`) and by `manage.py import_sweep`.
"""

import datetime as dt

from django.conf import settings
from django.utils import timezone

from sales.models import ImportBatch, ImportUpload

DEFAULT_LEASE_SECONDS = 2 * 3600
ACTIVE = (ImportBatch.Status.QUEUED, ImportBatch.Status.RUNNING)


def lease() -> dt.timedelta:
    return dt.timedelta(seconds=int(getattr(settings, "IMPORT_LEASE_SECONDS", DEFAULT_LEASE_SECONDS)))


def abandoned_problem(started: dt.datetime, now: dt.datetime, status: str = ImportBatch.Status.RUNNING) -> str:
    hours = (now - started).total_seconds() / 3600
    if status == ImportBatch.Status.QUEUED:
        return (f"abandoned: still queued {hours:.1f} h after it was started; no worker took it (the worker is down "
                "or its message was lost), and nothing was written")
    return (f"abandoned: still running {hours:.1f} h after it started; the process that ran it stopped (a killed "
            "worker or command), and nothing was written")


def import_batches_sweep(*, now: dt.datetime | None = None) -> int:
    """Mark imports queued or running for longer than the lease as failed, saying why; returns how many."""
    now = now or timezone.now()
    stuck = list(ImportBatch.objects.filter(status__in=ACTIVE, started_at__lt=now - lease())
                 .values_list("id", "file_name", "started_at", "errors", "status"))
    for pk, file_name, started, errors, status in stuck:
        problem = {"file": file_name, "row": 0, "field": "import",
                   "problem": abandoned_problem(started, now, status)}
        # Only if still in that state: the import may have moved on between the read and this write.
        ImportBatch.objects.filter(pk=pk, status=status).update(
            status=ImportBatch.Status.FAILED, finished_at=now, errors=[*(errors or []), problem],
            error_count=len(errors or []) + 1)
    # Uploads outlive their batch's run only when the task raised: nobody will read them again.
    ImportUpload.objects.exclude(batch__status__in=ACTIVE).delete()
    return len(stuck)
