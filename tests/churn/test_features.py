"""Churn features and labels as of T': hand-checked values, and nothing after T' can leak in (docs/analytics.md
§3.7)."""

import datetime as dt
import math

import pandas as pd
import pytest

from analytics.churn.features import CANDIDATES, FEATURES, features_at, labels_at, training_frame
from tests.churn.synth import inputs_from_orders

T = dt.date(2025, 6, 30)


def ledger(rows):
    return pd.DataFrame(rows, columns=["customer_id", "order_date", "amount_fen"]).assign(
        order_date=lambda f: pd.to_datetime(f["order_date"]))


@pytest.fixture
def orders():
    return ledger([
        (1, "2025-03-10", 10_000), (1, "2025-04-10", 20_000), (1, "2025-05-10", 30_000), (1, "2025-06-10", 40_000),
        (2, "2024-09-01", 50_000), (2, "2025-06-20", -5_000),  # a return is no order
        (3, "2024-01-05", 10_000),  # gone for more than the population window
        (4, "2025-07-05", 10_000),  # first order after T
    ])


def test_features_by_hand(orders):
    feats = features_at(inputs_from_orders(orders), T, population_days=365)
    assert list(feats.index) == [1, 2]
    one, two = feats.loc[1], feats.loc[2]
    assert one["days_since_last"] == 20
    assert one["median_gap"] == 31  # gaps 31, 30, 31
    assert (one["orders_3m"], one["orders_6m"], one["orders_12m"]) == (3, 4, 4)
    assert (one["sales_3m_fen"], one["sales_12m_fen"]) == (90_000, 100_000)
    assert one["log_tenure"] == pytest.approx(math.log1p(112))
    assert one["few_dates"] == 0.0
    assert one["log_gap_ratio"] == pytest.approx(math.log(21 / 32))
    # One date in the year: no own rhythm, a year stands in and the flag says so.
    assert (two["days_since_last"], two["median_gap"], two["few_dates"]) == (302, 365, 1.0)
    assert (two["orders_3m"], two["orders_12m"], two["sales_3m_fen"], two["sales_12m_fen"]) == (0, 1, -5_000, 45_000)
    assert set(FEATURES) <= set(CANDIDATES) <= set(feats.columns)
    assert not feats[list(CANDIDATES)].isna().any().any()


def test_population_is_the_not_yet_churned(orders):
    assert list(features_at(inputs_from_orders(orders), T, population_days=90).index) == [1]


def test_labels_read_only_the_horizon(orders):
    more = pd.concat([orders, ledger([(1, "2025-09-28", 1_000), (2, "2025-09-29", 1_000)])])
    index = pd.Index([1, 2], name="customer_id")
    labels = labels_at(inputs_from_orders(more).dates, T, index, horizon_days=90)
    assert labels.to_dict() == {1: False, 2: True}  # 2's order is day 91


def test_a_future_order_cannot_change_the_features_at_t(orders):
    before = features_at(inputs_from_orders(orders), T, population_days=365)
    future = ledger([(1, "2025-07-01", 999_999), (2, "2025-07-31", 1), (3, "2025-12-01", 5_000)])
    after = features_at(inputs_from_orders(pd.concat([orders, future])), T, population_days=365)
    pd.testing.assert_frame_equal(before, after)


def test_training_frame_stacks_periods_with_labels(orders):
    rows = training_frame(inputs_from_orders(orders), [dt.date(2025, 3, 31), T], horizon_days=30,
                          population_days=365)
    assert rows[["as_of", "customer_id", "churned"]].values.tolist() == [
        [dt.date(2025, 3, 31), 1, False], [dt.date(2025, 3, 31), 2, True],
        [T, 1, True], [T, 2, True],
    ]


def test_population_days_is_bounded():
    with pytest.raises(ValueError, match="population_days must be 1..365"):
        features_at(inputs_from_orders(ledger([(1, "2025-01-01", 1)])), T, population_days=400)
