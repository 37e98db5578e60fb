"""Reads of the coupons app. Coupon rows are scoped to the user's customers (customers.selectors.scoped)."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from customers.roles import user_role
from customers.selectors import scoped
from sales.models import Order

from . import conf
from .models import Campaign, CareRule, CareRun, CouponIssue, SendRequest, SmsAlert

Status = CouponIssue.Status
IN_FLIGHT = (Status.QUEUED, Status.SENDING)
SENT_LIKE = (Status.SENT, Status.DELIVERED, Status.UNDELIVERED)


def campaign_list(*, user: Any, active: bool | None = None) -> QuerySet[Campaign]:
    """Campaigns any role may use (salespeople send them, managers and admins also edit them)."""
    if user_role(user) is None:
        return Campaign.objects.none()
    qs = Campaign.objects.select_related("created_by")
    if active is not None:
        qs = qs.filter(active=active)
    return qs


def campaign_usable_list(*, user: Any) -> QuerySet[Campaign]:
    """Active campaigns still valid today: the choices of the send dialog."""
    return campaign_list(user=user, active=True).filter(valid_to__gte=timezone.localdate())


def campaign_creators_for(*, user: Any) -> list[str]:
    """Who `user` can ask for a campaign: the managers whose regions hold their customers, else the admins.

    A manager with no assigned region sees every customer, so they count for everyone. Names as people know them.
    """
    from django.contrib.auth import get_user_model

    from customers.models import ManagerRegion
    from customers.selectors import customer_list

    users = get_user_model().objects.filter(is_active=True)
    paths = {p for p in customer_list(user=user).exclude(region=None).values_list("region__path", flat=True)}
    managers = []
    for manager in users.filter(groups__name="manager").order_by("username").distinct():
        assigned = list(ManagerRegion.objects.filter(user=manager).values_list("region__path", flat=True))
        if not assigned or any(p == a or p.startswith(a + "/") for p in paths for a in assigned):
            managers.append(manager)
    if not managers:
        managers = list(users.filter(Q(is_superuser=True) | Q(groups__name="admin")).order_by("username").distinct())
    return [m.get_full_name() or m.username for m in managers]


def coupon_issue_list(*, user: Any, campaign: Campaign | int | None = None, status: str | None = None,
                      send_request: SendRequest | int | None = None) -> QuerySet[CouponIssue]:
    """Coupon rows of the customers `user` may see, newest first."""
    qs = scoped(CouponIssue.objects.select_related("customer", "campaign"), user=user)
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    if status:
        qs = qs.filter(status=status)
    if send_request is not None:
        qs = qs.filter(send_request=send_request)
    return qs.order_by("-queued_at", "-id")


def send_request_get(*, user: Any, pk: int) -> SendRequest | None:
    """A send request made by `user` (admins see all), or None."""
    qs = SendRequest.objects.select_related("campaign")
    if user_role(user) != "admin":
        qs = qs.filter(user=user)
    return qs.filter(pk=pk).first()


def status_counts(issues: QuerySet[CouponIssue]) -> dict[str, int]:
    """{status: count} for every status (zeros included), plus `total` and `in_flight`."""
    counts = dict.fromkeys(Status.values, 0)
    counts.update(dict(issues.order_by().values_list("status").annotate(n=Count("id")).values_list("status", "n")))
    counts["total"] = sum(counts[s] for s in Status.values)
    counts["in_flight"] = counts[Status.QUEUED] + counts[Status.SENDING]
    return counts


@dataclass
class CampaignResults:
    """Issue 5 point 6: sent / failed / unknown, redemptions, sales within N days of sending, a baseline."""

    counts: dict[str, int]
    redemptions: int = 0
    redeemed_amount: Decimal = Decimal("0")
    recipients_sent: int = 0
    window_days: int = 30
    sales_after: Decimal = Decimal("0")
    buyers_after: int = 0
    baseline: dict[str, Any] | None = None
    per_day: list[dict[str, Any]] = field(default_factory=list)


def campaign_results(*, user: Any, campaign: Campaign) -> CampaignResults:
    """Results of a campaign over the customers `user` may see."""
    issues = coupon_issue_list(user=user, campaign=campaign)
    window = int(conf.get("COUPON_RESULTS_WINDOW_DAYS"))
    results = CampaignResults(counts=status_counts(issues), window_days=window)
    orders = scoped(Order.objects.exclude(status=Order.Status.CANCELLED), user=user)
    redeemed = orders.filter(coupon_code__in=issues.values("code")).aggregate(n=Count("id"), amount=Sum("amount"))
    results.redemptions, results.redeemed_amount = redeemed["n"], redeemed["amount"] or Decimal("0")
    sent = [(cid, at) for cid, at in issues.filter(status__in=SENT_LIKE, sent_at__isnull=False)
            .values_list("customer_id", "sent_at") if at is not None]
    results.recipients_sent = len(sent)
    results.sales_after, results.buyers_after = _sales_after(orders, sent, window)
    results.baseline = similar_customers_baseline(campaign=campaign, user=user, window_days=window)
    return results


def _sales_after(orders: QuerySet[Order], sent: list[tuple[int, dt.datetime]], window: int) -> tuple[Decimal, int]:
    """Sales of each recipient in [the day it was sent, + window days), summed: one query for all."""
    if not sent:
        return Decimal("0"), 0
    start = {cid: timezone.localdate(at) for cid, at in sent}
    lo, hi = min(start.values()), max(start.values()) + dt.timedelta(days=window)
    per_customer: dict[int, Decimal] = defaultdict(Decimal)
    rows = orders.filter(customer_id__in=list(start), order_date__gte=lo, order_date__lt=hi).values_list(
        "customer_id", "order_date", "amount")
    for cid, day, amount in rows:
        if start[cid] <= day < start[cid] + dt.timedelta(days=window):
            per_customer[cid] += amount
    return sum(per_customer.values(), Decimal("0")), sum(1 for v in per_customer.values() if v > 0)


def similar_customers_baseline(*, campaign: Campaign, user: Any, window_days: int) -> dict[str, Any] | None:
    """Sales in the same window of similar customers (same grade and lifecycle) who did not get the coupon.

    Issue 5 point 6. "Similar" is read from the last monthly snapshot closed before the first send: each
    recipient's (grade, lifecycle) cell; the control group is every other customer in those cells (within
    the caller's scope) who got nothing of this campaign. The control's sales per customer are weighted by
    how many recipients each cell holds (stratified), over the window starting on the median send day.
    None when nothing was sent or no snapshot precedes the send.
    """
    from analytics.models import CustomerSnapshot

    issues = coupon_issue_list(user=user, campaign=campaign)
    sent: dict[int, dt.datetime] = {
        cid: at for cid, at in issues.filter(status__in=SENT_LIKE, sent_at__isnull=False)
        .values_list("customer_id", "sent_at") if at is not None
    }
    if not sent:
        return None
    days = sorted(timezone.localdate(at) for at in sent.values())
    period = (
        CustomerSnapshot.objects.filter(period__lt=days[0].replace(day=1)).order_by("-period")
        .values_list("period", flat=True).first()
    )
    if period is None:
        return None
    snaps = scoped(CustomerSnapshot.objects.filter(period=period), user=user)
    cells: dict[tuple[str, str], int] = defaultdict(int)
    for grade, lifecycle in snaps.filter(customer_id__in=list(sent)).values_list("grade", "lifecycle"):
        cells[(grade, lifecycle)] += 1
    if not cells:
        return None
    all_issued = CouponIssue.objects.filter(campaign=campaign).values("customer_id")
    cell_q = Q(pk__in=[])
    for grade, lifecycle in cells:
        cell_q |= Q(grade=grade, lifecycle=lifecycle)
    controls = dict(
        ((cid, (g, lc)) for cid, g, lc in
         snaps.filter(cell_q).exclude(customer_id__in=all_issued).values_list("customer_id", "grade", "lifecycle"))
    )
    if not controls:
        return None
    start = days[len(days) // 2]
    end = start + dt.timedelta(days=window_days)
    sales = dict(
        Order.objects.exclude(status=Order.Status.CANCELLED)
        .filter(customer_id__in=list(controls), order_date__gte=start, order_date__lt=end)
        .values("customer_id").annotate(s=Sum("amount")).values_list("customer_id", "s")
    )
    per_cell_total: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    per_cell_count: dict[tuple[str, str], int] = defaultdict(int)
    for cid, cell in controls.items():
        per_cell_total[cell] += sales.get(cid) or Decimal("0")
        per_cell_count[cell] += 1
    recipients = sum(cells.values())
    weighted = sum(
        (Decimal(n) / recipients) * (per_cell_total[c] / per_cell_count[c])
        for c, n in cells.items() if per_cell_count[c]
    )
    results_sales, _ = _sales_after(scoped(Order.objects.exclude(status=Order.Status.CANCELLED), user=user),
                                    list(sent.items()), window_days)
    mine = results_sales / len(sent)
    cent = Decimal("0.01")
    return {
        "customers": len(controls), "period": f"{period:%Y-%m}",
        "sales_per_customer": Decimal(weighted).quantize(cent),
        "recipients_sales_per_customer": mine.quantize(cent),
        "uplift": (mine - Decimal(weighted)).quantize(cent),
    }


def care_rule_list(*, user: Any) -> QuerySet[CareRule]:
    if user_role(user) is None:
        return CareRule.objects.none()
    return CareRule.objects.select_related("campaign", "run_as")


def care_run_list(*, user: Any, rule: CareRule | None = None) -> QuerySet[CareRun]:
    qs = CareRun.objects.select_related("rule", "rule__campaign").annotate(
        issues_count=Count("issues", filter=Q(issues__in=coupon_issue_list(user=user).values("pk"))))
    if user_role(user) is None:
        return qs.none()
    return qs.filter(rule=rule) if rule is not None else qs


def sms_alert_list() -> QuerySet[SmsAlert]:
    """Open SMS alerts: while one is open, nothing is sent through its provider."""
    return SmsAlert.objects.filter(cleared_at__isnull=True).order_by("raised_at")


def sms_health() -> dict[str, Any]:
    """What /healthz shows of SMS sending (issue 19): `ok` is False while an alert stops the sends.

    `alerts`: open alerts (exhausted balance, refused account); `held_campaigns`: campaigns stopped by a refused
    template or signature; `unknown`: messages whose fate the provider's records have not settled yet.
    """
    alerts = [{"provider": a.provider or "gateway", "code": a.code, "message": a.message,
               "raised_at": a.raised_at.isoformat()} for a in sms_alert_list()]
    return {"ok": not alerts, "alerts": alerts,
            "held_campaigns": Campaign.objects.exclude(sms_error="").count(),
            "unknown": CouponIssue.objects.filter(status=Status.UNKNOWN).count()}


def coupons_sent_between(start: dt.datetime, end: dt.datetime) -> QuerySet[CouponIssue]:
    """Coupons sent or delivered with `sent_at` in [start, end): the worklist outcomes' "coupon" action."""
    return CouponIssue.objects.filter(status__in=[Status.SENT, Status.DELIVERED], sent_at__gte=start, sent_at__lt=end)


def coupons_sent_on_days(after: dt.date, until: dt.date) -> QuerySet[CouponIssue]:
    """Coupons sent (sent_at set) whose send day is in (after, until]: they settle a worklist coupon action."""
    return CouponIssue.objects.filter(send_day__gt=after, send_day__lte=until, sent_at__isnull=False)
