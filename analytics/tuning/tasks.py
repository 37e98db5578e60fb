"""The editor's recompute as a Celery job (README.md, Jobs: ids in, idempotent, transient errors retried).

Celery's autodiscovery finds only `<app>/tasks.py`: `analytics/tasks.py` imports this module so a worker
registers `analytics.tuning.tasks.recompute_months`.
"""

from celery import group, shared_task
from django.db import InterfaceError, OperationalError

TRANSIENT = (OperationalError, InterfaceError)


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, autoretry_for=TRANSIENT,
             retry_backoff=30, retry_backoff_max=600, max_retries=5)
def recompute_months(self, job_id: int) -> dict:
    """Fan the job's remaining periods out as one `compute_period` task each (a group: N workers share them);
    each counts its step on the job, and the last one finishes it. A redelivered job queues only what is left."""
    from analytics.tasks import compute_period

    from .services import recompute_remaining

    job, periods = recompute_remaining(job_id=job_id)
    version = job.params.get("policy_version")
    if periods:
        group(compute_period.si(period, version, f"recompute with policy v{version}", job_id=job.id)
              for period in periods).apply_async()
    return {"job": job.id, "status": job.status, "queued": len(periods), "total": job.total}
