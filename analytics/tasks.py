"""Thin Celery tasks over the snapshot services: ISO strings in, idempotent, retried on transient errors only."""

import datetime as dt

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from analytics.periods import fmt, last_closed_period, parse_period

TRANSIENT = (OperationalError, InterfaceError)


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, autoretry_for=TRANSIENT,
             retry_backoff=30, retry_backoff_max=600, max_retries=5)
def compute_period(self, period: str, policy_version: int | None = None, reason: str = "") -> dict:
    """Compute one period ('YYYY-MM'), churn scores included; re-running replaces it with an identical table."""
    from analytics.services.churn_fill import period_scored_count
    from analytics.services.snapshots import snapshot_compute

    run = snapshot_compute(period=parse_period(period), policy_version=policy_version, reason=reason)
    scored = period_scored_count(run.period)
    return {"period": period, "run": run.id, "rows": run.rows, "status": run.status, "churn_scored": scored}


@shared_task(acks_late=True, reject_on_worker_lost=True)
def close_last_month() -> dict:
    """Beat, the 1st at 02:00 Asia/Shanghai: compute the month that just ended."""
    return compute_period(fmt(last_closed_period()), reason="monthly close")


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, autoretry_for=TRANSIENT,
             retry_backoff=30, max_retries=5)
def daily_pulse(self, as_of: str | None = None) -> dict:
    """Beat, daily at 02:30: lifecycle and surge/plunge as of yesterday."""
    from analytics.services.pulse import pulse_compute

    day = dt.date.fromisoformat(as_of) if as_of else timezone.localdate() - dt.timedelta(days=1)
    return {"as_of": day.isoformat(), "rows": pulse_compute(as_of=day)}


@shared_task(acks_late=True, reject_on_worker_lost=True)
def recompute_stale_periods() -> list[str]:
    """Recompute the closed periods an import or a merge touched (oldest first)."""
    from analytics.services.stale import periods_stale

    done = []
    for period, reason in periods_stale():
        compute_period(fmt(period), reason=reason or "inputs changed")
        done.append(fmt(period))
    return done


# Celery's autodiscovery imports only <app>/tasks.py: register the tasks that live in sub-packages too.
# (At the bottom: they import TRANSIENT from this module.)
from analytics.churn import tasks as _churn_tasks  # noqa: E402, F401
from analytics.tuning import tasks as _tuning_tasks  # noqa: E402, F401
