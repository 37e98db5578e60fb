"""What the gateway tells us afterwards: delivery receipts and customers' replies (T / TD / 退订 = opt out).

These run without a user (the gateway calls them), so they read customers by mobile directly rather than
through customers.selectors, which scopes reads for a signed-in user.
"""

import datetime as dt
import re
import unicodedata
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from coupons import conf
from coupons.models import CouponIssue, SmsReply
from customers.models import Customer
from customers.phones import normalize_mobile

from .worker import customer_mark_coupon_sent

Status = CouponIssue.Status
RECEIPT_STATUSES = {
    "delivered": Status.DELIVERED, "success": Status.DELIVERED, "undelivered": Status.UNDELIVERED,
    "failed": Status.UNDELIVERED, "expired": Status.UNDELIVERED, "rejected": Status.UNDELIVERED,
}
# A receipt proves the message reached the gateway: it settles `unknown` too.
RECEIPT_FROM = [Status.SENT, Status.UNKNOWN, Status.DELIVERED, Status.UNDELIVERED, Status.SENDING]


def _receipt_rows(*, message_id: str, reference: str, mobile: str, batch: str, provider: str) -> list[CouponIssue]:
    match = Q(pk__in=[])
    if message_id:
        match |= Q(provider_message_id=message_id)
    if reference.startswith("coupon-issue-") and reference[13:].isdigit():
        match |= Q(pk=int(reference[13:]))
    if batch:
        match |= Q(batch_ref=batch)
    qs = CouponIssue.objects.filter(match, status__in=RECEIPT_FROM)
    if mobile:  # an Aliyun BizId and OutId name a whole batch: the number picks the message out
        qs = qs.filter(mobile=mobile)
    rows = list(qs.only("id", "customer_id", "sent_at"))
    if not rows and mobile and message_id and provider:
        # A receipt that carries only the provider's id, for a message whose answer was lost (so we never
        # learnt that id): it settles the one message in flight to that number, if there is exactly one.
        recent = timezone.now() - dt.timedelta(days=3)
        candidates = list(CouponIssue.objects.filter(
            mobile=mobile, provider_message_id="", status__in=[Status.UNKNOWN, Status.SENDING],
            campaign__provider=provider, sending_at__gte=recent).only("id", "customer_id", "sent_at")[:2])
        rows = candidates if len(candidates) == 1 else []
    return rows


def delivery_receipt_apply(
    *, status: str, message_id: str = "", reference: str = "", delivered_at: dt.datetime | None = None,
    error: str = "", mobile: str = "", batch: str = "", provider: str = "",
) -> int:
    """Mark the row `delivered` or `undelivered` from a receipt (by provider id, our reference or batch and
    number); idempotent."""
    new = RECEIPT_STATUSES.get((status or "").strip().lower())
    if new is None:
        raise ValueError(f"unknown receipt status {status!r}")
    when = delivered_at or timezone.now()
    rows = _receipt_rows(message_id=message_id, reference=reference, mobile=mobile, batch=batch, provider=provider)
    for row in rows:
        values: dict[str, Any] = {"status": new, "updated_at": timezone.now()}
        if new == Status.DELIVERED:
            values.update(delivered_at=when, error="")
        else:
            values["error"] = f"undelivered: {error}".strip(": ")
        if row.sent_at is None:
            values["sent_at"] = when  # an `unknown` the receipt proves was sent
            customer_mark_coupon_sent(customer_id=row.customer_id, day=timezone.localdate(when))
        if message_id:
            values["provider_message_id"] = message_id[:64]
        CouponIssue.objects.filter(pk=row.pk).update(**values)
    return len(rows)


def is_opt_out(text: str) -> bool:
    """Does a reply ask to stop? Issue 19: any reply containing one of SMS_OPT_OUT_PHRASES (退订, 不要再发,
    拒收: anywhere; TD: as a word of its own, not inside another word; a single letter such as T: the whole
    reply), whatever the case, width (Ｔ) or surrounding spaces and punctuation."""
    folded = unicodedata.normalize("NFKC", text or "").upper()
    bare = "".join(folded.split()).strip(".。!！,，;；?？~～")
    for raw in conf.opt_out_phrases():
        phrase = unicodedata.normalize("NFKC", raw).upper()
        if not phrase.isascii():
            if phrase in folded:
                return True
        elif len(phrase) == 1:
            if bare == phrase or bare in {f"回{phrase}", f"回复{phrase}"}:
                return True
        elif re.search(rf"(?<![A-Z0-9]){re.escape(phrase)}(?![A-Z0-9])", folded):
            return True
    return False


def sms_reply_apply(
    *, mobile: str, text: str, received_at: dt.datetime | None = None, reply_id: str | None = None,
) -> SmsReply:
    """Log a reply; an opt-out word stamps sms_opt_out_at on every customer with that number. Idempotent."""
    if reply_id:
        existing = SmsReply.objects.filter(provider_reply_id=reply_id).first()
        if existing:
            return existing
    try:
        number = normalize_mobile(mobile)
    except ValidationError:
        number = (mobile or "").strip()[:16]
    when = received_at or timezone.now()
    try:
        with transaction.atomic():
            reply = SmsReply.objects.create(mobile=number, text=text or "", received_at=when,
                                            provider_reply_id=reply_id or None)
            if is_opt_out(text) and number:
                customers = Customer.objects.filter(mobile=number, sms_opt_out_at__isnull=True)
                reply.customers = sorted(customers.values_list("code", flat=True))
                customers.update(sms_opt_out_at=when)
                reply.action = SmsReply.Action.OPT_OUT
                reply.save(update_fields=["customers", "action"])
    except IntegrityError:
        return SmsReply.objects.get(provider_reply_id=reply_id)
    return reply
