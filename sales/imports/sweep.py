"""Imports that will never finish (issue 17 item 8): a killed worker or command leaves its batch `running` for ever.

An import writes all its rows in one transaction, so a process that dies mid-way wrote nothing; only its batch row,
saved before the work began, is left saying `running`. No import runs anywhere near IMPORT_LEASE_SECONDS (the
reference 1M-line file takes under two minutes), so a batch still running after that is marked failed, with why.
Swept at the start of every import and by `manage.py import_sweep`.
"""

import datetime as dt

from django.conf import settings
from django.utils import timezone

from sales.models import ImportBatch

DEFAULT_LEASE_SECONDS = 2 * 3600


def lease() -> dt.timedelta:
    return dt.timedelta(seconds=int(getattr(settings, "IMPORT_LEASE_SECONDS", DEFAULT_LEASE_SECONDS)))


def abandoned_problem(started: dt.datetime, now: dt.datetime) -> str:
    hours = (now - started).total_seconds() / 3600
    return (f"abandoned: still running {hours:.1f} h after it started; the process that ran it stopped (a killed "
            "worker or command), and nothing was written")


def import_batches_sweep(*, now: dt.datetime | None = None) -> int:
    """Mark imports running for longer than the lease as failed, saying why; returns how many."""
    now = now or timezone.now()
    stuck = list(ImportBatch.objects.filter(status=ImportBatch.Status.RUNNING, started_at__lt=now - lease())
                 .values_list("id", "file_name", "started_at", "errors"))
    for pk, file_name, started, errors in stuck:
        problem = {"file": file_name, "row": 0, "field": "import", "problem": abandoned_problem(started, now)}
        # Only if still running: the import may have finished between the read and this write.
        ImportBatch.objects.filter(pk=pk, status=ImportBatch.Status.RUNNING).update(
            status=ImportBatch.Status.FAILED, finished_at=now, errors=[*(errors or []), problem])
    return len(stuck)
