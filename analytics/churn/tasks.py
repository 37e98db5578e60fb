"""Monthly churn retrain (DESIGN 3.7, 5 Jobs): a thin Celery task over churn_model_train.

Beat: the 1st of each month after the monthly close (e.g. 03:00 Asia/Shanghai). Safe to run twice: a second
run stores a second, identical model row; the newest as of T is the one used.
"""

import datetime as dt

from celery import shared_task

from analytics.tasks import TRANSIENT


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
