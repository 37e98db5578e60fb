"""The worker side: claim queued coupon rows in batches, send through the backend, record each outcome.

Exactly-once rule (issue 5 point 3, issue 19 point 3):

* a batch (one row for the generic gateway; up to the provider's batch size, one campaign, distinct numbers)
  is claimed by a conditional UPDATE ... WHERE status='queued' (on PostgreSQL after picking the rows with
  SELECT ... FOR UPDATE SKIP LOCKED) and committed BEFORE the provider is called: two workers never send one
  row; every row of the batch carries the batch reference (Aliyun OutId, Tencent SessionContext);
* a worker killed mid-batch leaves at most one batch in `sending`; rows it had not reached stay `queued`;
* a row left in `sending` longer than SMS_SENDING_STALE_AFTER becomes `unknown`, as does every row of a batch
  whose answer was lost: never resent blindly. coupons.services.resolve settles them from the provider's
  records (and resends, once, a message the provider never had);
* a late answer from the worker still holding the claim overrides that `unknown` (same claim token);
* "certainly not sent" answers never fail for good at once: throttling and outages put the row back in the
  queue for later (SMS_DEFER_BACKOFF, over hours); a refused template or signature holds the campaign
  (Campaign.sms_error); an exhausted balance holds every send of that provider (SmsAlert).
"""

import datetime as dt
import logging
import secrets
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from coupons import conf
from coupons.models import Campaign, CouponIssue, SmsAlert
from coupons.sms import (
    ACCEPTED,
    BLOCKED,
    DEFER,
    HALT,
    INVALID,
    UNKNOWN,
    SendResult,
    SmsMessage,
    backend_for,
)
from coupons.sms.limits import RateLimiter, in_quiet_hours
from customers.models import Customer

from .audience import CAP_STATUSES

log = logging.getLogger(__name__)
Status = CouponIssue.Status
_jitter = secrets.SystemRandom()


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


def halted_providers() -> set[str]:
    """Providers with an open alert (balance exhausted, account refused): nothing is sent through them."""
    return set(SmsAlert.objects.filter(cleared_at__isnull=True).values_list("provider", flat=True))


def _due(send_request_id: int | None, now: dt.datetime) -> Any:
    due = CouponIssue.objects.filter(status=Status.QUEUED, scheduled_for__lte=now)
    due = due.exclude(campaign__in=Campaign.objects.exclude(sms_error="").values("pk"))
    halted = halted_providers()
    if halted:
        due = due.exclude(campaign__in=Campaign.objects.filter(provider__in=halted).values("pk"))
    return due.filter(send_request_id=send_request_id) if send_request_id else due


def _claim_batch(token: str, send_request_id: int | None, size_of: Any) -> list[CouponIssue]:
    """Claim the oldest due row and up to the batch size of its campaign's other due rows (distinct numbers)."""
    for _race in range(20):
        now = timezone.now()
        due = _due(send_request_id, now)
        with transaction.atomic():
            if connection.features.has_select_for_update_skip_locked:
                # Lock the issue rows only: locking the joined campaign row too would collide with the key-share
                # locks of concurrent sends inserting rows of that campaign, and SKIP LOCKED would skip them all.
                due = due.select_for_update(skip_locked=True, of=("self",), no_key=True)
            first = due.order_by("id").values_list("id", "campaign_id", "campaign__provider").first()
            if first is None:
                return []
            ids, size = [first[0]], int(size_of(first[2]))
            if size > 1:
                mobiles: set[str] = set()
                ids = []
                for row_id, mobile in due.filter(campaign_id=first[1]).order_by("id").values_list("id", "mobile")[
                        :size * 2]:
                    if mobile not in mobiles and len(ids) < size:
                        mobiles.add(mobile)
                        ids.append(row_id)
            batch = f"cb{uuid.uuid4().hex[:24]}"
            won = CouponIssue.objects.filter(id__in=ids, status=Status.QUEUED).update(
                status=Status.SENDING, claim_token=token, sending_at=now, updated_at=now, batch_ref=batch)
        if won:
            return list(CouponIssue.objects.select_related("customer", "campaign").filter(
                batch_ref=batch, claim_token=token, status=Status.SENDING).order_by("id"))
    return []


def _record(row: CouponIssue, token: str, *, status: str, result: SendResult | None = None, error: str = "",
            extra: dict[str, Any] | None = None) -> int:
    now = timezone.now()
    values: dict[str, Any] = {"status": status, "updated_at": now, "error": error, **(extra or {})}
    if result is not None:
        values.update(provider_message_id=result.message_id[:64], attempts=F("attempts") + result.attempts)
    if status == Status.SENT:
        values["sent_at"] = now
    # The claim token guards the write: only the worker that claimed the row records its outcome, also over
    # an `unknown` set by the stale sweep (its answer is better than our guess).
    done = CouponIssue.objects.filter(id=row.id, claim_token=token,
                                      status__in=[Status.SENDING, Status.UNKNOWN]).update(**values)
    if done and status == Status.SENT:
        customer_mark_coupon_sent(customer_id=row.customer_id, day=timezone.localdate(now))
    return done


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


def issue_message(row: CouponIssue) -> SmsMessage:
    """The message of a row, with the provider template and variables frozen when it was queued."""
    params = row.params or {}
    return SmsMessage(to=row.mobile, body=row.message, reference=f"coupon-issue-{row.pk}",
                      marketing=row.campaign.marketing, template=params.get("template", ""),
                      sign_name=params.get("sign", ""), params=params.get("vars"), batch=row.batch_ref)


