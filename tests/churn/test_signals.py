"""Category mix shift, visit and coupon history as of T' (issue 21): hand-checked values, and nothing dated after T'
(an order, a coupon, a category line, a visit) changes any candidate feature at T'."""

import datetime as dt
import math

import pandas as pd
import pytest

from analytics.churn.features import CANDIDATES, NO_EVENT_DAYS, ChurnInputs, features_at, prepared
from tests.churn.synth import inputs_from_orders

T = dt.date(2025, 6, 30)


def book(orders, *, lines=(), visits=(), coupons=()):
    """ChurnInputs from (customer, date, fen) orders, (customer, date, category, fen) lines, (customer, date,
    next_date) visits and the (customer, date) order days that used a coupon code."""
    frame = pd.DataFrame(orders, columns=["customer_id", "order_date", "amount_fen"])
    frame["order_date"] = pd.to_datetime(frame["order_date"])
    base = inputs_from_orders(frame)
    used = {(c, pd.Timestamp(d)) for c, d in coupons}
    dates = base.dates.assign(coupon=[int((c, d) in used) for c, d in zip(base.dates["customer_id"],
                                                                          base.dates["order_date"], strict=True)])
    monthly = base.monthly.drop(columns=["coupon_orders", "m"])
    when = pd.to_datetime(frame["order_date"])
    flags = frame.assign(month=when.dt.strftime("%Y-%m"), coupon_orders=[
        int((c, pd.Timestamp(d)) in used) for c, d in zip(frame["customer_id"], frame["order_date"], strict=True)])
    monthly = monthly.merge(flags.groupby(["customer_id", "month"], as_index=False)["coupon_orders"].sum(),
                            on=["customer_id", "month"], how="left")
    cats = pd.DataFrame(list(lines), columns=["customer_id", "day", "category_id", "amount_fen"])
    cats["month"] = pd.to_datetime(cats["day"]).dt.strftime("%Y-%m")
    cats = cats.groupby(["customer_id", "month", "category_id"], as_index=False)["amount_fen"].sum()
    seen = pd.DataFrame(list(visits), columns=["customer_id", "visit_date", "next_date"])
    return prepared(ChurnInputs(monthly=monthly, dates=dates, first_order=base.first_order, categories=cats,
                                visits=seen))


ORDERS = [(1, "2024-08-10", 10_000), (1, "2025-02-10", 10_000), (1, "2025-05-10", 10_000), (1, "2025-06-20", 10_000),
          (2, "2025-04-01", 5_000), (2, "2025-06-01", 5_000)]
LINES = [
    # Customer 1 bought drinks (category 10) for a year and only snacks (20) in the latest 3 months.
    (1, "2024-08-10", 10, 10_000), (1, "2025-02-10", 10, 10_000), (1, "2025-05-10", 20, 10_000),
    (1, "2025-06-20", 20, 10_000),
    (2, "2025-04-01", 10, 5_000), (2, "2025-06-01", 10, 5_000),  # nothing before the 3 months: nothing to compare
]
VISITS = [(1, "2025-06-25", "2025-07-10"),  # called on after the last order, follow-up not due yet
          (2, "2025-03-01", None), (2, "2025-06-10", "2025-06-20")]  # follow-up due 10 days ago, no visit since
COUPONS = [(1, "2025-05-10")]


@pytest.fixture
def inputs():
    return book(ORDERS, lines=LINES, visits=VISITS, coupons=COUPONS)


def test_signals_by_hand(inputs):
    f = features_at(inputs, T, population_days=365)
    one, two = f.loc[1], f.loc[2]
    assert one["mix_shift_3m"] == pytest.approx(1.0)  # all drinks before, all snacks now
    assert one["mix_shift_6m"] == pytest.approx(2 / 3)  # 2025-01..06: a third drinks; the year before: all
    assert two["mix_shift_3m"] == 0.0
    assert one["log_visits_90d"] == pytest.approx(math.log1p(1))
    assert one["log_days_since_visit"] == pytest.approx(math.log1p(5))
    assert one["log_visits_since_order"] == pytest.approx(math.log1p(1))
    assert one["followup_overdue"] == 0.0
    assert two["log_visits_90d"] == pytest.approx(math.log1p(1))  # 2025-03-01 is 121 days back
    assert two["log_visits_since_order"] == pytest.approx(math.log1p(1))
    assert two["followup_overdue"] == pytest.approx(math.log1p(10))
    assert one["log_days_since_coupon"] == pytest.approx(math.log1p(51))
    assert two["log_days_since_coupon"] == pytest.approx(math.log1p(NO_EVENT_DAYS))
    assert one["coupon_share_3m"] == pytest.approx(0.5)
    assert not f[list(CANDIDATES)].isna().any().any()


def test_nothing_after_t_changes_any_feature(inputs):
    before = features_at(inputs, T, population_days=365)
    later = book(
        [*ORDERS, (1, "2025-07-01", 99_000), (2, "2025-07-02", 1_000), (3, "2025-08-01", 5_000)],
        lines=[*LINES, (1, "2025-07-01", 30, 99_000), (2, "2025-07-02", 20, 1_000)],
        visits=[*VISITS, (1, "2025-07-01", "2025-07-05"), (2, "2025-07-03", None)],
        coupons=[*COUPONS, (1, "2025-07-01"), (2, "2025-07-02")],
    )
    after = features_at(later, T, population_days=365)
    pd.testing.assert_frame_equal(before[list(CANDIDATES)], after[list(CANDIDATES)])
    # The check can fail: the same additions move the features a month later.
    t2 = dt.date(2025, 7, 31)
    assert not features_at(inputs, t2, population_days=365)[list(CANDIDATES)].equals(
        features_at(later, t2, population_days=365)[list(CANDIDATES)])


def test_a_date_inside_a_month_refuses_inputs_that_run_past_it(inputs):
    # Monthly sums cannot be cut on the 15th: an order on the 20th would leak into the 3-month window.
    with pytest.raises(ValueError, match="orders after 2025-06-15 in its own month"):
        features_at(inputs, dt.date(2025, 6, 15), population_days=365)
    cut = book([o for o in ORDERS if o[1] <= "2025-06-15"], lines=LINES[:3] + LINES[4:], visits=VISITS)
    assert features_at(cut, dt.date(2025, 6, 15), population_days=365).loc[1, "orders_3m"] == 1  # the 20th would make 2


def test_every_candidate_has_a_reason_in_the_direction_of_churn():
    from analytics.churn.services import REASONS

    assert set(CANDIDATES) <= set(REASONS)
    assert {REASONS[f][1] for f in CANDIDATES} <= {-1, 1}
    assert len({REASONS[f][0] for f in CANDIDATES}) == len(CANDIDATES)  # one code per feature
