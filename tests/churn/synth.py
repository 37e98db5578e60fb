"""A synthetic short ledger for the churn tests: one year, many one-time buyers, regulars who may stop.

Pure numpy (no database): it builds ChurnInputs directly, the same frames analytics.churn.data aggregates.
"""

import datetime as dt

import numpy as np
import pandas as pd

from analytics.churn.features import ChurnInputs, prepared


def short_ledger(*, customers: int = 3000, days: int = 365, one_time_share: float = 0.5, seed: int = 7,
                 start: dt.date = dt.date(2025, 1, 1)) -> tuple[ChurnInputs, pd.DataFrame]:
    """(inputs, orders): orders has customer_id, order_date, amount_fen (all positive, none cancelled)."""
    rng = np.random.default_rng(seed)
    one_time = rng.random(customers) < one_time_share
    rate = np.exp(rng.normal(np.log(2.0 / 30), 0.8, customers))  # orders per day, ~2 a month
    first = rng.integers(-200, days - 20, customers)
    stop = np.where(rng.random(customers) < 0.35, rng.integers(30, days + 200, customers), days + 1000)
    counts = np.where(one_time, 1, rng.poisson(rate * (min(days, 10_000) + 200)))
    who = np.repeat(np.arange(customers), counts)
    span = np.maximum(1, np.minimum(stop, days + 200) - np.maximum(first, -200))
    offset = (rng.random(len(who)) * span[who]).astype(np.int64)
    day = np.where(one_time[who], first[who], np.maximum(first[who], -200) + offset)
    keep = (day >= 0) & (day < days) & (day < stop[who])
    who, day = who[keep], day[keep]
    orders = pd.DataFrame({
        "customer_id": who + 1,
        "order_date": pd.Timestamp(start) + pd.to_timedelta(day, unit="D"),
        "amount_fen": np.maximum(100, rng.lognormal(np.log(80_000), 0.6, len(who))).astype(np.int64),
    })
    return inputs_from_orders(orders), orders


def inputs_from_orders(orders: pd.DataFrame) -> ChurnInputs:
    """Aggregate an order list (customer_id, order_date, amount_fen) into ChurnInputs as data.py would."""
    orders = orders.reset_index(drop=True)
    when = pd.to_datetime(orders["order_date"])
    monthly = (
        orders.assign(month=when.dt.strftime("%Y-%m"), positive=(orders["amount_fen"] > 0).astype("int64"))
        .groupby(["customer_id", "month"], as_index=False)
        .agg(sales_fen=("amount_fen", "sum"), orders=("positive", "sum"))
    )
    positive = orders[orders["amount_fen"] > 0].assign(order_date=when)
    dates = positive[["customer_id", "order_date"]].drop_duplicates()
    first_order = positive.groupby("customer_id")["order_date"].min()
    return prepared(ChurnInputs(monthly=monthly, dates=dates, first_order=first_order))
