"""Who of a selection gets a campaign, and who is skipped with which reason (shared by preview and send)."""

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coupons import conf
from coupons.models import Campaign, CouponIssue
from coupons.sms.limits import next_send_time
from customers.models import Customer
from customers.phones import normalize_mobile
from customers.selectors import customer_list

OPTED_OUT = "opted_out"
NO_MOBILE = "no_mobile"
INVALID_MOBILE = "invalid_mobile"
ALREADY_SENT = "already_sent"
DAILY_CAP = "daily_cap"
COOLDOWN = "cooldown"
NOT_FOUND = "not_found"
SKIP_REASONS = {
    OPTED_OUT: _("opted out of SMS"),
    NO_MOBILE: _("no mobile number"),
    INVALID_MOBILE: _("invalid mobile number"),
    ALREADY_SENT: _("already got this campaign"),
    DAILY_CAP: _("over the daily cap of marketing messages"),
    COOLDOWN: _("got this care recently (cooldown)"),
    NOT_FOUND: _("not found among your customers"),
}
# Rows that count against a number's daily cap: everything except what certainly did not go out.
CAP_STATUSES = [
    CouponIssue.Status.QUEUED, CouponIssue.Status.SENDING, CouponIssue.Status.SENT, CouponIssue.Status.UNKNOWN,
    CouponIssue.Status.DELIVERED, CouponIssue.Status.UNDELIVERED,
]


@dataclass
class Skip:
    code: str
    name: str
    reason: str

    @property
    def reason_label(self) -> str:
        return str(SKIP_REASONS.get(self.reason, self.reason))

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "name": self.name, "reason": self.reason}


@dataclass
class Audience:
    """The scoped selection split into who gets the message (in code order) and who is skipped, with why."""

    eligible: list[Customer] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)
    scheduled_for: dt.datetime | None = None
    send_day: dt.date | None = None
    # Eligible customers whose number reaches the daily cap with this message: if another send reaches the
    # number first (a concurrent send, a care rule), this message is skipped at send time (issue 19).
    at_cap: list[str] = field(default_factory=list)

    @property
    def skip_counts(self) -> dict[str, int]:
        return dict(Counter(s.reason for s in self.skipped))


def scoped_selection(*, user: Any, customers_qs: QuerySet[Customer]) -> QuerySet[Customer]:
    """`customers_qs` re-scoped to what `user` may see: a salesperson can only ever reach their own customers."""
    return customer_list(user=user).filter(pk__in=customers_qs.order_by().values("pk")).order_by("code")


def _mobile_problem(mobile: str) -> str | None:
    if not mobile:
        return NO_MOBILE
    try:
        return None if normalize_mobile(mobile) == mobile else INVALID_MOBILE
    except ValidationError:
        return INVALID_MOBILE


def audience_split(
    *, user: Any, campaign: Campaign, customers_qs: QuerySet[Customer], now: dt.datetime | None = None,
    exclude: dict[int, str] | None = None,
) -> Audience:
    """Split the selection: opted out, no or invalid mobile, already got this campaign, over the daily cap.

    `exclude` maps customer ids to an extra skip reason (the care rules' cooldown). The daily cap counts the
    messages of the business day the message will go out on (after quiet hours), per mobile number.
    """
    scheduled = next_send_time(now or timezone.now())
    send_day = timezone.localdate(scheduled)
    customers = list(scoped_selection(user=user, customers_qs=customers_qs).only(
        "id", "code", "name", "mobile", "sms_opt_out_at", "owner_id", "region_id"))
    ids = [c.id for c in customers]
    already = set(CouponIssue.objects.filter(campaign=campaign, customer_id__in=ids).values_list("customer_id",
                                                                                                  flat=True))
    used = Counter(dict(
        CouponIssue.objects.filter(mobile__in={c.mobile for c in customers if c.mobile}, send_day=send_day,
                                   status__in=CAP_STATUSES)
        .values_list("mobile").annotate(n=Count("id")).values_list("mobile", "n")
    ))
    cap = int(conf.get("SMS_DAILY_CAP_PER_MOBILE"))
    audience = Audience(scheduled_for=scheduled, send_day=send_day)
    for customer in customers:
        reason = _skip_reason(customer, already=already, used=used, cap=cap, exclude=exclude or {})
        if reason:
            audience.skipped.append(Skip(customer.code, customer.name, reason))
        else:
            audience.eligible.append(customer)
            used[customer.mobile] += 1
            if cap > 0 and used[customer.mobile] >= cap:
                audience.at_cap.append(customer.code)
    return audience


def _skip_reason(customer: Customer, *, already: set[int], used: Counter, cap: int, exclude: dict[int, str]) -> str:
    if customer.sms_opt_out_at is not None:
        return OPTED_OUT
    problem = _mobile_problem(customer.mobile)
    if problem:
        return problem
    if customer.id in already:
        return ALREADY_SENT
    if customer.id in exclude:
        return exclude[customer.id]
    if cap > 0 and used[customer.mobile] >= cap:
        return DAILY_CAP
    return ""
