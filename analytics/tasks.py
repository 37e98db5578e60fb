"""Thin Celery tasks over the snapshot services: ISO strings in, idempotent, retried on transient errors only.

The beat's tasks (close, fill, stale sweep) never compute in place: they enqueue `compute_period`, the one task
that computes a period, so every computation gets its retries with backoff and `acks_late`. A sweep that finds
work already queued (an active fill job) leaves it alone.
"""

import datetime as dt
import socket

from celery import Task, chain, current_app, shared_task
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from analytics.periods import fmt, last_closed_period, parse_period

TRANSIENT = (OperationalError, InterfaceError)
FILL_KIND = "period_fill"
CHURN_TRAIN_KIND = "churn_train"  # a fresh install's first model (analytics.services.first_fill), or from a page
CHURN_TRAIN_STEPS = 2  # its progress: the backtest and fit, then the rescore (analytics.churn.tasks.churn_train_job)
# Which task runs a BackgroundJob of each kind: the job sweep enqueues it again when the job's worker went away.
JOB_TASKS = {
    "policy_recompute": "analytics.tuning.tasks.recompute_months",
    FILL_KIND: "analytics.tasks.fill_run",
    CHURN_TRAIN_KIND: "analytics.churn.tasks.churn_train_job",
}


class JobStepTask(Task):
    """A task that may be one step of a BackgroundJob (`job_id=`): when it fails for good, so does the job."""

    def on_failure(self, exc, task_id, args, kwargs, einfo) -> None:  # type: ignore[no-untyped-def]
        from analytics.services.jobs import job_fail

        if kwargs.get("job_id"):
            what = args[0] if args else kwargs.get("period", "")
            job_fail(job_id=kwargs["job_id"], error=f"{what}: {type(exc).__name__}: {exc}")


@shared_task(bind=True, base=JobStepTask, acks_late=True, reject_on_worker_lost=True, autoretry_for=TRANSIENT,
             retry_backoff=30, retry_backoff_max=600, max_retries=5)
def compute_period(self, period: str, policy_version: int | None = None, reason: str = "",
                   job_id: int | None = None) -> dict:
    """Compute one period ('YYYY-MM'), churn scores included (the snapshot service scores it); re-running replaces
    it with an identical table, so redelivery is safe. With `job_id`, count one step of that job."""
    from analytics.services.churn_fill import period_scored_count
    from analytics.services.jobs import job_step
    from analytics.services.snapshots import snapshot_compute

    run = snapshot_compute(period=parse_period(period), policy_version=policy_version, reason=reason)
    scored = period_scored_count(run.period)
    if job_id:
        job_step(job_id=job_id, message=f"{period} done")
    return {"period": period, "run": run.id, "rows": run.rows, "status": run.status, "churn_scored": scored}


@shared_task(acks_late=True)
def close_last_month() -> str:
    """Beat, the 1st at 02:00 Asia/Shanghai: queue the month that just ended (the real task, with its retries)."""
    period = fmt(last_closed_period())
    compute_period.delay(period, reason="monthly close")
    return period


@shared_task(acks_late=True)
def recompute_stale_periods() -> list[str]:
    """Beat, every 15 minutes, and after an import: queue, oldest first, every closed month that is stale or was
    never computed since the first order (a month missed while the worker was down heals here)."""
    from analytics.services.jobs import job_active, job_start
    from analytics.services.stale import periods_due

    if job_active(kind=FILL_KIND) is not None:
        return []  # the previous sweep's chain is still running; the next sweep looks again
    due = periods_due()
    if not due:
        return []
    periods = [fmt(p) for p, _ in due]
    job_start(kind=FILL_KIND, params={"periods": periods, "reasons": [r for _, r in due]}, total=len(periods),
              user=None, message=f"{periods[0]} .. {periods[-1]}", enqueue=lambda job_id: fill_run.delay(job_id))
    return periods


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, autoretry_for=TRANSIENT,
             retry_backoff=30, max_retries=5)
def fill_run(self, job_id: int) -> list[str]:
    """Compute a fill job's periods in order (a chain: a month's stale inputs are fixed before the next), the
    ones still due only, so a resumed fill does not redo what it finished."""
    from analytics.models import BackgroundJob
    from analytics.services.jobs import job_finish, job_running
    from analytics.services.stale import periods_due

    job = BackgroundJob.objects.get(id=job_id)
    wanted = dict(zip(job.params["periods"], job.params.get("reasons", []), strict=False))
    still_due = {fmt(p) for p, _ in periods_due()}
    periods = [p for p in job.params["periods"] if p in still_due]
    if not periods:
        job_finish(job_id=job.id, message="nothing left to fill")
        return []
    BackgroundJob.objects.filter(id=job.id).update(done=job.total - len(periods))
    job_running(job_id=job.id)
    chain(*(compute_period.si(p, None, wanted.get(p) or "fill", job_id=job.id) for p in periods)).apply_async()
    return periods


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, autoretry_for=TRANSIENT,
             retry_backoff=30, max_retries=5)
def daily_pulse(self, as_of: str | None = None) -> dict:
    """Beat, daily at 02:30: lifecycle and surge/plunge as of yesterday."""
    from analytics.services.pulse import pulse_compute

    day = dt.date.fromisoformat(as_of) if as_of else timezone.localdate() - dt.timedelta(days=1)
    return {"as_of": day.isoformat(), "rows": pulse_compute(as_of=day)}


@shared_task(bind=True)
def worker_heartbeat(self) -> str:
    """Beat, every minute: record that a worker (and the beat) is alive; /healthz alerts after 5 silent minutes."""
    from analytics.services.health import heartbeat_record

    worker = self.request.hostname or socket.gethostname()
    heartbeat_record(worker=worker)
    return worker


@shared_task
def jobs_resume() -> list[int]:
    """Beat, every 5 minutes: enqueue again the jobs whose worker died or whose message was lost, and mark failed
    the snapshot runs such a worker left "running"."""
    from analytics.services.jobs import job_touch, jobs_lost
    from analytics.services.snapshots import snapshot_runs_abandon

    snapshot_runs_abandon()
    resumed = []
    for job in jobs_lost():
        if job.kind in JOB_TASKS:
            current_app.tasks[JOB_TASKS[job.kind]].delay(job.id)
            job_touch(job_id=job.id)
            resumed.append(job.id)
    return resumed


# Celery's autodiscovery imports only <app>/tasks.py: register the tasks that live in sub-packages too.
# (At the bottom: they import TRANSIENT from this module.)
from analytics.churn import tasks as _churn_tasks  # noqa: E402, F401
from analytics.tuning import tasks as _tuning_tasks  # noqa: E402, F401
