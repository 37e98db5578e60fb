"""Background jobs started from a page or the API: one row per job carries its progress for a progress bar.

A page calls `job_start`, which returns at once (the work runs in a Celery worker after the transaction commits);
a second identical request while the job is queued or running gets the same job back, not a second one. Workers
report with `job_running` / `job_step` / `job_fail`; `jobs_lost` finds the jobs whose worker went away.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db import connection, transaction
from django.db.models import F, Q
from django.db.models.functions import Least
from django.utils import timezone

from analytics.models import BackgroundJob

ACTIVE = (BackgroundJob.Status.QUEUED, BackgroundJob.Status.RUNNING)
# A running job writes progress at least once per period (seconds); a queued one may wait behind other work.
LOST_RUNNING = dt.timedelta(minutes=10)
LOST_QUEUED = dt.timedelta(minutes=30)


def job_active(*, kind: str, params: dict[str, Any] | None = None) -> BackgroundJob | None:
    """The queued or running job of `kind` (with exactly these params, when given), oldest first."""
    for job in BackgroundJob.objects.filter(kind=kind, status__in=ACTIVE).order_by("created_at", "id"):
        if params is None or job.params == params:
            return job
    return None


@transaction.atomic
def job_start(*, kind: str, params: dict[str, Any], total: int, user: Any, message: str,
              enqueue: Callable[[int], Any]) -> tuple[BackgroundJob, bool]:
    """Create a job and enqueue it after commit; or return the identical queued/running job. Returns (job, created).

    Two requests at once must not both create: PostgreSQL takes a transaction lock per kind, SQLite's IMMEDIATE
    transactions already run one writer at a time.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"background-job:{kind}"])
    running = job_active(kind=kind, params=params)
    if running is not None:
        return running, False
    job = BackgroundJob.objects.create(
        kind=kind, total=total, params=params, message=message[:255], updated_at=timezone.now(),
        created_by=user if getattr(user, "is_authenticated", False) else None)
    transaction.on_commit(lambda: enqueue(job.id))
    return job, True


def job_running(*, job_id: int, message: str = "") -> None:
    """A worker took the job."""
    fields: dict[str, Any] = {"status": BackgroundJob.Status.RUNNING, "updated_at": timezone.now()}
    if message:
        fields["message"] = message[:255]
    BackgroundJob.objects.filter(id=job_id, status__in=ACTIVE).update(**fields)


@transaction.atomic
def job_step(*, job_id: int, message: str = "", result: dict[str, Any] | None = None) -> BackgroundJob | None:
    """One unit of the job is done (parallel steps may call this at once): count it; the last one finishes the job.

    The count never passes the total, so a step redelivered after it succeeded cannot finish the job early twice.
    """
    now = timezone.now()
    BackgroundJob.objects.filter(id=job_id).update(done=Least(F("done") + 1, F("total")), updated_at=now,
                                                   message=message[:255])
    job = BackgroundJob.objects.select_for_update().filter(id=job_id).first()
    if job is None:
        return None
    if job.done >= job.total and job.status in ACTIVE:
        job.status, job.finished_at = BackgroundJob.Status.DONE, now
        job.result = result or job.result
        job.save(update_fields=["status", "finished_at", "result"])
    return job


def job_finish(*, job_id: int, message: str, result: dict[str, Any] | None = None) -> None:
    BackgroundJob.objects.filter(id=job_id).update(
        status=BackgroundJob.Status.DONE, done=F("total"), message=message[:255], result=result or {},
        updated_at=timezone.now(), finished_at=timezone.now())


def job_fail(*, job_id: int, error: str) -> None:
    """The job cannot finish (a step failed after its retries): say why, stop the progress bar."""
    BackgroundJob.objects.filter(id=job_id, status__in=ACTIVE).update(
        status=BackgroundJob.Status.FAILED, message=error[:255], updated_at=timezone.now(),
        finished_at=timezone.now())


def jobs_lost(*, now: dt.datetime | None = None) -> list[BackgroundJob]:
    """Queued or running jobs with no progress for too long: their worker died or their message was lost."""
    now = now or timezone.now()
    running = Q(status=BackgroundJob.Status.RUNNING, updated_at__lt=now - LOST_RUNNING)
    queued = Q(status=BackgroundJob.Status.QUEUED, updated_at__lt=now - LOST_QUEUED)
    never = Q(status__in=ACTIVE, updated_at__isnull=True, created_at__lt=now - LOST_QUEUED)
    return list(BackgroundJob.objects.filter(running | queued | never).order_by("created_at", "id"))


def job_touch(*, job_id: int) -> None:
    """Re-enqueued: counts as fresh, so the next sweep does not enqueue it again at once."""
    BackgroundJob.objects.filter(id=job_id).update(updated_at=timezone.now())
