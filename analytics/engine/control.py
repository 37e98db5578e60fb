"""Period control: buying customers, sales and average order value against a baseline and last year.

docs/analytics.md §3.5 (seed 001). Independent of the grading policy.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import numpy as np
import pandas as pd

from .money import as_fraction

METRICS = ("buying_customers", "sales_fen", "avg_order_value_fen")
MIN_BASELINE = 3


def _value(row: pd.Series, metric: str) -> Fraction | None:
    if metric == "avg_order_value_fen":
        orders = int(row["orders"])
        return Fraction(int(row["sales_fen"]), orders) if orders > 0 else None
    return Fraction(int(row[metric]))


def _dropped(cur: Fraction | None, base: Fraction | None, drop: Fraction) -> bool:
    """cur fell by MORE than `drop` against base: (base - cur) / base > drop, exactly; no alert if base <= 0."""
    if cur is None or base is None or base <= 0:
        return False
    return (base - cur) / base > drop


def _as_float(value: Fraction | None) -> float:
    return float(value) if value is not None else np.nan


def control_alerts(periods_df: pd.DataFrame, *, baseline_periods: int, drop: Decimal) -> pd.DataFrame:
    """Per month: each metric, its baseline (mean of the previous N months), same month last year and alerts.

    docs/analytics.md §3.5: a drop of MORE than `drop` against the baseline or last year raises `<metric>_alert`; the
    baseline needs at least 3 of the previous N months, else it is blank. periods_df: one row per month
    (month 'YYYY-MM' or Period, buying_customers, sales_fen, orders). Reading: a month missing inside the range
    is a month with no sales (zeros); months before the first row are not history. The average order value
    of a month without orders is blank and does not count toward its baseline.
    """
    frame = periods_df.copy()
    frame["month"] = pd.PeriodIndex(frame["month"], freq="M")
    frame = frame.groupby("month")[["buying_customers", "sales_fen", "orders"]].sum()
    full = pd.period_range(frame.index.min(), frame.index.max(), freq="M") if len(frame) else frame.index
    frame = frame.reindex(full, fill_value=0).astype("int64")
    cut = as_fraction(drop)
    rows = []
    for i, (month, row) in enumerate(frame.iterrows()):  # a loop over months, not customers
        out: dict[str, object] = {"month": str(month), "buying_customers": int(row["buying_customers"]),
                                  "sales_fen": int(row["sales_fen"]), "orders": int(row["orders"])}
        window = frame.iloc[max(0, i - baseline_periods):i]
        last_year = month - 12
        any_alert = False
        for metric in METRICS:
            cur = _value(row, metric)
            history = [v for _, r in window.iterrows() if (v := _value(r, metric)) is not None]
            base = sum(history, Fraction(0)) / len(history) if len(history) >= MIN_BASELINE else None
            prior = _value(frame.loc[last_year], metric) if last_year in frame.index else None
            alert = _dropped(cur, base, cut) or _dropped(cur, prior, cut)
            any_alert |= alert
            out[metric] = _as_float(cur) if metric == "avg_order_value_fen" else out.get(metric)
            out[f"{metric}_baseline"] = _as_float(base)
            out[f"{metric}_last_year"] = _as_float(prior)
            out[f"{metric}_alert"] = alert
        out["any_alert"] = any_alert
        rows.append(out)
    return pd.DataFrame(rows)
