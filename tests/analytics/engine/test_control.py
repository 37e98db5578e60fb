"""Period control alerts: baseline of the previous months and same month last year (docs/analytics.md §3.5)."""

from decimal import Decimal as D

import pandas as pd

from analytics.engine.control import control_alerts


def months(rows):
    return pd.DataFrame(rows, columns=["month", "buying_customers", "sales_fen", "orders"])


def test_drop_of_exactly_fifteen_percent_is_not_an_alert_more_is():
    frame = months([("2024-01", 10, 100, 10), ("2024-02", 10, 100, 10), ("2024-03", 10, 100, 10),
                    ("2024-04", 10, 85, 10), ("2024-05", 10, 84, 10)])
    got = control_alerts(frame, baseline_periods=6, drop=D("0.15")).set_index("month")
    # April: mean of Jan..Mar = 100, 85 is exactly -15% (floats say 0.15000000000000002 > 0.15)
    assert not got.loc["2024-04", "sales_fen_alert"]
    assert got.loc["2024-04", "sales_fen_baseline"] == 100.0
    # May: mean of Jan..Apr = 96.25; 84 is -12.7% -> no alert
    assert got.loc["2024-05", "sales_fen_baseline"] == 96.25
    assert not got.loc["2024-05", "sales_fen_alert"]
    # average order value: 8.5 vs 10 -> exactly -15% in April, no alert; May 8.4 vs mean(10,10,10,8.5) no alert
    assert got["avg_order_value_fen"].tolist() == [10.0, 10.0, 10.0, 8.5, 8.4]
    assert not got["avg_order_value_fen_alert"].any()


def test_fewer_than_three_previous_months_give_no_baseline():
    frame = months([("2024-01", 10, 100, 10), ("2024-02", 10, 100, 10), ("2024-03", 1, 1, 1)])
    got = control_alerts(frame, baseline_periods=6, drop=D("0.15"))
    assert got["sales_fen_baseline"].isna().all()
    assert not got["any_alert"].any()


def test_baseline_uses_only_the_previous_n_months_and_gaps_are_zero_months():
    frame = months([("2023-01", 10, 100, 10), ("2023-02", 10, 100, 10), ("2023-03", 10, 100, 10),
                    ("2023-05", 10, 100, 10), ("2023-06", 10, 100, 10)])
    got = control_alerts(frame, baseline_periods=3, drop=D("0.15")).set_index("month")
    assert list(got.index) == ["2023-01", "2023-02", "2023-03", "2023-04", "2023-05", "2023-06"]
    assert got.loc["2023-04", "sales_fen_alert"]  # 0 against 100
    assert got.loc["2023-06", "buying_customers_baseline"] == 20 / 3  # Mar 10, Apr 0, May 10
    # April has no orders: no average order value, and it does not count toward later baselines
    assert pd.isna(got.loc["2023-04", "avg_order_value_fen"])
    assert pd.isna(got.loc["2023-06", "avg_order_value_fen_baseline"])  # only Mar and May have one


def test_same_month_last_year():
    rows = [("2023-03", 20, 1000, 10)] + [(f"2024-0{m}", 10, 100, 10) for m in (1, 2, 3)]
    got = control_alerts(months(rows), baseline_periods=6, drop=D("0.15")).set_index("month")
    assert got.loc["2024-03", "buying_customers_last_year"] == 20
    assert got.loc["2024-03", "buying_customers_alert"]  # 10 vs 20 last year (empty months count as zeros)
    assert got.loc["2024-03", "sales_fen_alert"] and got.loc["2024-03", "avg_order_value_fen_alert"]
    assert got.loc["2024-03", "any_alert"]
    assert pd.isna(got.loc["2024-02", "sales_fen_last_year"])
