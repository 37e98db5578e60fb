"""Thin Celery tasks over the coupon services: ids in, idempotent, acknowledged late.

All three are safe to run twice or concurrently (claims are conditional updates, care runs are unique per
rule and day, the outbox relay claims with SKIP LOCKED), so they use task_reject_on_worker_lost: a task whose
worker is killed goes back to the queue and its re-run completes the work without a duplicate.
Retries: only on database connection errors (transient); a gateway failure is recorded on its row instead.
"""

from typing import Any

from celery import shared_task
from django.db import InterfaceError, OperationalError

TRANSIENT = (OperationalError, InterfaceError)


def coupon_task(name: str) -> Any:
    """Late ack, requeued if the worker is lost, retried with backoff on transient database errors."""
    return shared_task(name=name, acks_late=True, reject_on_worker_lost=True, autoretry_for=TRANSIENT,
                       retry_backoff=5, retry_backoff_max=300, retry_jitter=True, max_retries=5)


@coupon_task("coupons.tasks.send_pending")
def send_pending(send_request_id: int | None = None) -> dict:
    """Send due queued coupons (of one send request, or all of them: the periodic sweep)."""
    from coupons import conf
    from coupons.services import coupon_issue_send_batch

    limit = int(conf.get("SMS_SEND_BATCH_LIMIT"))
    outcome = coupon_issue_send_batch(send_request_id=send_request_id, limit=limit)
    if outcome.claimed >= limit:  # more may be waiting: continue in a fresh task
        send_pending.delay(send_request_id=send_request_id)
    result = {"claimed": outcome.claimed, "statuses": outcome.statuses, "expired": outcome.expired,
              "quiet_hours": outcome.quiet_hours}
    if send_request_id is None:  # the periodic sweep also settles unknown messages from the providers' records
        from coupons.services import coupon_issue_resolve_unknown, sms_pull

        result["resolved"] = coupon_issue_resolve_unknown().outcomes
        result["pulled"] = sms_pull()
    return result


@coupon_task("coupons.tasks.relay_outbox")
def relay_outbox() -> int:
    """Publish outbox events the broker missed at commit time."""
    from coupons.services import outbox_relay

    return outbox_relay()


@coupon_task("coupons.tasks.run_care_rules")
def run_care_rules(run_date: str | None = None) -> list[int]:
    """Run every active care rule for `run_date` (ISO; default today in TIME_ZONE)."""
    import datetime as dt

    from coupons.services import care_rules_run

    today = dt.date.fromisoformat(run_date) if run_date else None
    return [run.pk for run in care_rules_run(today=today)]
