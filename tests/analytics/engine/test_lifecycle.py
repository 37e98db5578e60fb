"""Lifecycle as of T, the rhythm rule, is_new and days since (docs/analytics.md §3.2)."""

import datetime as dt
from decimal import Decimal as D

import pandas as pd

from analytics.engine.lifecycle import days_since, is_new, lifecycle, median_gap_days

T = dt.date(2024, 3, 31)


def ago(*days):
    return pd.Series([None if d is None else T - dt.timedelta(days=d) for d in days])


def test_boundaries_30_31_90_91():
    got = lifecycle(ago(0, 30, 31, 90, 91, None), T, active_days=30, churn_days=90)
    assert got.tolist() == ["active", "active", "at_risk", "at_risk", "churned", "never"]


def test_other_thresholds_and_datetime_input():
    last = pd.to_datetime(pd.Series(["2024-03-24", "2024-03-23", "2024-03-17", "2024-03-16"]))
    got = lifecycle(last, T, active_days=7, churn_days=14)
    assert got.tolist() == ["active", "at_risk", "at_risk", "churned"]


def test_days_since():
    got = days_since(ago(0, 45, None), T)
    assert got.iloc[:2].tolist() == [0, 45] and pd.isna(got.iloc[2])


def dates(rows):
    return pd.DataFrame(rows, columns=["customer_id", "order_date"])


def test_median_gap_counts_same_day_orders_once():
    frame = dates([(1, "2024-01-01"), (1, "2024-01-01"), (1, "2024-01-06"), (1, "2024-01-11"),
                   (2, "2024-01-01"), (2, "2024-01-02"), (2, "2024-01-02"),
                   (3, "2024-01-01"), (3, "2024-01-04"), (3, "2024-01-10"), (3, "2024-01-05"),
                   (4, "2024-01-01"), (4, "2024-01-04"), (4, "2024-01-10")])
    got = median_gap_days(frame)
    assert got["distinct_dates"].to_dict() == {1: 3, 2: 2, 3: 4, 4: 3}
    # customer 3 in date order: gaps 3, 1, 5 -> 3; customer 4: gaps 3, 6 -> 4.5
    assert got["median_gap_days"].to_dict() == {1: 5.0, 2: 1.0, 3: 3.0, 4: 4.5}


def rhythm(last_days, counts, medians, factor="2.0", min_days=14):
    last = ago(*last_days)
    return lifecycle(last, T, active_days=30, churn_days=90, rhythm=True, rhythm_factor=D(factor),
                     rhythm_min_days=min_days, distinct_dates_count=pd.Series(counts),
                     median_gap_days=pd.Series(medians, dtype="float64")).tolist()


def test_rhythm_rule():
    # median gap 5: > 10 days is off-rhythm, but at_risk only from 14 days (rhythm_min_days)
    assert rhythm([10, 11, 13, 14], [3, 3, 3, 3], [5, 5, 5, 5]) == ["active", "active", "active", "at_risk"]
    # median gap 10: 20 days is not > 2 x 10, 21 is
    assert rhythm([20, 21], [3, 3], [10, 10]) == ["active", "at_risk"]
    # fewer than 3 distinct dates: rule off
    assert rhythm([25], [2], [1]) == ["active"]
    # exact: 1.5 x 4.5 = 6.75 -> 6 active, 7 at_risk
    assert rhythm([6, 7], [3, 3], [4.5, 4.5], factor="1.5", min_days=0) == ["active", "at_risk"]
    # never and churned still come first
    assert rhythm([None, 95], [0, 5], [None, 1]) == ["never", "churned"]


def test_rhythm_off_ignores_gaps():
    got = lifecycle(ago(20), T, active_days=30, churn_days=90, rhythm=False, rhythm_factor=D(2),
                    rhythm_min_days=14, distinct_dates_count=pd.Series([5]), median_gap_days=pd.Series([1.0]))
    assert got.tolist() == ["active"]


def test_rhythm_end_to_end_from_order_dates():
    frame = dates([(0, "2024-03-01"), (0, "2024-03-01"), (0, "2024-03-06"), (0, "2024-03-11"),
                   (1, "2024-03-01"), (1, "2024-03-06"), (1, "2024-03-06")])
    gaps = median_gap_days(frame)
    last = pd.Series(pd.to_datetime(["2024-03-11", "2024-03-06"]), index=[0, 1])
    got = lifecycle(last, dt.date(2024, 3, 25), active_days=30, churn_days=90, rhythm=True,
                    rhythm_factor=D(2), rhythm_min_days=14, distinct_dates_count=gaps["distinct_dates"],
                    median_gap_days=gaps["median_gap_days"])
    # customer 0: 3 distinct dates, median gap 5, 14 days since > 10 and >= 14 -> at_risk;
    # customer 1: the two orders on 03-06 count once -> 2 dates -> rule off -> active at 19 days
    assert got.to_dict() == {0: "at_risk", 1: "active"}


def test_is_new_inclusive_bounds():
    first = pd.Series([dt.date(2024, 3, 1), dt.date(2024, 3, 31), dt.date(2024, 2, 29), dt.date(2024, 4, 1), None])
    assert is_new(first, dt.date(2024, 3, 1), dt.date(2024, 3, 31)).tolist() == [True, True, False, False, False]
