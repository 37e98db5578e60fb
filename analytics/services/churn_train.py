"""Train the churn model from a page: a background job with its progress, never inside the request (issue 18).

The job is analytics.churn.tasks.churn_train_job (the same one a fresh install queues): two steps, the backtest
and fit, then the rescore of the periods the new model is in force for (analytics/services/derived.py). A second
start while any churn training is queued or running returns that job.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from analytics.models import BackgroundJob
from analytics.tasks import CHURN_TRAIN_KIND, CHURN_TRAIN_STEPS

from .first_fill import churn_as_of
from .jobs import job_active, job_start


def churn_train_start(*, user: Any) -> tuple[BackgroundJob, bool]:
    """Queue a churn training as of the end of the last closed month; (job, created). Returns at once."""
    from analytics.churn.tasks import churn_train_job

    with transaction.atomic():
        running = job_active(kind=CHURN_TRAIN_KIND)
        if running is not None:
            return running, False
        as_of = churn_as_of()
        # retrain: a model as of that day may exist already; a page asks for a new one (the data may have changed).
        return job_start(kind=CHURN_TRAIN_KIND, params={"as_of": as_of.isoformat(), "retrain": True},
                         total=CHURN_TRAIN_STEPS, user=user, message=f"as of {as_of}",
                         enqueue=lambda job_id: churn_train_job.delay(job_id))
