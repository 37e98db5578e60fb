"""Worklist: scoped, prioritised, done customers drop off; managers see completion by salesperson."""

import datetime as dt
from decimal import Decimal

import pytest

from analytics.models import CustomerSnapshot
from analytics.worklist.selectors import (
    daily_capacity,
    standin_risk,
    worklist_completion,
    worklist_day,
    worklist_day_for,
    worklist_for,
    worklist_period,
)
from tests.factories import CustomerFactory, CustomerSnapshotFactory, VisitFactory

P = dt.date(2025, 5, 1)  # T = 2025-05-31
TODAY = dt.date(2025, 6, 10)


def snap(customer, action, *, reason="", risk=None, days=None, grade="C", period=P, sales_12m=0):
    return CustomerSnapshotFactory(period=period, customer=customer, grade=grade, days_since_last_order=days,
                                   action=action, action_reason=reason, churn_risk=risk,
                                   sales_12m=Decimal(sales_12m))


@pytest.fixture
def listed(book):
    """sp1's eight follow-ups (and sp2's two), with the expected value each should get (risk x 12-month sales;
    the stand-in d / (d + 90) where the snapshot has no risk)."""
    sp1 = book["sp1"]
    extra = {n: CustomerFactory(code=f"0010{n}", owner=sp1, region=book["c1"].region) for n in range(3, 10)}
    snap(book["c1"], "call_and_coupon", reason="no_purchase", days=40, sales_12m=50000)  # 40/130: 15,385
    snap(book["c2"], "visit_this_week", reason="no_purchase_was_a_or_b", days=35, grade="D",
         sales_12m=120000)  # 35/125 = 0.28: 33,600
    snap(extra[3], "call_and_coupon", reason="no_purchase", days=70, sales_12m=10000)  # 70/160: 4,375
    snap(extra[4], "grow", reason="grade_b", risk=0.8, days=20, grade="B", sales_12m=30000)  # likely to stop: 24,000
    snap(extra[5], "keep", reason="grade_a", risk=0.2, days=3, grade="A", sales_12m=900000)  # quiet, safe: not listed
    snap(extra[6], "win_back", reason="churned", days=200, grade="D", sales_12m=5000)  # 200/290: 3,448
    snap(extra[7], "call_and_coupon", reason="no_purchase", days=45, risk=0.6, sales_12m=40000)  # 24,000
    snap(extra[8], "first_order_offer", reason="never_ordered", grade="D")  # nothing at stake
    snap(extra[9], "call_what_changed", reason="sales_plunge", days=2, risk=0.0, sales_12m=200000)  # 0% risk: 0
    snap(book["c3"], "win_back", reason="churned", days=120, grade="D")
    snap(book["c4"], "call_what_changed", reason="sales_plunge", days=5)
    # An older period never feeds today's list.
    snap(book["c3"], "visit_this_week", period=dt.date(2025, 4, 1))
    return book, extra


def codes(items):
    return [(i.code, i.action) for i in items]


def test_a_salesperson_sees_only_their_customers_best_expected_value_first(listed):
    book, _ = listed
    items = worklist_for(user=book["sp1"].user, today=TODAY)
    assert [(i.code, i.action, i.expected_value) for i in items] == [
        ("00102", "visit_this_week", Decimal(33600)),
        ("00104", "call_churn_risk", Decimal(24000)),  # a tie: the call for risk has the higher action priority
        ("00107", "call_and_coupon", Decimal(24000)),
        ("00101", "call_and_coupon", Decimal(15385)),
        ("00103", "call_and_coupon", Decimal(4375)),
        ("00106", "win_back", Decimal(3448)),
        ("00109", "call_what_changed", Decimal(0)),  # a 0% risk below every risky customer, whatever the sales
        ("00108", "first_order_offer", Decimal(0)),
    ]
    assert items[1].reason == "Churn risk 80%"
    assert items[0].reason == "No purchase last month; was grade A or B the month before"
    assert (items[0].risk, items[0].risk_is_standin, items[0].sales_at_stake) == (0.28, True, Decimal(120000))
    assert (items[1].risk, items[1].risk_is_standin) == (0.8, False)
    assert items[-1].risk is None and not items[-1].risk_is_standin
    other = worklist_for(user=book["sp2"].user, today=TODAY)
    # Nothing at stake on either: action priority decides.
    assert codes(other) == [("00202", "call_what_changed"), ("00201", "win_back")]


def test_the_stand_in_risk_follows_days_since_the_last_order():
    assert [standin_risk(d) for d in (None, 0, 30, 90, 270)] == [None, 0.0, 0.25, 0.5, 0.75]


