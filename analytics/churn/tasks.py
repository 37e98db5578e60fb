"""Monthly churn retrain (docs/analytics.md §3.7; README.md, Jobs): a thin Celery task over churn_model_train.

Beat: the 1st of each month after the monthly close (e.g. 03:00 Asia/Shanghai). Safe to run twice: a second
run stores a second, identical model row; the newest as of T is the one used.
"""

import datetime as dt

from celery import shared_task

from analytics.tasks import FILL_KIND, TRANSIENT

# Seconds between two looks at the fill job, while the churn training job waits for the months.
WAIT_FOR_FILL = 15


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, autoretry_for=TRANSIENT,
             retry_backoff=60, retry_backoff_max=900, max_retries=3)
def churn_retrain(self, as_of: str | None = None) -> dict:
    """Train the churn model as of `as_of` (ISO date; default: the end of the last closed month)."""
    from analytics.churn.services import churn_model_train
    from analytics.periods import last_closed_period, month_end

    day = dt.date.fromisoformat(as_of) if as_of else month_end(last_closed_period())
    model = churn_model_train(as_of=day)
    return {"as_of": day.isoformat(), "model": model.id, "beats_baseline": model.beats_baseline,
            "reason": model.metrics.get("reason", "")}


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, autoretry_for=TRANSIENT,
             retry_backoff=60, retry_backoff_max=900, max_retries=3)
def churn_train_job(self, job_id: int) -> dict:
    """The churn training job of a fresh install (analytics.services.first_fill): waits while the months are
    computed (the model learns from them and then rescores them), trains once, and says so on the job."""
    from analytics.churn.services import churn_model_train
    from analytics.models import BackgroundJob, ChurnModel
    from analytics.services.jobs import job_active, job_fail, job_finish, job_running, job_step, job_touch

    job = BackgroundJob.objects.get(id=job_id)
    if job.status not in (BackgroundJob.Status.QUEUED, BackgroundJob.Status.RUNNING):
        return {"job": job_id, "skipped": job.status}  # a redelivered message of a finished job
    if job_active(kind=FILL_KIND) is not None:
        # A fresh message, not self.retry(): a 24-month fill outlasts any retry limit (and spending the retries on
        # waiting would leave none for a transient error). Touched, so the job sweep does not enqueue it again.
        job_touch(job_id=job_id)
        churn_train_job.apply_async((job_id,), countdown=WAIT_FOR_FILL)
        return {"job": job_id, "waiting": "the months are being computed"}
    as_of = dt.date.fromisoformat(job.params["as_of"])
    existing = ChurnModel.objects.filter(as_of=as_of).order_by("-trained_at", "-id").first()
    if existing is not None and not job.params.get("retrain"):
        job_finish(job_id=job_id, message=f"model {existing.id} as of {as_of} exists", result={"model": existing.id})
        return {"as_of": as_of.isoformat(), "model": existing.id}
    job_running(job_id=job_id, message=f"training as of {as_of}")
    try:
        # Two steps a page's progress bar shows (analytics.services.churn_train): the fit, then the rescore.
        model = churn_model_train(as_of=as_of, progress=lambda message: job_step(job_id=job_id, message=message))
    except TRANSIENT:
        raise  # retried
    except Exception as exc:
        job_fail(job_id=job_id, error=f"{type(exc).__name__}: {exc}")
        raise
    job_finish(job_id=job_id, message=f"model {model.id} as of {as_of}",
               result={"model": model.id, "beats_baseline": model.beats_baseline})
    return {"as_of": as_of.isoformat(), "model": model.id, "beats_baseline": model.beats_baseline}
