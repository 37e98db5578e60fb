"""Scheduled care campaigns (seed 004): each rule picks a segment and sends its campaign, with a cooldown."""

import datetime as dt
import logging
from typing import Any

from django.db.models import Max, Q, QuerySet
from django.utils import timezone

from coupons.messages import CouponError
from coupons.models import CareRule, CareRun, CouponIssue
from customers.models import Customer
from customers.selectors import customer_list

from .audience import COOLDOWN
from .send import coupon_campaign_send

log = logging.getLogger(__name__)


def care_segment(*, rule: CareRule, today: dt.date) -> QuerySet[Customer]:
    """The customers a rule targets today, within what rule.run_as may see."""
    qs = customer_list(user=rule.run_as)
    kind = rule.kind
    if kind == CareRule.Kind.BIRTHDAY:
        match = Q(birthday__month=today.month, birthday__day=today.day)
        if (today.month, today.day) == (2, 28) and not _is_leap(today.year):
            match |= Q(birthday__month=2, birthday__day=29)
        return qs.filter(match)
    if kind == CareRule.Kind.NO_ORDER:
        cutoff = today - dt.timedelta(days=rule.days)
        last = Max("orders__order_date", filter=Q(orders__amount__gt=0) & ~Q(orders__status="cancelled"))
        return qs.annotate(last_order=last).filter(last_order__lt=cutoff)
    if kind == CareRule.Kind.WELCOME:
        return qs.filter(first_seen__gte=today - dt.timedelta(days=rule.days), first_seen__lte=today)
    if kind == CareRule.Kind.GRADE_DROPPED:
        return qs.filter(pk__in=_grade_dropped_ids(today))
    raise CouponError(f"unknown care rule kind {kind!r}")


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _grade_dropped_ids(today: dt.date) -> QuerySet[Any]:
    """Customers whose grade went down in the latest monthly snapshot, if it is this or last month's."""
    from analytics.models import CustomerSnapshot

    first_of_month = today.replace(day=1)
    last_month = (first_of_month - dt.timedelta(days=1)).replace(day=1)
    period = (CustomerSnapshot.objects.filter(period__gte=last_month, period__lte=today)
              .aggregate(p=Max("period"))["p"])
    return CustomerSnapshot.objects.filter(period=period, movement="down").values("customer_id")


def _cooldown_ids(rule: CareRule, now: dt.datetime) -> dict[int, str]:
    since = now - dt.timedelta(days=rule.cooldown_days)
    recent = CouponIssue.objects.filter(care_run__rule=rule, queued_at__gte=since).exclude(
        status__in=[CouponIssue.Status.FAILED, CouponIssue.Status.SKIPPED])
    return dict.fromkeys(recent.values_list("customer_id", flat=True), COOLDOWN)


def care_rule_run(*, rule: CareRule, today: dt.date | None = None) -> CareRun:
    """Run one rule for one business day; re-running the same day replays instead of sending again."""
    today = today or timezone.localdate()
    run, _created = CareRun.objects.get_or_create(rule=rule, run_date=today)
    if run.status == CareRun.Status.DONE:
        return run
    try:
        segment = care_segment(rule=rule, today=today)
        report = coupon_campaign_send(
            user=rule.run_as, campaign=rule.campaign, customers_qs=segment,
            idempotency_key=f"care:{rule.pk}:{today.isoformat()}", selection={"care_rule": rule.pk,
                                                                             "run_date": today.isoformat()},
            care_run=run, exclude=_cooldown_ids(rule, timezone.now()),
        )
    except CouponError as exc:
        CareRun.objects.filter(pk=run.pk).update(status=CareRun.Status.FAILED, error=str(exc),
                                                 finished_at=timezone.now())
        run.refresh_from_db()
        return run
    run.matched, run.queued, run.skipped = report.requested, report.queued, report.skipped
    run.status, run.finished_at, run.error = CareRun.Status.DONE, timezone.now(), ""
    run.save(update_fields=["matched", "queued", "skipped", "status", "finished_at", "error"])
    return run


def care_rules_run(*, today: dt.date | None = None) -> list[CareRun]:
    """Run every active rule for today (the `run_care_rules` beat task)."""
    runs = []
    for rule in CareRule.objects.filter(active=True).select_related("campaign", "run_as"):
        runs.append(care_rule_run(rule=rule, today=today))
    return runs