def test_negative_twelve_month_sales_put_nothing_at_stake(listed):
    book, _ = listed
    CustomerSnapshot.objects.filter(code="00102", period=P).update(sales_12m=Decimal("-500.00"))
    items = worklist_for(user=book["sp1"].user, today=TODAY)
    mine = next(i for i in items if i.code == "00102")
    assert (mine.sales_at_stake, mine.expected_value) == (Decimal(0), Decimal(0))
    assert codes(items)[-3:] == [("00102", "visit_this_week"), ("00109", "call_what_changed"),
                                 ("00108", "first_order_offer")]


def test_a_day_is_capped_to_the_capacity_the_rest_is_later(listed, settings):
    book, _ = listed
    items = worklist_for(user=book["sp1"].user, today=TODAY)
    assert daily_capacity() == 20
    day = worklist_day(items)
    assert (len(day.today), day.later, day.total) == (8, [], 8)
    settings.WORKLIST_DAILY_CAPACITY = 3
    day = worklist_day(items)
    assert [i.code for i in day.today] == ["00102", "00104", "00107"]
    assert [i.code for i in day.later] == ["00101", "00103", "00106", "00109", "00108"]
    assert day.capacity == 3 and day.uses_standin
    full = worklist_day_for(user=book["sp1"].user, today=TODAY)
    assert [i.code for i in full.today] == ["00102", "00104", "00107"] and len(full.later) == 5
    assert worklist_day_for(user=book["sp1"].user, today=dt.date(2025, 4, 30)) is None


def test_each_item_offers_only_the_steps_its_action_asks_for(listed):
    book, _ = listed
    steps = {i.action: i.steps for i in worklist_for(user=book["sp1"].user, today=TODAY)}
    assert steps == {
        "visit_this_week": ("visit",),
        "call_churn_risk": ("call",),
        "call_and_coupon": ("call", "coupon"),
        "win_back": ("call", "coupon"),
        "call_what_changed": ("call",),
        "first_order_offer": ("coupon",),
    }


def test_done_customers_leave_the_list(listed):
    book, extra = listed
    c1 = book["c1"]
    c1.last_visit_date = dt.date(2025, 6, 2)
    c1.save()
    extra[6].last_coupon_date = dt.date(2025, 6, 3)  # a coupon settles a win-back
    extra[6].save()
    book["c2"].last_coupon_date = dt.date(2025, 6, 3)  # ... but not a visit in person
    book["c2"].save()
    extra[3].last_visit_date = dt.date(2025, 5, 31)  # on T itself: before the snapshot, still open
    extra[3].save()
    left = [code for code, _a in codes(worklist_for(user=book["sp1"].user, today=TODAY))]
    assert left == ["00102", "00104", "00107", "00103", "00109", "00108"]


def test_managers_and_admins_see_everyone_visible(listed, admin_user, south_manager):
    everyone = worklist_for(user=admin_user, today=TODAY)
    assert len(everyone) == 10
    south = [i.code for i in worklist_for(user=south_manager, today=TODAY)]
    assert "00201" not in south and "00202" in south  # 北京 is outside 广东


def test_no_snapshot_before_today_means_an_empty_list(listed):
    book, _ = listed
    assert worklist_period(today=dt.date(2025, 5, 31)) == dt.date(2025, 4, 1)
    assert worklist_for(user=book["sp1"].user, today=dt.date(2025, 4, 30)) == []


def test_completion_by_salesperson(listed, admin_user):
    book, extra = listed
    VisitFactory(customer=book["c1"], date=dt.date(2025, 6, 5))
    VisitFactory(customer=book["c2"], date=dt.date(2025, 5, 20))  # before T: does not count
    VisitFactory(customer=book["c4"], date=dt.date(2025, 7, 15))  # after the following month: too late
    extra[8].last_coupon_date = dt.date(2025, 6, 20)
    extra[8].save()
    table = worklist_completion(user=admin_user, period=P, today=dt.date(2025, 8, 1))
    summary = [(r["salesperson"], r["listed"], r["done"]) for r in table]
    assert summary == [("张三", 8, 2), ("李四", 2, 0)]
    assert table[0]["by_action"]["call_and_coupon"] == {"listed": 3, "done": 1}
    assert table[0]["share_done"] == pytest.approx(2 / 8)
    mine = worklist_completion(user=book["sp2"].user, period=P)
    assert [(r["salesperson"], r["listed"]) for r in mine] == [("李四", 2)]
