"""Thin Celery tasks of the sales app: the API's queued imports and the sweep of imports whose process died."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

TRANSIENT = (OperationalError, InterfaceError)


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, autoretry_for=TRANSIENT, retry_backoff=30,
             retry_backoff_max=600, max_retries=3)
def import_run(self, batch_id: int) -> dict:
    """Validate and write a queued import (sales.imports.jobs); a redelivery after a killed worker runs it again,
    which is safe: the killed run's transaction wrote nothing."""
    from sales.imports.jobs import import_run as run

    report = run(batch_id=batch_id)
    if report is None:
        return {"batch": batch_id, "status": "skipped"}
    return {"batch": batch_id, "status": report.status, "rows": report.rows, "errors": report.error_count}


@shared_task
def import_sweep() -> int:
    """Beat, every 10 minutes: imports whose process died (a killed worker or command) are marked failed, saying
    why, without anyone running `manage.py import_sweep`."""
    from sales.imports.sweep import import_batches_sweep

    return import_batches_sweep()
