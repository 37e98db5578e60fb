"""Outcomes (issue 8 item 3): win-back with and without an action, per action type, same grade and risk band.

P = 2025-05, T = 2025-05-31: actions count in (06-01 .. 06-30), a win-back is an order in (06-01 .. 07-30).
"""

import datetime as dt
import importlib
import re
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from analytics.models import PeriodSummary, SnapshotRun
from analytics.services.policies import policy_active
from analytics.worklist.outcomes import outcomes_period, worklist_outcomes
from coupons.models import Campaign, CouponIssue
from sales.models import Order
from tests.factories import CustomerFactory, CustomerSnapshotFactory, OrderFactory, VisitFactory

P = dt.date(2025, 5, 1)
AFTER = dt.date(2025, 8, 15)  # the 60 days are over
SHANGHAI = ZoneInfo("Asia/Shanghai")


def snap(customer, *, lifecycle="at_risk", grade="C", days=None, risk=None, period=P):
    return CustomerSnapshotFactory(period=period, customer=customer, grade=grade, lifecycle=lifecycle,
                                   days_since_last_order=days, action="call_and_coupon", action_reason="no_purchase",
                                   churn_risk=risk)


def order(customer, day, amount="100.00", status=Order.Status.CONFIRMED):
    OrderFactory(customer=customer, order_date=day, amount=Decimal(amount), status=status)


def coupon(customer, sent_local, status=CouponIssue.Status.DELIVERED):
    campaign = Campaign.objects.get_or_create(name="回访", defaults={
        "value": 10, "valid_from": P, "valid_to": dt.date(2025, 12, 31), "sms_template": "{code}"})[0]
    sent_at = sent_local.replace(tzinfo=SHANGHAI)
    CouponIssue.objects.create(campaign=campaign, customer=customer, code=f"C{customer.code}", mobile="+8613800000000",
                               message="券", status=status, send_day=sent_at.date(), sent_at=sent_at)


@pytest.fixture
def followed(book):
    """sp1's at-risk and churned customers (t* got an action, u* did not) and one of sp2's."""
    sp1, region = book["sp1"], book["c1"].region
    c = {name: CustomerFactory(code=f"9{i:04d}", owner=sp1, region=region)
         for i, name in enumerate("t1 t2 t3 t4 t5 t6 u1 u2 u3 u4 u5 u6 active".split())}
    for name in ("t1", "t2", "t3", "t4", "u1", "u2", "u3", "u4"):  # cell (C, 61-90 days)
        snap(c[name], days=75)
    VisitFactory(customer=c["t1"], date=dt.date(2025, 6, 5), kind="onsite")
    order(c["t1"], dt.date(2025, 6, 20))
    VisitFactory(customer=c["t2"], date=dt.date(2025, 6, 10), kind="onsite")
    VisitFactory(customer=c["t3"], date=dt.date(2025, 6, 15), kind="phone")
    order(c["t3"], dt.date(2025, 7, 1))
    VisitFactory(customer=c["t4"], date=dt.date(2025, 6, 3), kind="message")
    coupon(c["t4"], dt.datetime(2025, 6, 30, 23, 30))  # still June 30 in Shanghai: inside the window
    order(c["t4"], dt.date(2025, 6, 8))
    order(c["u1"], dt.date(2025, 6, 2))
    coupon(c["u2"], dt.datetime(2025, 7, 1, 0, 10))  # July 1 in Shanghai: too late to count
    VisitFactory(customer=c["u3"], date=dt.date(2025, 7, 5), kind="onsite")  # after T+30
    order(c["u3"], dt.date(2025, 6, 10), status=Order.Status.CANCELLED)
    order(c["u3"], dt.date(2025, 6, 11), amount="-30.00")  # a return is no win-back
    coupon(c["u4"], dt.datetime(2025, 6, 5, 10), status=CouponIssue.Status.FAILED)  # never reached them
    order(c["u4"], dt.date(2025, 7, 31))  # T+61
    for name in ("t5", "u5", "u6"):  # cell (D, 180+ days), churned
        snap(c[name], lifecycle="churned", grade="D", days=200)
    VisitFactory(customer=c["t5"], date=dt.date(2025, 6, 30), kind="onsite")  # T+30: counts
    order(c["t5"], dt.date(2025, 7, 30))  # T+60: counts
    order(c["u5"], dt.date(2025, 6, 1))
    VisitFactory(customer=c["u6"], date=dt.date(2025, 5, 31), kind="onsite")  # on T: before, not an action
    snap(c["t6"], grade="B", days=45)  # cell (B, 31-60 days): nobody to compare with
    VisitFactory(customer=c["t6"], date=dt.date(2025, 6, 2), kind="phone")
    order(c["t6"], dt.date(2025, 6, 9))
    snap(c["active"], lifecycle="active", days=5)  # not at risk: outside the population
    VisitFactory(customer=c["active"], date=dt.date(2025, 6, 2), kind="onsite")
    other = CustomerFactory(code="80001", owner=book["sp2"], region=book["c3"].region)
    snap(other, days=80)  # sp2's, cell (C, 61-90 days), no action, won back
    order(other, dt.date(2025, 6, 3))
    snap(c["u1"], days=75, period=dt.date(2025, 4, 1))  # another period never counts
    return book


