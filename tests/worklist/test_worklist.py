"""Worklist: scoped, prioritised, done customers drop off; managers see completion by salesperson."""

import datetime as dt

import pytest

from analytics.worklist.selectors import worklist_completion, worklist_for, worklist_period
from tests.factories import CustomerFactory, CustomerSnapshotFactory, VisitFactory

P = dt.date(2025, 5, 1)  # T = 2025-05-31
TODAY = dt.date(2025, 6, 10)


def snap(customer, action, *, reason="", risk=None, days=None, grade="C", period=P):
    return CustomerSnapshotFactory(period=period, customer=customer, grade=grade, days_since_last_order=days,
                                   action=action, action_reason=reason, churn_risk=risk)


@pytest.fixture
def listed(book):
    sp1 = book["sp1"]
    extra = {n: CustomerFactory(code=f"0010{n}", owner=sp1, region=book["c1"].region) for n in range(3, 9)}
    snap(book["c1"], "call_and_coupon", reason="no_purchase", days=40)
    snap(book["c2"], "visit_this_week", reason="no_purchase_was_a_or_b", days=35, grade="D")
    snap(extra[3], "call_and_coupon", reason="no_purchase", days=70)
    snap(extra[4], "grow", reason="grade_b", risk=0.8, days=20, grade="B")  # quiet but likely to stop
    snap(extra[5], "keep", reason="grade_a", risk=0.2, days=3, grade="A")  # quiet and safe: not listed
    snap(extra[6], "win_back", reason="churned", days=200, grade="D")
    snap(extra[7], "call_and_coupon", reason="no_purchase", days=45, risk=0.6)
    snap(extra[8], "first_order_offer", reason="never_ordered", grade="D")
    snap(book["c3"], "win_back", reason="churned", days=120, grade="D")
    snap(book["c4"], "call_what_changed", reason="sales_plunge", days=5)
    # An older period never feeds today's list.
    snap(book["c3"], "visit_this_week", period=dt.date(2025, 4, 1))
    return book, extra


def codes(items):
    return [(i.code, i.action) for i in items]


def test_a_salesperson_sees_only_their_customers_in_priority_order(listed):
    book, _ = listed
    items = worklist_for(user=book["sp1"].user, today=TODAY, explain=False)
    assert codes(items) == [
        ("00102", "visit_this_week"),
        ("00104", "call_churn_risk"),
        ("00107", "call_and_coupon"),  # with a risk, before those ranked by days
        ("00103", "call_and_coupon"),  # 70 days
        ("00101", "call_and_coupon"),  # 40 days
        ("00106", "win_back"),
        ("00108", "first_order_offer"),
    ]
    assert items[1].reason == "Churn risk 80%"
    assert items[0].reason == "No purchase last month; was grade A or B the month before"
    other = worklist_for(user=book["sp2"].user, today=TODAY, explain=False)
    assert codes(other) == [("00202", "call_what_changed"), ("00201", "win_back")]


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
    left = [code for code, _a in codes(worklist_for(user=book["sp1"].user, today=TODAY, explain=False))]
    assert left == ["00102", "00104", "00107", "00103", "00108"]


def test_managers_and_admins_see_everyone_visible(listed, admin_user, south_manager):
    everyone = worklist_for(user=admin_user, today=TODAY, explain=False)
    assert len(everyone) == 9
    south = [i.code for i in worklist_for(user=south_manager, today=TODAY, explain=False)]
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
    assert summary == [("张三", 7, 2), ("李四", 2, 0)]
    assert table[0]["by_action"]["call_and_coupon"] == {"listed": 3, "done": 1}
    assert table[0]["share_done"] == pytest.approx(2 / 7)
    mine = worklist_completion(user=book["sp2"].user, period=P)
    assert [(r["salesperson"], r["listed"]) for r in mine] == [("李四", 2)]
