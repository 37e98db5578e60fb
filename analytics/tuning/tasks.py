"""Thin Celery task over the editor's recompute service (DESIGN 5: ids in, idempotent, transient errors retried).

Celery's autodiscovery finds only `<app>/tasks.py`: `analytics/tasks.py` imports this module so a worker
registers `analytics.tuning.tasks.recompute_months`.
"""

from celery import shared_task
from django.db import InterfaceError, OperationalError

TRANSIENT = (OperationalError, InterfaceError)


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, autoretry_for=TRANSIENT,
             retry_backoff=30, retry_backoff_max=600, max_retries=5)
def recompute_months(self, job_id: int) -> dict:
    """Recompute the periods of a BackgroundJob; a redelivered job resumes where it stopped."""
    from .services import recompute_run

    job = recompute_run(job_id=job_id)
    return {"job": job.id, "status": job.status, "done": job.done, "total": job.total}