def table(outcomes):
    return {r.action: (r.treated, r.matched, r.treated_won, r.control, r.treated_rate, r.control_rate, r.difference)
            for r in outcomes.rows}


def test_win_back_rates_per_action_type_against_matched_customers_without_action(followed):
    out = worklist_outcomes(user=followed["sp1"].user, period=P, today=AFTER)
    assert (out.as_of, out.action_until, out.won_until) == (dt.date(2025, 5, 31), dt.date(2025, 6, 30),
                                                            dt.date(2025, 7, 30))
    assert out.complete and out.population == 12 and out.without_action == 6
    rows = table(out)
    # visit: t1 (won), t2 (not) in (C, 61-90) where 1 of 4 without action came back; t5 (won) in (D, 180+),
    # where 1 of 2 did. Control = (2 x 1/4 + 1 x 1/2) / 3.
    assert rows["visit"][:4] == (3, 3, 2, 6)
    assert rows["visit"][4:] == pytest.approx((2 / 3, 1 / 3, 1 / 3))
    # call: t3 (won) compared; t6's cell (B, 31-60) has nobody without an action, so it is left out.
    assert rows["call"] == pytest.approx((2, 1, 1, 4, 1.0, 0.25, 0.75))
    assert rows["message"] == pytest.approx((1, 1, 1, 4, 1.0, 0.25, 0.75))
    assert rows["coupon"] == pytest.approx((1, 1, 1, 4, 1.0, 0.25, 0.75))
    # any: t1..t5 compared, 4 of 5 won; control (4 x 1/4 + 1 x 1/2) / 5.
    assert rows["any"] == pytest.approx((6, 5, 4, 6, 0.8, 0.3, 0.5))
    assert [r.unmatched for r in out.rows] == [0, 1, 0, 0, 1]


def test_scoped_to_the_customers_the_user_may_see(followed, admin_user):
    everyone = table(worklist_outcomes(user=admin_user, period=P, today=AFTER))
    # sp2's customer joins the (C, 61-90) control: 2 of 5 came back.
    assert everyone["visit"] == pytest.approx((3, 3, 2, 7, 2 / 3, (2 * 0.4 + 0.5) / 3, 2 / 3 - 1.3 / 3))
    theirs = worklist_outcomes(user=followed["sp2"].user, period=P, today=AFTER)
    assert theirs.population == 1 and theirs.without_action == 1
    assert all(r.treated == 0 and r.treated_rate is None and r.difference is None for r in theirs.rows)


def test_risk_quartiles_make_the_cells_when_the_snapshot_has_a_risk(book):
    sp1 = book["sp1"]
    risks = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]
    people = {r: CustomerFactory(code=f"7{int(r * 10):04d}", owner=sp1) for r in risks}
    for r, customer in people.items():
        snap(customer, days=75, risk=r)
        if r != 0.7:  # everybody but the riskiest customer without an action came back
            order(customer, dt.date(2025, 6, 15))
    VisitFactory(customer=people[0.8], date=dt.date(2025, 6, 4), kind="onsite")
    no_risk = CustomerFactory(code="70099", owner=sp1)
    snap(no_risk, days=75)  # no risk: a days band of its own, not a control of the top quartile
    order(no_risk, dt.date(2025, 6, 15))
    rows = table(worklist_outcomes(user=sp1.user, period=P, today=AFTER))
    # Quartile cuts 0.3, 0.5, 0.7: 0.8 (visited, won) is compared with 0.7 only (no visit, not won).
    assert rows["visit"] == pytest.approx((1, 1, 1, 1, 1.0, 0.0, 1.0))