def _requeue_later(row: CouponIssue, token: str, result: SendResult) -> str:
    """Throttled or unreachable: back in the queue after the next backoff step, or failed after the last."""
    steps = conf.defer_backoff()
    if row.deferrals >= len(steps):
        _record(row, token, status=Status.FAILED, result=result,
                error=f"gave up after {row.deferrals + 1} tries over hours: {result.error}"[:2000])
        return Status.FAILED
    wait = steps[row.deferrals] * _jitter.uniform(1.0, 1.25)
    _record(row, token, status=Status.QUEUED, result=result, error=f"will try again: {result.error}"[:2000],
            extra={"scheduled_for": timezone.now() + dt.timedelta(seconds=wait), "deferrals": F("deferrals") + 1,
                   "claim_token": "", "sending_at": None})
    return Status.QUEUED


def _hold(row: CouponIssue, token: str, result: SendResult) -> str:
    """The campaign (template, signature) or the account (balance) is refused: hold the row, say so once."""
    if result.status == BLOCKED:
        message = (f"{row.campaign.get_provider_display()} refused the campaign's template or signature "
                   f"({result.error}). Check the template code, the signature and the variable mapping against "
                   "the provider's console, then save the campaign to resume sending.")
        Campaign.objects.filter(pk=row.campaign_id, sms_error="").update(sms_error=message[:2000])
    else:
        try:
            with transaction.atomic():
                SmsAlert.objects.create(provider=row.campaign.provider, code=result.code[:64] or result.status,
                                        message=result.error[:2000])
        except IntegrityError:
            pass  # an alert for this provider is already open
    _record(row, token, status=Status.QUEUED, result=result, error=f"held: {result.error}"[:2000],
            extra={"claim_token": "", "sending_at": None})
    return Status.QUEUED


def _apply(row: CouponIssue, token: str, result: SendResult) -> str:
    if result.status in ACCEPTED:
        _record(row, token, status=Status.SENT, result=result)
        return Status.SENT
    if result.status == DEFER:
        return _requeue_later(row, token, result)
    if result.status in (BLOCKED, HALT):
        return _hold(row, token, result)
    status = {UNKNOWN: Status.UNKNOWN, INVALID: Status.INVALID}.get(result.status, Status.FAILED)
    _record(row, token, status=status, result=result, error=f"{result.status}: {result.error}".strip(": "))
    return status


def _send_claimed(rows: list[CouponIssue], token: str, backend: Any, limiter: RateLimiter) -> list[str]:
    """Send one claimed batch; returns the statuses it recorded."""
    statuses: list[str] = []
    ready: list[CouponIssue] = []
    for row in rows:
        if row.customer.sms_opt_out_at is not None:
            _record(row, token, status=Status.SKIPPED, error="opted out before the message went out")
            statuses.append(Status.SKIPPED)
        elif _over_cap(row):
            _record(row, token, status=Status.SKIPPED, error="daily cap of marketing messages reached at send time")
            statuses.append(Status.SKIPPED)
        else:
            ready.append(row)
    if not ready:
        return statuses
    for _row in ready:
        limiter.acquire()
    try:
        results = backend.send_messages([issue_message(row) for row in ready])
    except Exception as exc:
        for row in ready:
            _record(row, token, status=Status.UNKNOWN, error=f"the backend raised {exc!r}; not resent")
        raise
    if len(results) != len(ready):  # a backend bug: nobody can say which went out
        results = [SendResult(r.mobile, UNKNOWN, error="the backend answered for a different number of messages")
                   for r in ready]
    return statuses + [_apply(row, token, result) for row, result in zip(ready, results, strict=True)]


def _claim_size(backend: Any) -> int:
    return int(getattr(backend, "claim_size", getattr(backend, "batch_size", 1)))


def coupon_issue_send_batch(
    *, send_request_id: int | None = None, limit: int | None = None, backend: Any = None,
) -> BatchResult:
    """Send due queued coupons (of one send request, or all), at most `limit`; safe to run in many workers.

    Marketing messages are held during quiet hours (the rows stay queued and the next run after the quiet
    hours sends them). Rows stuck in `sending` are first turned into `unknown`. Each campaign goes through
    the backend of its provider (`backend` overrides it, for tests and the claim worker).
    """
    outcome = BatchResult(expired=coupon_issue_expire_stale())
    if in_quiet_hours():
        outcome.quiet_hours = True
        return outcome
    limit = int(limit if limit is not None else conf.get("SMS_SEND_BATCH_LIMIT"))
    token = uuid.uuid4().hex
    backends: dict[str, Any] = {}
    limiter = RateLimiter()

    def backend_of(provider: str) -> Any:
        if provider not in backends:
            backends[provider] = backend or backend_for(provider)
            backends[provider].open()
        return backends[provider]

    try:
        while outcome.claimed < limit:
            rows = _claim_batch(token, send_request_id,
                                lambda p: min(_claim_size(backend_of(p)), limit - outcome.claimed))
            if not rows:
                break
            for status in _send_claimed(rows, token, backend_of(rows[0].campaign.provider), limiter):
                outcome.count(status)
    finally:
        for opened in backends.values():
            opened.close()
    return outcome
