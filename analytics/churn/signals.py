"""Category mix shift, visit history and coupon history as of T' (issue 21), for analytics.churn.features.

Pure pandas. Every function reads only rows dated on or before T' (category months up to T''s month, visits and
order dates up to T'); a visit's promised follow-up date is written with the visit, so it is known at its date.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .features import LOOKBACK_DAYS, NO_EVENT_DAYS


def _shares(rows: pd.DataFrame) -> pd.DataFrame:
    """customer x category share of the line amounts of `rows` (rows sum to 1; customers without lines absent)."""
    table = rows.pivot_table(index="customer_id", columns="category_id", values="amount_fen", aggfunc="sum",
                             fill_value=0.0)
    total = table.sum(axis=1)
    return table[total > 0].div(total[total > 0], axis=0)


def mix_shift(categories: pd.DataFrame, last_m: int, index: pd.Index) -> pd.DataFrame:
    """Total variation distance (0 = same mix, 1 = nothing in common) between the category shares of the latest
    3 (6) months and of the 12 months before them; 0 when either window has no lines (nothing to compare)."""
    out = pd.DataFrame({"shift_3m": 0.0, "shift_6m": 0.0}, index=index)
    if not len(categories):
        return out
    cats = categories[categories["amount_fen"] > 0]
    for recent in (3, 6):
        now = _shares(cats[(cats["m"] > last_m - recent) & (cats["m"] <= last_m)])
        before = _shares(cats[(cats["m"] > last_m - recent - 12) & (cats["m"] <= last_m - recent)])
        both = now.index.intersection(before.index).intersection(index)
        if not len(both):
            continue
        now, before = now.reindex(both), before.reindex(both)
        columns = now.columns.union(before.columns)
        now, before = now.reindex(columns=columns, fill_value=0.0), before.reindex(columns=columns, fill_value=0.0)
        out.loc[both, f"shift_{recent}m"] = 0.5 * (now - before).abs().sum(axis=1)
    return out


def days_since(events: pd.DataFrame, t: pd.Timestamp, index: pd.Index, flag: str) -> pd.Series:
    """Days from the latest flagged order date within LOOKBACK_DAYS up to T' to T', NO_EVENT_DAYS when none."""
    if flag not in events.columns:
        return pd.Series(float(NO_EVENT_DAYS), index=index)
    d = events[(events[flag] > 0) & (events["order_date"] <= t)
               & (events["order_date"] > t - pd.Timedelta(days=LOOKBACK_DAYS))]
    last = d.groupby("customer_id")["order_date"].max().reindex(index)
    return (t - last).dt.days.fillna(NO_EVENT_DAYS).astype("float64")


def visit_features(out: pd.DataFrame, visits: pd.DataFrame, t: pd.Timestamp, last_order: pd.Series) -> pd.DataFrame:
    """Visits in the last 90 days, days since the last one, visits since the last order (called on, not buying)
    and a follow-up that was promised for a day on or before T' without a visit since (how late, in days)."""
    seen = visits[(visits["visit_date"] <= t) & (visits["visit_date"] > t - pd.Timedelta(days=LOOKBACK_DAYS))]
    seen = seen[seen["customer_id"].isin(out.index)]
    if not len(seen):  # empty frames lose their dtypes in the groupbys below
        out["log_visits_90d"], out["log_visits_since_order"], out["followup_overdue"] = 0.0, 0.0, 0.0
        out["log_days_since_visit"] = np.log1p(float(NO_EVENT_DAYS))
        return out
    by = seen.groupby("customer_id")
    recent = seen[seen["visit_date"] > t - pd.Timedelta(days=90)].groupby("customer_id").size()
    out["log_visits_90d"] = np.log1p(recent.reindex(out.index, fill_value=0).astype("float64"))
    latest = by["visit_date"].max().reindex(out.index)
    out["log_days_since_visit"] = np.log1p((t - latest).dt.days.fillna(NO_EVENT_DAYS).astype("float64"))
    after = seen[seen["visit_date"] > seen["customer_id"].map(last_order)].groupby("customer_id").size()
    out["log_visits_since_order"] = np.log1p(after.reindex(out.index, fill_value=0).astype("float64"))
    # The latest visit's promise (next_date is written with the visit, so it is known at the visit's date).
    last_rows = seen.sort_values(["customer_id", "visit_date"], kind="mergesort").groupby("customer_id").tail(1)
    promised = last_rows.set_index("customer_id")["next_date"].reindex(out.index)
    late = (t - promised).dt.days
    out["followup_overdue"] = np.log1p(late.where(late >= 0, 0.0).fillna(0.0).astype("float64"))
    return out