def test_a_fixed_handful_of_queries(followed, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        worklist_outcomes(user=followed["sp1"].user, period=P, today=AFTER)


def test_not_final_before_the_60_days_are_over_and_the_period_to_show(followed):
    assert not worklist_outcomes(user=followed["sp1"].user, period=P, today=dt.date(2025, 7, 30)).complete
    # April's window (to 06-29) is over, May's (to 07-30) only from July 31; nothing before April's.
    assert outcomes_period(today=dt.date(2025, 6, 29)) is None
    assert outcomes_period(today=dt.date(2025, 7, 30)) == dt.date(2025, 4, 1)
    assert outcomes_period(today=dt.date(2025, 7, 31)) == P
    assert outcomes_period(today=AFTER) == P
    # Bounded by the month a dashboard shows: a later month computed since is not the panel's.
    assert outcomes_period(today=AFTER, until=dt.date(2025, 4, 1)) == dt.date(2025, 4, 1)
    assert outcomes_period(today=AFTER, until=dt.date(2025, 3, 1)) is None


def test_the_partial_renders_the_table_and_an_empty_state(followed):
    out = worklist_outcomes(user=followed["sp1"].user, period=P, today=AFTER)
    html = render_to_string("worklist/_outcomes.html", {"outcomes": out})
    assert "Did the follow-ups win customers back?" in html
    visit = re.search(r'<tr class="outcome-visit">(.*?)</tr>', html, re.S).group(1)
    assert "66.7%" in visit and "33.3%" in visit and "+33.3 points" in visit and "(of 6)" in visit
    call = re.search(r'<tr class="outcome-call">(.*?)</tr>', html, re.S).group(1)
    assert "1 without a similar customer to compare" in call
    empty = render_to_string("worklist/_outcomes.html", {"outcomes": None})
    assert "compute_snapshots --period YYYY-MM" in empty and "<table" not in empty


@pytest.fixture
def _after(monkeypatch):
    monkeypatch.setattr("analytics.worklist.views.timezone.localdate", lambda: AFTER)


def page(client, user):
    client.force_login(user)
    return client.get(reverse("worklist:index"), headers={"accept-language": "en"}).content.decode()


def test_managers_see_outcomes_on_the_worklist_page_salespeople_do_not(client, followed, admin_user, _after):
    html = page(client, admin_user)
    assert "Did the follow-ups win customers back?" in html and "13 customers were at risk or churned" in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert "Did the follow-ups win customers back?" not in page(client, followed["sp1"].user)


def test_the_dashboard_panel_follows_a_newly_computed_period_at_once(client, followed, admin_user, monkeypatch):
    """While a fresh install computes its months, the panel is cached per newest snapshot run: a newly computed
    month shows at once, not after the ten minutes the panel is otherwise kept."""
    view = importlib.import_module("cockpit.views.dashboard")  # the package's `dashboard` is the view function
    monkeypatch.setattr(view, "timezone", SimpleNamespace(localdate=lambda: AFTER))
    monkeypatch.setattr(view, "outcomes_period", lambda today, until: dt.date(2025, 4, 1))
    client.force_login(admin_user)
    url = reverse("cockpit:dashboard_outcomes")
    april = client.get(url, headers={"accept-language": "en"}).content.decode()
    assert "Did the follow-ups win customers back?" in april
    assert "13 customers were at risk or churned" not in april  # April has one of them
    monkeypatch.setattr(view, "outcomes_period", lambda today, until: P)  # the fill has computed May meanwhile
    assert "13 customers" not in client.get(url, headers={"accept-language": "en"}).content.decode()  # cached
    policy = policy_active()
    run = SnapshotRun.objects.create(period=P, as_of=dt.date(2025, 5, 31), policy=policy, status="done")
    PeriodSummary.objects.create(period=P, run=run, policy=policy, sales=Decimal("0"),
                                 computed_at=timezone.now(), first_computed_at=timezone.now())
    may = client.get(url, headers={"accept-language": "en"}).content.decode()
    assert "13 customers were at risk or churned" in may


def test_the_dashboard_panel_compares_the_month_shown_or_an_earlier_one(client, followed, admin_user, monkeypatch):
    view = importlib.import_module("cockpit.views.dashboard")
    monkeypatch.setattr(view, "timezone", SimpleNamespace(localdate=lambda: AFTER))
    client.force_login(admin_user)
    url = reverse("cockpit:dashboard_outcomes")
    policy = policy_active()
    run = SnapshotRun.objects.create(period=P, as_of=dt.date(2025, 5, 31), policy=policy, status="done")
    PeriodSummary.objects.create(period=P, run=run, policy=policy, sales=Decimal("0"),
                                 computed_at=timezone.now(), first_computed_at=timezone.now())
    assert f'hx-get="{url}?period=2025-05"' in client.get("/").content.decode()  # the month the page shows
    assert "13 customers were at risk or churned" in client.get(url, headers={"accept-language": "en"}).content.decode()
    april = client.get(url, {"period": "2025-04"}, headers={"accept-language": "en"}).content.decode()
    assert "Did the follow-ups win customers back?" in april and "13 customers were at risk" not in april
    assert "2025-04 snapshot" in april
    bad = client.get(url, {"period": "2025-13"}, headers={"accept-language": "en"})
    assert bad.status_code == 200 and "13 customers were at risk or churned" in bad.content.decode()
