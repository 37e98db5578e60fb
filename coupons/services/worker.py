"""The worker side: claim queued coupon rows one at a time, send through the backend, record the outcome.

Exactly-once rule (issue 5 point 3):

* a row is claimed by a conditional UPDATE ... WHERE status='queued' (on PostgreSQL after picking it with
  SELECT ... FOR UPDATE SKIP LOCKED), committed BEFORE the gateway is called: two workers never send one row;
* one row is claimed at a time, so a worker killed mid-batch leaves at most one row in `sending`; rows it
  had not reached are still `queued` and the next run sends them;
* a row left in `sending` longer than SMS_SENDING_STALE_AFTER becomes `unknown`: the gateway may have
  accepted it, so it is never resent automatically (a delivery receipt, or a person, settles it);
* a late answer from the worker still holding the claim overrides that `unknown` (same claim token).
"""

import datetime as dt
import logging
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from coupons import conf
from coupons.models import CouponIssue
from coupons.sms import ACCEPTED, UNKNOWN, SendResult, SmsMessage, get_backend
from coupons.sms.limits import RateLimiter, in_quiet_hours
from customers.models import Customer

from .audience import CAP_STATUSES

log = logging.getLogger(__name__)
Status = CouponIssue.Status


@dataclass
class BatchResult:
    claimed: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    expired: int = 0
    quiet_hours: bool = False

    def count(self, status: str) -> None:
        self.claimed += 1
        self.statuses[status] = self.statuses.get(status, 0) + 1


def coupon_issue_expire_stale(*, now: dt.datetime | None = None, older_than: float | None = None) -> int:
    """Rows stuck in `sending` (their worker died) become `unknown`, never resent blindly; returns how many."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(seconds=older_than if older_than is not None else conf.sending_stale_after())
    return CouponIssue.objects.filter(status=Status.SENDING, sending_at__lt=cutoff).update(
        status=Status.UNKNOWN, updated_at=now,
        error="the worker stopped while sending; the gateway may have accepted the message, so it is not resent",
    )


def _claim_one(token: str, send_request_id: int | None) -> CouponIssue | None:
    """Claim the oldest due queued row for this worker (committed before anything is sent), or None."""
    for _race in range(20):
        now = timezone.now()
        due = CouponIssue.objects.filter(status=Status.QUEUED, scheduled_for__lte=now)
        if send_request_id:
            due = due.filter(send_request_id=send_request_id)
        with transaction.atomic():
            if connection.features.has_select_for_update_skip_locked:
                due = due.select_for_update(skip_locked=True)
            row_id = due.order_by("id").values_list("id", flat=True).first()
            if row_id is None:
                return None
            won = CouponIssue.objects.filter(id=row_id, status=Status.QUEUED).update(
                status=Status.SENDING, claim_token=token, sending_at=now, updated_at=now)
        if won:
            return CouponIssue.objects.select_related("customer").get(id=row_id)
    return None


def _record(row: CouponIssue, token: str, *, status: str, result: SendResult | None = None, error: str = "") -> None:
    now = timezone.now()
    values: dict[str, Any] = {"status": status, "updated_at": now, "error": error}
    if result is not None:
        values.update(provider_message_id=result.message_id[:64], attempts=F("attempts") + result.attempts)
    if status == Status.SENT:
        values["sent_at"] = now
    # The claim token guards the write: only the worker that claimed the row records its outcome, also over
    # an `unknown` set by the stale sweep (its answer is better than our guess).
    CouponIssue.objects.filter(id=row.id, claim_token=token, status__in=[Status.SENDING, Status.UNKNOWN]).update(
        **values)
    if status == Status.SENT:
        customer_mark_coupon_sent(customer_id=row.customer_id, day=timezone.localdate(now))


def customer_mark_coupon_sent(*, customer_id: int, day: dt.date) -> None:
    """Customer.last_coupon_date moves forward to `day` (the business date the coupon was sent)."""
    Customer.objects.filter(Q(last_coupon_date__isnull=True) | Q(last_coupon_date__lt=day), id=customer_id).update(
        last_coupon_date=day)


def _over_cap(row: CouponIssue) -> bool:
    cap = int(conf.get("SMS_DAILY_CAP_PER_MOBILE"))
    if cap <= 0:
        return False
    gone = [s for s in CAP_STATUSES if s != Status.QUEUED]
    others = CouponIssue.objects.filter(mobile=row.mobile, send_day=row.send_day, status__in=gone).exclude(id=row.id)
    return others.count() >= cap


def _send_claimed(row: CouponIssue, token: str, backend: Any, limiter: RateLimiter) -> str:
    """Send one claimed row; returns its final status."""
    if row.customer.sms_opt_out_at is not None:
        _record(row, token, status=Status.SKIPPED, error="opted out before the message went out")
        return Status.SKIPPED
    if _over_cap(row):
        _record(row, token, status=Status.SKIPPED, error="daily cap of marketing messages reached at send time")
        return Status.SKIPPED
    limiter.acquire()
    message = SmsMessage(to=row.mobile, body=row.message, reference=f"coupon-issue-{row.pk}", marketing=True)
    try:
        result = backend.send_messages([message])[0]
    except Exception as exc:
        _record(row, token, status=Status.UNKNOWN, error=f"the backend raised {exc!r}; not resent")
        raise
    if result.accepted:
        status = Status.SENT
    elif result.status == UNKNOWN:
        status = Status.UNKNOWN
    else:
        status = Status.FAILED
    error = "" if result.status in ACCEPTED else f"{result.status}: {result.error}".strip(": ")
    _record(row, token, status=status, result=result, error=error)
    return status


def coupon_issue_send_batch(
    *, send_request_id: int | None = None, limit: int | None = None, backend: Any = None,
) -> BatchResult:
    """Send due queued coupons (of one send request, or all), at most `limit`; safe to run in many workers.

    Marketing messages are held during quiet hours (the rows stay queued and the next run after the quiet
    hours sends them). Rows stuck in `sending` are first turned into `unknown`.
    """
    outcome = BatchResult(expired=coupon_issue_expire_stale())
    if in_quiet_hours():
        outcome.quiet_hours = True
        return outcome
    limit = int(limit if limit is not None else conf.get("SMS_SEND_BATCH_LIMIT"))
    token = uuid.uuid4().hex
    backend = backend or get_backend()
    limiter = RateLimiter()
    with backend:
        while outcome.claimed < limit:
            row = _claim_one(token, send_request_id)
            if row is None:
                break
            outcome.count(_send_claimed(row, token, backend, limiter))
    return outcome
