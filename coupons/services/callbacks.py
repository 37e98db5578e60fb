"""What the gateway tells us afterwards: delivery receipts and customers' replies (T / TD / 退订 = opt out).

These run without a user (the gateway calls them), so they read customers by mobile directly rather than
through customers.selectors, which scopes reads for a signed-in user.
"""

import datetime as dt
import unicodedata
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from coupons.models import CouponIssue, SmsReply
from customers.models import Customer
from customers.phones import normalize_mobile

from .worker import customer_mark_coupon_sent

Status = CouponIssue.Status
OPT_OUT_WORDS = frozenset({"T", "TD", "退订"})
RECEIPT_STATUSES = {
    "delivered": Status.DELIVERED, "success": Status.DELIVERED, "undelivered": Status.UNDELIVERED,
    "failed": Status.UNDELIVERED, "expired": Status.UNDELIVERED, "rejected": Status.UNDELIVERED,
}
# A receipt proves the message reached the gateway: it settles `unknown` too.
RECEIPT_FROM = [Status.SENT, Status.UNKNOWN, Status.DELIVERED, Status.UNDELIVERED, Status.SENDING]


def delivery_receipt_apply(
    *, status: str, message_id: str = "", reference: str = "", delivered_at: dt.datetime | None = None,
    error: str = "",
) -> int:
    """Mark the row `delivered` or `undelivered` from a receipt (by provider id or our reference); idempotent."""
    new = RECEIPT_STATUSES.get((status or "").strip().lower())
    if new is None:
        raise ValueError(f"unknown receipt status {status!r}")
    match = Q(pk__in=[])
    if message_id:
        match |= Q(provider_message_id=message_id)
    if reference.startswith("coupon-issue-") and reference[13:].isdigit():
        match |= Q(pk=int(reference[13:]))
    when = delivered_at or timezone.now()
    rows = list(CouponIssue.objects.filter(match, status__in=RECEIPT_FROM).only("id", "customer_id", "sent_at"))
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
    """T, TD or 退订, whatever the case, width (Ｔ) or surrounding spaces and punctuation."""
    cleaned = "".join(unicodedata.normalize("NFKC", text or "").split()).strip(".。!！,，;；")
    return cleaned.upper() in OPT_OUT_WORDS


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
