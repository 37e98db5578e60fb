"""Care rules: segments, cooldown, one run per rule and day, scoped to the rule's user."""

import datetime as dt

import pytest
from django.utils import timezone

from coupons import sms
from coupons.models import Campaign, CareRule, CareRun, CouponIssue
from coupons.services import care_rule_run, care_rules_run
from customers.models import Customer
from tests.factories import CustomerSnapshotFactory, OrderFactory


@pytest.fixture
def today():
    return timezone.localdate()


def rule(campaign, user, kind, **kw):
    return CareRule.objects.create(name=kind, kind=kind, campaign=campaign, run_as=user, **kw)


@pytest.mark.django_db
def test_birthday_rule_sends_today_and_a_rerun_is_a_no_op(book, campaign, admin_user, today,
                                                          django_capture_on_commit_callbacks):
    Customer.objects.filter(pk=book["c1"].pk).update(birthday=today.replace(year=1980))
    r = rule(campaign, admin_user, CareRule.Kind.BIRTHDAY)
    with django_capture_on_commit_callbacks(execute=True):
        run = care_rule_run(rule=r, today=today)
    assert (run.status, run.matched, run.queued) == ("done", 1, 1)
    assert [m.to for m in sms.outbox] == [book["c1"].mobile]
    again = care_rule_run(rule=r, today=today)
    assert again.pk == run.pk and CouponIssue.objects.count() == 1
    assert CouponIssue.objects.get().care_run == run


@pytest.mark.django_db
def test_no_order_rule_with_cooldown(book, campaign, admin_user, today):
    OrderFactory(customer=book["c1"], order_date=today - dt.timedelta(days=40))
    OrderFactory(customer=book["c2"], order_date=today - dt.timedelta(days=5))
    r = rule(campaign, admin_user, CareRule.Kind.NO_ORDER, days=30, cooldown_days=60)
    run = care_rule_run(rule=r, today=today)
    assert list(run.issues.values_list("customer__code", flat=True)) == ["00101"]
    # The next day, with a new campaign on the rule, c1 is still in its cooldown.
    second = Campaign.objects.create(name="二", value=5, valid_from=today, valid_to=today, sms_template="{code}")
    r.campaign = second
    r.save()
    run2 = care_rule_run(rule=r, today=today + dt.timedelta(days=1))
    assert run2.queued == 0 and run2.skipped == [{"code": "00101", "name": "天河便利店", "reason": "cooldown"}]


@pytest.mark.django_db
def test_welcome_rule_only_reaches_the_run_as_users_customers(book, campaign, today):
    Customer.objects.update(first_seen=today)
    r = rule(campaign, book["sp2"].user, CareRule.Kind.WELCOME, days=7)
    run = care_rule_run(rule=r, today=today)
    assert sorted(run.issues.values_list("customer__code", flat=True)) == ["00201", "00202"]


@pytest.mark.django_db
def test_expired_campaign_fails_the_run_with_a_reason(book, campaign, admin_user, today):
    Campaign.objects.filter(pk=campaign.pk).update(valid_from=today - dt.timedelta(days=9),
                                                   valid_to=today - dt.timedelta(days=1))
    r = rule(campaign, admin_user, CareRule.Kind.WELCOME)
    [run] = care_rules_run(today=today)
    assert run.status == CareRun.Status.FAILED and "ended" in run.error
    assert run.rule == r


@pytest.mark.django_db
def test_grade_dropped_reads_the_latest_snapshot(book, campaign, admin_user, today):
    period = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    for c, movement in ((book["c1"], "down"), (book["c2"], "same")):
        CustomerSnapshotFactory(period=period, customer=c, region=None, salesperson=None, grade="B",
                                previous_grade="A", movement=movement)
    run = care_rule_run(rule=rule(campaign, admin_user, CareRule.Kind.GRADE_DROPPED), today=today)
    assert list(run.issues.values_list("customer__code", flat=True)) == ["00101"]
