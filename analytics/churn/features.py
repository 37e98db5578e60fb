"""Churn features and labels as of a date, from per-customer monthly sums and distinct order dates.

docs/analytics.md §3.7. Pure pandas/numpy (no Django): the Django side (analytics.churn.data) aggregates once, and every
as-of date T' is derived here. Everything computed for T' reads only rows dated on or before T' (months up to
T''s month, order dates <= T'); labels read only (T', T' + H].
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

LOOKBACK_DAYS = 365  # the own-rhythm window; the population is at most this far back too

# Every feature features_at computes: the candidates the backtest chose the model's FEATURES from, and what
# the tests check for leaks.
CANDIDATES: tuple[str, ...] = (
    "log_days_since_last", "log_gap_ratio", "log_median_gap", "few_dates",
    "log_orders_3m", "log_orders_6m", "log_orders_12m", "orders_trend",
    "log_sales_3m", "log_sales_6m", "log_sales_12m", "sales_trend", "log_tenure", "log_rate", "log_missed",
    # A distributor's ledger beyond counts and sums (issue 21): rhythm drift, steadiness, seasonality, basket
    # breadth, returns, coupons and what is still owed.
    "gap_trend", "active_share", "log_orders_next_ly", "season_ratio", "returns_share", "log_breadth_3m",
    "breadth_trend", "coupon_share", "owed_months",
    # Category mix shift, visit and coupon history (issue 21): what the basket, the salesperson and the coupons
    # said before T'. All zero on a ledger without categories, visits or coupon codes.
    "mix_shift_3m", "mix_shift_6m", "log_visits_90d", "log_days_since_visit", "log_visits_since_order",
    "followup_overdue", "log_days_since_coupon", "coupon_share_3m",
    # The BG/NBD baseline's own numbers, fitted as of T' (analytics.churn.baselines): the model stacks on the
    # strongest plain baseline instead of competing with it blindfolded.
    "bgnbd_alive", "log_bgnbd_expected",
)
# What the model reads (analytics.churn.model), chosen on the backtest's out-of-time folds of both demo
# generators (docs/analytics.md "Churn and cross-sell evaluation"): recency against the customer's own pace,
# frequency, and the BG/NBD numbers. Adding the other candidates (trends, basket, mix shift, visits, coupons,
# receivables) lowered the mean out-of-time AUC on both, boosting included.
FEATURES: tuple[str, ...] = (
    "log_days_since_last", "log_gap_ratio", "log_rate", "log_missed", "log_orders_12m",
    "bgnbd_alive", "log_bgnbd_expected",
)
EXTRA_MONTHLY = ("returns", "coupon_orders", "products", "paid_fen")  # optional monthly columns, zero when absent
MIX_MONTHS = 18  # category mix: the latest 6 months against the 12 before them
MIX_FEATURES = ("mix_shift_3m", "mix_shift_6m")  # zero unless the inputs carry category lines
NO_EVENT_DAYS = LOOKBACK_DAYS + 1  # "days since" a visit or coupon order when there was none in the year


@dataclass
class ChurnInputs:
    """What analytics.churn.data aggregates once for a whole training run or one scoring date.

    monthly: customer_id, month ('YYYY-MM'), sales_fen (net of returns), orders (positive orders), and where
        known returns (negative orders), coupon_orders, products (distinct products bought) and paid_fen
        (payments received), for the months the as-of dates need (12 back from the earliest). Missing rows and
        columns are zeros.
    dates: customer_id, order_date: distinct dates of positive non-cancelled orders (from LOOKBACK_DAYS before
        the earliest as-of date to the end of the data; the labels read the dates after T').
    first_order: Series customer_id -> date of the first positive non-cancelled order (whole history).
    categories: customer_id, month, category_id, amount_fen: positive lines per customer, month and product
        category, MIX_MONTHS back from the earliest as-of date (empty: no category mix features).
    visits: customer_id, visit_date, next_date (NaT for none): visits, calls and messages from LOOKBACK_DAYS
        before the earliest as-of date (empty: no visit features).
    dates may carry a `coupon` column (1 when an order of that day used a coupon code).
    """

    monthly: pd.DataFrame
    dates: pd.DataFrame
    first_order: pd.Series
    categories: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["customer_id", "month", "category_id", "amount_fen"]))
    visits: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["customer_id", "visit_date", "next_date"]))
    cache: dict[Any, Any] = field(default_factory=dict)  # per-T' results reused across backtest folds (BG/NBD fits)


def month_index(values: pd.Series) -> pd.Series:
    """'YYYY-MM' (or a date, or a month-start timestamp) -> year * 12 + month - 1, int64."""
    when = pd.to_datetime(values.astype(str).str.slice(0, 7), format="%Y-%m")
    return (when.dt.year * 12 + when.dt.month - 1).astype("int64")


SUMMED = ("sales_fen", "orders", *EXTRA_MONTHLY)


def _window_sums(monthly: pd.DataFrame, last: int, months: int) -> pd.DataFrame:
    rows = monthly[(monthly["m"] > last - months) & (monthly["m"] <= last)]
    sums = rows.groupby("customer_id")[list(SUMMED)].sum()
    sums["active"] = (rows["orders"] > 0).groupby(rows["customer_id"]).sum()
    return sums


def _rhythm(dates: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """last date, number of dates and median gap (days) over the LOOKBACK_DAYS up to T', per customer."""
    start = as_of - pd.Timedelta(days=LOOKBACK_DAYS)
    d = dates[(dates["order_date"] > start) & (dates["order_date"] <= as_of)]
    d = d.sort_values(["customer_id", "order_date"], kind="mergesort")
    gaps = d.groupby("customer_id")["order_date"].diff().dt.days
    grouped = d.groupby("customer_id")["order_date"]
    by = gaps.groupby(d["customer_id"])
    latest = by.tail(2)  # the latest two gaps (NaN for a first date): is the rhythm slowing?
    return pd.DataFrame({
        "last_order_date": grouped.max(),
        "n_dates": grouped.size(),
        "median_gap": by.median(),
        "last_gaps": latest.groupby(d.loc[latest.index, "customer_id"]).mean(),
    })


def features_at(inputs: ChurnInputs, as_of: dt.date, *, population_days: int = LOOKBACK_DAYS) -> pd.DataFrame:
    """One row per customer whose last positive order is within `population_days` of T' (index customer_id).

    Columns: days_since_last (the baseline score), median_gap, orders_12m, sales_12m_fen and CANDIDATES
    (docs/analytics.md §3.7: days since last order; orders and sales over 3, 6, 12 months and their trend; own median
    interval and the ratio to it; tenure). Uses only months <= T''s month and order dates <= T'.
    """
    if not 0 < population_days <= LOOKBACK_DAYS:
        raise ValueError(f"population_days must be 1..{LOOKBACK_DAYS}, got {population_days}")
    if "m" not in inputs.monthly.columns:
        inputs = prepared(inputs)
    t = pd.Timestamp(as_of)
    _refuse_partial_month(inputs.dates, t)
    rhythm = _rhythm(inputs.dates, t)
    days = (t - rhythm["last_order_date"]).dt.days
    rhythm = rhythm[days <= population_days]
    out = pd.DataFrame(index=rhythm.index.rename("customer_id"))
    out["days_since_last"] = (t - rhythm["last_order_date"]).dt.days.astype("int64")
    # With fewer than two dates in the year there is no own rhythm: a year stands in, and a flag says so.
    gap = rhythm["median_gap"].fillna(float(LOOKBACK_DAYS)).clip(lower=1.0)
    out["median_gap"] = gap
    out["few_dates"] = (rhythm["n_dates"] < 2).astype("float64")
    last_m = t.year * 12 + t.month - 1
    monthly = inputs.monthly
    for months in (3, 6, 12):
        sums = _window_sums(monthly, last_m, months).reindex(out.index, fill_value=0)
        out[f"orders_{months}m"] = sums["orders"].astype("int64")
        out[f"sales_{months}m_fen"] = sums["sales_fen"].astype("int64")
        if months != 6:
            for col in (*EXTRA_MONTHLY, "active"):
                out[f"{col}_{months}m"] = sums[col].astype("float64")
    # The coming three months a year ago (months T-11 .. T-9): a seasonal shop's quiet season is no churn.
    out["orders_next_ly"] = _window_sums(monthly, last_m - 9, 3).reindex(out.index, fill_value=0)["orders"]
    out["last_gaps"] = rhythm["last_gaps"].fillna(gap)
    first = pd.to_datetime(inputs.first_order.reindex(out.index))
    tenure = (t - first).dt.days.fillna(0).clip(lower=0)
    out = _ledger(_derived(out, tenure))
    out["coupon_share_3m"] = out["coupon_orders_3m"] / out["orders_3m"].clip(lower=1)
    from .signals import days_since, mix_shift, visit_features

    mix = mix_shift(inputs.categories, last_m, out.index)
    out["mix_shift_3m"], out["mix_shift_6m"] = mix["shift_3m"], mix["shift_6m"]
    out = visit_features(out, inputs.visits, t, rhythm["last_order_date"])
    out["log_days_since_coupon"] = np.log1p(days_since(inputs.dates, t, out.index, "coupon"))
    from .baselines import bgnbd_cached

    alive, expected = bgnbd_cached(inputs, t, out.index)
    out["bgnbd_alive"] = alive
    out["log_bgnbd_expected"] = np.log1p(np.clip(expected, 0.0, None))
    return out


def _refuse_partial_month(dates: pd.DataFrame, t: pd.Timestamp) -> None:
    """Monthly sums cannot be cut inside a month: for a T' before its month's end, an order later in that month
    would leak into every 3/6/12-month window. churn_inputs reads nothing after T and the backtest uses
    month-ends, so this only stops a new caller from leaking silently."""
    if t.is_month_end:
        return
    later = dates["order_date"][(dates["order_date"] > t) & (dates["order_date"] <= t + pd.offsets.MonthEnd(0))]
    if len(later):
        raise ValueError(f"orders after {t.date()} in its own month: read the inputs up to that date "
                         "(churn_inputs(as_of=...)) or use a month-end")


def _ledger(out: pd.DataFrame) -> pd.DataFrame:
    """Issue 21's ledger features, from the window sums features_at put on `out`."""
    out["gap_trend"] = np.log((out["last_gaps"] + 1.0) / (out["median_gap"] + 1.0))
    out["active_share"] = out["active_12m"] / 12.0
    out["log_orders_next_ly"] = np.log1p(out["orders_next_ly"].astype("float64"))
    out["season_ratio"] = np.log((out["orders_next_ly"] + 0.5) / (out["orders_12m"] / 4.0 + 0.5))
    out["returns_share"] = out["returns_12m"] / (out["orders_12m"] + out["returns_12m"]).clip(lower=1)
    out["log_breadth_3m"] = np.log1p(out["products_3m"] / out["active_3m"].clip(lower=1))
    out["breadth_trend"] = out["log_breadth_3m"] - np.log1p(out["products_12m"] / out["active_12m"].clip(lower=1))
    out["coupon_share"] = out["coupon_orders_12m"] / out["orders_12m"].clip(lower=1)
    # Unpaid sales of the year in months of the year's average sales: a customer deep in debt may stop.
    month_sales = (out["sales_12m_fen"].clip(lower=0) / 12.0).clip(lower=100.0)
    paid = out["paid_fen_12m"]
    out["owed_months"] = np.where(paid > 0, ((out["sales_12m_fen"] - paid) / month_sales).clip(-12, 12), 0.0)
    return out


def _derived(out: pd.DataFrame, tenure: pd.Series) -> pd.DataFrame:
    """The model's columns: logs tame the heavy tails; trends compare the last 3 months with the year's pace."""
    out["log_days_since_last"] = np.log1p(out["days_since_last"].astype("float64"))
    out["log_gap_ratio"] = np.log((out["days_since_last"] + 1.0) / (out["median_gap"] + 1.0))
    out["log_median_gap"] = np.log1p(out["median_gap"])
    for months in (3, 6, 12):
        out[f"log_orders_{months}m"] = np.log1p(out[f"orders_{months}m"].astype("float64"))
        yuan = out[f"sales_{months}m_fen"].clip(lower=0).astype("float64") / 100.0
        out[f"log_sales_{months}m"] = np.log1p(yuan)
    rate3 = (out["orders_3m"] + 0.5) / 3.0
    rate12 = (out["orders_12m"] + 0.5) / 12.0
    out["orders_trend"] = np.log(rate3 / rate12)
    s3 = out["sales_3m_fen"].clip(lower=0).astype("float64") / 300.0
    s12 = out["sales_12m_fen"].clip(lower=0).astype("float64") / 1200.0
    out["sales_trend"] = np.log1p(s3) - np.log1p(s12)
    out["log_tenure"] = np.log1p(tenure.astype("float64"))
    # Own pace: positive orders per day over the part of the last year the customer has been buying, and how
    # many of those orders the current silence has "missed" (a weekly buyer silent for 40 days missed ~6).
    span = tenure.astype("float64").clip(lower=30.0, upper=float(LOOKBACK_DAYS))
    rate = out["orders_12m"].astype("float64") / span
    out["log_rate"] = np.log(rate + 1.0 / LOOKBACK_DAYS)
    out["log_missed"] = np.log1p(rate * out["days_since_last"])
    return out


def labels_at(dates: pd.DataFrame, as_of: dt.date, index: pd.Index, *, horizon_days: int) -> pd.Series:
    """True when the customer has no positive non-cancelled order in (T', T' + H] (docs/analytics.md §3.7 label).

    The caller guarantees the data reaches T' + H; `index` is the population (features_at's index).
    """
    t = pd.Timestamp(as_of)
    window = dates[(dates["order_date"] > t) & (dates["order_date"] <= t + pd.Timedelta(days=horizon_days))]
    came_back = pd.Index(window["customer_id"].unique())
    return pd.Series(~index.isin(came_back), index=index, name="churned")


def prepared(inputs: ChurnInputs) -> ChurnInputs:
    """Typed copy: month -> month index 'm', order_date -> datetime64, first_order -> datetime64."""
    monthly = inputs.monthly.copy()
    for col in EXTRA_MONTHLY:
        if col not in monthly.columns:
            monthly[col] = 0
    monthly["m"] = month_index(monthly["month"]) if len(monthly) else pd.Series(dtype="int64")
    monthly = monthly.astype({"sales_fen": "int64", "orders": "int64", **dict.fromkeys(EXTRA_MONTHLY, "float64")})
    dates = inputs.dates[[c for c in ("customer_id", "order_date", "coupon") if c in inputs.dates.columns]].copy()
    dates["order_date"] = pd.to_datetime(dates["order_date"])
    first = pd.to_datetime(inputs.first_order) if len(inputs.first_order) else inputs.first_order
    categories = inputs.categories.copy()
    categories["m"] = month_index(categories["month"]) if len(categories) else pd.Series(dtype="int64")
    categories["amount_fen"] = categories["amount_fen"].astype("float64")
    visits = inputs.visits.copy()
    visits["visit_date"] = pd.to_datetime(visits["visit_date"])
    visits["next_date"] = pd.to_datetime(visits["next_date"])
    return ChurnInputs(monthly=monthly, dates=dates, first_order=first, categories=categories, visits=visits,
                       cache=inputs.cache)


def training_frame(inputs: ChurnInputs, as_ofs: list[dt.date], *, horizon_days: int,
                   population_days: int = LOOKBACK_DAYS) -> pd.DataFrame:
    """Stacked rows (as_of, customer_id, features..., churned) for every T' in `as_ofs` (each T' + H known)."""
    if "m" not in inputs.monthly.columns:
        inputs = prepared(inputs)
    frames = []
    for as_of in as_ofs:
        feats = features_at(inputs, as_of, population_days=population_days)
        feats["churned"] = labels_at(inputs.dates, as_of, feats.index, horizon_days=horizon_days)
        feats["as_of"] = as_of
        frames.append(feats.reset_index())
    if not frames:
        return pd.DataFrame(columns=["as_of", "customer_id", "days_since_last", *CANDIDATES, "churned"])
    return pd.concat(frames, ignore_index=True)
