"""Lifecycle as of T (never / churned / at_risk / active), the rhythm rule, is_new and days since last order.

docs/analytics.md §3.2. Dates are calendar dates without time zone; T is passed in.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pandas as pd

from .money import as_fraction, scaled

LIFECYCLES = ("never", "churned", "at_risk", "active")


def _dates(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values).astype("datetime64[s]")


def days_since(last_order_date: pd.Series, as_of: dt.date) -> pd.Series:
    """Whole days from the last order to T (T - last), Int64, NA when there is no order.

    docs/analytics.md §3.2 "days since last order".
    """
    delta = pd.Timestamp(as_of) - _dates(last_order_date)
    return delta.dt.days.astype("Int64")


def median_gap_days(order_dates: pd.DataFrame) -> pd.DataFrame:
    """Per customer: number of distinct order dates and the median gap in days between them.

    docs/analytics.md §3.2 rhythm rule (several orders on one day count once). Input DataFrame[customer_id, order_date]
    with the positive orders up to T; output indexed by customer_id with distinct_dates (int64) and
    median_gap_days (float64, NaN with fewer than 2 dates; a median of an even count can end in .5).
    """
    dates = order_dates[["customer_id", "order_date"]].copy()
    dates["order_date"] = _dates(dates["order_date"])
    dates = dates.drop_duplicates().sort_values(["customer_id", "order_date"], kind="mergesort")
    gaps = dates.groupby("customer_id")["order_date"].diff().dt.days
    out = pd.DataFrame({
        "distinct_dates": dates.groupby("customer_id")["order_date"].size().astype("int64"),
        "median_gap_days": gaps.groupby(dates["customer_id"]).median().astype("float64"),
    })
    out.index.name = "customer_id"
    return out


def _rhythm_at_risk(days: pd.Series, distinct_dates_count: pd.Series, median_gap: pd.Series,
                    factor: Decimal, min_days: int) -> np.ndarray:
    """>= 3 distinct dates, days > factor x median gap (exact) and days >= min_days."""
    count = distinct_dates_count.reindex(days.index).fillna(0).astype("int64").to_numpy()
    med = median_gap.reindex(days.index).astype("float64").to_numpy()
    ok = (count >= 3) & ~np.isnan(med) & days.notna().to_numpy()
    d = days.fillna(0).astype("int64").to_numpy()
    # A median of whole days is a multiple of 0.5, so 2 x median is an exact integer.
    med2 = np.where(ok, np.round(np.nan_to_num(med) * 2), 0).astype("int64")
    f = as_fraction(factor)
    over = scaled(d * 2, f.denominator) > scaled(med2, f.numerator)
    return ok & np.asarray(over, dtype=bool) & (d >= min_days)


def lifecycle(last_order_date: pd.Series, as_of: dt.date, *, active_days: int, churn_days: int,
              rhythm: bool = False, rhythm_factor: Decimal = Decimal("2.0"), rhythm_min_days: int = 14,
              distinct_dates_count: pd.Series | None = None,
              median_gap_days: pd.Series | None = None) -> pd.Series:
    """Lifecycle of each customer as of T: "never", "churned", "at_risk" or "active" (first that applies).

    docs/analytics.md §3.2: never = no order on or before T; churned = days > churn_days; at_risk = days > active_days,
    or with the rhythm rule on: >= 3 distinct order dates, days > rhythm_factor x median gap and
    days >= rhythm_min_days; else active. 30 days is active, 31 and 90 at_risk, 91 churned.
    Reading: a last order after T (should not be passed) counts as never, since it is not "on or before T".
    """
    days = days_since(last_order_date, as_of)
    never = (days.isna() | (days < 0)).to_numpy()
    d = days.fillna(-1).astype("int64").to_numpy()
    at_risk = d > active_days
    if rhythm and distinct_dates_count is not None and median_gap_days is not None:
        at_risk = at_risk | _rhythm_at_risk(days, distinct_dates_count, median_gap_days, rhythm_factor,
                                            rhythm_min_days)
    values = np.select([never, d > churn_days, at_risk], ["never", "churned", "at_risk"], default="active")
    return pd.Series(values, index=last_order_date.index, dtype="str")


def is_new(first_order_date: pd.Series, start: dt.date, end: dt.date) -> pd.Series:
    """True when the first order falls in start..end inclusive (the month P, or the last 30 days for the pulse).

    docs/analytics.md §3.2 is_new.
    """
    first = _dates(first_order_date)
    return ((first >= pd.Timestamp(start)) & (first <= pd.Timestamp(end))).fillna(False).astype(bool)
