"""Settling what the worker could not: `unknown` messages from the provider's records, failed ones by a manager.

Issue 19's rule: an ambiguous attempt is settled from the provider's own records (Aliyun QuerySendDetails by
our OutId, Tencent PullSmsSendStatusByPhoneNumber by our SessionContext) before anything is resent; a message
the provider never had is resent, once, automatically; a message it had is never resent. The generic gateway
has no records to ask: there only a gateway that honours Idempotency-Key (SMS_GATEWAY_IDEMPOTENT) lets an
`unknown` message go again, under its same key, so the gateway itself drops a second copy.
"""

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from coupons import conf
from coupons.models import Campaign, CouponIssue, SmsAlert
from coupons.sms import ABSENT, ACCEPTED_ONLY, DELIVERED, backend_for
from coupons.sms.backends.provider import LookupUnavailable
from customers.roles import is_manager_or_admin
from customers.selectors import scoped

from .worker import customer_mark_coupon_sent, issue_message

log = logging.getLogger(__name__)
Status = CouponIssue.Status


@dataclass
class Resolution:
    looked_up: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)

    def count(self, outcome: str) -> None:
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1


def _settle(row: CouponIssue, status: str, *, at: dt.datetime, error: str = "", message_id: str = "") -> bool:
    values: dict[str, Any] = {"status": status, "updated_at": timezone.now(), "error": error}
    values["sent_at"] = row.sending_at or at
    if status == Status.DELIVERED:
        values["delivered_at"] = at
    if message_id:
        values["provider_message_id"] = message_id[:64]
    done = CouponIssue.objects.filter(pk=row.pk, status=Status.UNKNOWN).update(**values)
    if done:
        customer_mark_coupon_sent(customer_id=row.customer_id, day=timezone.localdate(values["sent_at"]))
    return bool(done)


def _resend_once(row: CouponIssue, reason: str) -> str:
    """The provider never had it: queue it again (a new batch reference), once; a second absence fails it."""
    if row.resends >= 1:
        CouponIssue.objects.filter(pk=row.pk, status=Status.UNKNOWN).update(
            status=Status.FAILED, updated_at=timezone.now(),
            error=f"the provider has no record of it, also after one automatic resend ({reason})")
        return "failed"
    CouponIssue.objects.filter(pk=row.pk, status=Status.UNKNOWN).update(
        status=Status.QUEUED, scheduled_for=timezone.now(), claim_token="", sending_at=None, batch_ref="",
        resends=F("resends") + 1, updated_at=timezone.now(), error=f"resent once: {reason}")
    return "resent"


def coupon_issue_resolve_unknown(*, backend: Any = None, now: dt.datetime | None = None,
                                 limit: int = 200) -> Resolution:
    """Look every settled-enough `unknown` row up at its provider; safe to run concurrently and repeatedly."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(seconds=float(conf.get("SMS_UNKNOWN_RESOLVE_AFTER")))
    rows = list(CouponIssue.objects.filter(status=Status.UNKNOWN, updated_at__lte=cutoff)
                .select_related("campaign").order_by("updated_at")[:limit])
    outcome = Resolution()
    backends: dict[str, Any] = {}
    for row in rows:
        provider = row.campaign.provider
        try:
            chosen = backends.setdefault(provider, backend or backend_for(provider))
        except Exception as exc:  # noqa: BLE001 - a provider without credentials: leave its rows unknown
            log.warning("cannot look up %s messages: %r", provider or "gateway", exc)
            continue
        outcome.count(_resolve_one(row, chosen, now))
        outcome.looked_up += 1
    return outcome


def _resolve_one(row: CouponIssue, backend: Any, now: dt.datetime) -> str:
    age = (now - (row.sending_at or row.updated_at)).total_seconds()
    if not hasattr(backend, "lookup"):
        if getattr(backend, "idempotent", False) and age >= 60:
            return _resend_once(row, "the gateway honours Idempotency-Key, so it drops a copy it already has")
        return "left"
    try:
        found = backend.lookup(issue_message(row), row.sending_at)
    except LookupUnavailable as exc:
        log.info("lookup of coupon issue %s failed: %s", row.pk, exc)
        return "unavailable"
    if found.state == ABSENT:
        if age < getattr(backend, "absent_after", 300.0):
            return "wait"
        return _resend_once(row, "the provider's records show it never arrived")
    status = {DELIVERED: Status.DELIVERED, ACCEPTED_ONLY: Status.SENT}.get(found.state, Status.UNDELIVERED)
    error = f"undelivered: {found.error}" if status == Status.UNDELIVERED else ""
    _settle(row, status, at=now, error=error, message_id=found.message_id)
    return status


def coupon_issue_requeue_failed(*, user: Any, campaign: Campaign) -> int:
    """A manager sends the campaign's failed messages again (of the customers they may see); returns how many.

    Only `failed` rows: those the provider certainly did not accept (an `unknown` one may have gone).
    """
    if not is_manager_or_admin(user):
        raise PermissionDenied(_("only managers and admins requeue failed messages"))
    rows = scoped(CouponIssue.objects.filter(campaign=campaign, status=Status.FAILED), user=user)
    return CouponIssue.objects.filter(pk__in=rows.values("pk"), status=Status.FAILED).update(
        status=Status.QUEUED, scheduled_for=timezone.now(), claim_token="", sending_at=None, batch_ref="",
        deferrals=0, updated_at=timezone.now(), error=f"requeued by {user.get_username()}")


def sms_alert_clear(*, user: Any, alert: SmsAlert) -> None:
    """A manager says the balance was topped up (or the account fixed): sending resumes."""
    if not is_manager_or_admin(user):
        raise PermissionDenied(_("only managers and admins resume sending"))
    SmsAlert.objects.filter(pk=alert.pk, cleared_at__isnull=True).update(cleared_at=timezone.now(), cleared_by=user)


def sms_pull() -> dict[str, int]:
    """Tencent Cloud without callbacks (SMS_TENCENT_PULL): drain receipts and replies by PullSmsSendStatus /
    PullSmsReplyStatus; each record is handed out once by Tencent, and applying one twice changes nothing."""
    if not conf.get("SMS_TENCENT_PULL"):
        return {}
    from coupons.sms.backends.tencent import SmsBackend

    from .provider_callbacks import tencent_reply_apply, tencent_status_apply

    backend = SmsBackend()
    pulled = {"receipts": 0, "replies": 0}
    try:
        receipts = backend.pull("PullSmsSendStatus")
        if receipts:
            pulled["receipts"] = tencent_status_apply(receipts)
        replies = backend.pull("PullSmsReplyStatus")
        if replies:
            pulled["replies"] = tencent_reply_apply(replies)
    except (LookupUnavailable, ValueError, OSError) as exc:
        log.warning("Tencent pull failed: %r", exc)
    return pulled
