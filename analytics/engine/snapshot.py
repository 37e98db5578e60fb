"""The monthly snapshot: one row per covered customer as of T = last day of P, from a few aggregated frames.

docs/analytics.md §3 (all of it) and "What a snapshot keeps": same inputs, identical table (rows sorted by code).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .action import recommended_action
from .grading import GRADES, apply_override, grade_customers, growth, loyalty, movement
from .lifecycle import LIFECYCLES, days_since, is_new, lifecycle
from .lifecycle import median_gap_days as gaps_of
from .money import cny_to_fen_cut
from .policy import Policy, window_months
from .receivables import punctuality
from .rfm import quadrant, rfm_scores, rfm_segment
from .surge import surge_plunge

RFM_MONTHS = 12


@dataclass
class SnapshotInputs:
    """What the Django layer aggregates for period P (T = last day of P); amounts int64 fen, dates as dates.

    customers: customer_id (int64), code (str), known_from (date = min(first-seen, earliest non-cancelled order
        of any amount); blank = always known), override_grade ("A".."D" or blank), override_until (date or blank
        = open-ended). One row per customer; those with known_from > T are dropped.
    monthly: customer_id, month ('YYYY-MM' or Period[M]), sales_fen, profit_fen, orders (int64) for months
        P - max(12, W) .. P, W = window_months(policy) (W=1: P-12..P; W=12: P-12..P; W=24: P-24..P).
        Missing (customer, month) rows are zeros; rows outside the range are ignored.
    first_last: customer_id, first_order_date, last_order_date (non-cancelled, positive amount, dated <= T).
    surge: customer_id, cur_sales_fen, prev_sales_fen, cur_orders, prev_orders over the two windows of
        `surge.window_days` ending T (surge.surge_windows). Missing customers are zeros.
    receivables: customer_id, receivable_fen, overdue_fen as of T (receivables.receivable_overdue). Missing = 0.
    punctuality_receivables / punctuality_payments: only when weighted_score.weights.punctuality > 0; the
        receivables.py frames for credit customers with all history up to T. Absent = everyone 1.0.
    order_dates: only when lifecycle.rhythm is on; customer_id, order_date of positive orders dated <= T.
    """

    customers: pd.DataFrame
    monthly: pd.DataFrame
    first_last: pd.DataFrame
    surge: pd.DataFrame | None = None
    receivables: pd.DataFrame | None = None
    punctuality_receivables: pd.DataFrame | None = None
    punctuality_payments: pd.DataFrame | None = None
    order_dates: pd.DataFrame | None = None


def months_needed(policy: Policy, *, year: int, month: int) -> tuple[str, str]:
    """First and last month ('YYYY-MM') the `monthly` frame must cover for period P.

    docs/analytics.md §3.1 window and previous grade, 3.1 year-over-year growth (P-12), 3.4 the 12 months P-11 .. P.
    """
    p = pd.Period(year=year, month=month, freq="M")
    return str(p - max(RFM_MONTHS, window_months(policy))), str(p)


def _month_number(months: pd.Series) -> np.ndarray:
    """year x 12 + month of each 'YYYY-MM' / Period value, parsing each distinct value once."""
    codes, uniques = pd.factorize(months)
    parsed = pd.PeriodIndex(uniques, freq="M")
    return np.asarray(parsed.year * 12 + parsed.month, dtype="int64")[codes]


def _month_table(monthly: pd.DataFrame, index: pd.Index, p: pd.Period, depth: int) -> dict[str, pd.DataFrame]:
    """Wide tables sales/profit/orders[customer, k] for month P-k, k = 0..depth, zeros where missing."""
    k = (p.year * 12 + p.month) - _month_number(monthly["month"])
    row = index.get_indexer(monthly["customer_id"])
    keep = (k >= 0) & (k <= depth) & (row >= 0)
    out = {}
    for col in ("sales_fen", "profit_fen", "orders"):
        wide = np.zeros((len(index), depth + 1), dtype="int64")
        np.add.at(wide, (row[keep], k[keep]), monthly[col].to_numpy(dtype="int64")[keep])
        out[col] = pd.DataFrame(wide, index=index, columns=range(depth + 1))
    return out


def _window(wide: dict[str, pd.DataFrame], first: int, count: int) -> pd.DataFrame:
    """Sums over months P-first .. P-first-count+1, and the number of months with an order."""
    cols = list(range(first, first + count))
    return pd.DataFrame({
        "sales_fen": wide["sales_fen"][cols].sum(axis=1), "profit_fen": wide["profit_fen"][cols].sum(axis=1),
        "orders": wide["orders"][cols].sum(axis=1), "months_with_orders": (wide["orders"][cols] > 0).sum(axis=1),
    })


def _punctuality(inputs: SnapshotInputs, policy: Policy, index: pd.Index, end: pd.Period, w: int) -> pd.Series:
    """Punctuality over the grading window ending `end`; 1.0 when not needed or nothing was due."""
    ones = pd.Series(1.0, index=index)
    if policy.weighted_score.weights.punctuality <= 0 or inputs.punctuality_receivables is None:
        return ones
    start = (end - (w - 1)).start_time.date()
    pays = inputs.punctuality_payments
    if pays is None:
        pays = pd.DataFrame({"customer_id": [], "date": [], "amount_fen": []})
    found = punctuality(inputs.punctuality_receivables, pays, start, end.end_time.date())
    return found.reindex(index).fillna(1.0).astype("float64")


def _grades_for(inputs: SnapshotInputs, policy: Policy, codes: pd.Series, wide: dict[str, pd.DataFrame],
                end: pd.Period, first: int) -> pd.DataFrame:
    """Computed grade (and score) of the customers in `codes` for the window ending at P-first."""
    w = window_months(policy)
    win = _window({k: v.loc[codes.index] for k, v in wide.items()}, first, w)
    frame = win.assign(code=codes, loyalty=loyalty(win["months_with_orders"], w),
                       punctuality=_punctuality(inputs, policy, codes.index, end, w))
    return grade_customers(frame, policy).join(win.add_prefix("window_"))


def _dates(frame: pd.DataFrame, column: str, index: pd.Index) -> pd.Series:
    values = frame.set_index("customer_id")[column] if len(frame) else pd.Series(dtype="datetime64[s]")
    return pd.to_datetime(values).astype("datetime64[s]").reindex(index)


def _fen(frame: pd.DataFrame | None, columns: list[str], index: pd.Index) -> pd.DataFrame:
    if frame is None:
        return pd.DataFrame(0, index=index, columns=columns, dtype="int64")
    return frame.set_index("customer_id")[columns].reindex(index).fillna(0).astype("int64")


def _lifecycle(inputs: SnapshotInputs, policy: Policy, last: pd.Series, t: dt.date) -> pd.Series:
    lc = policy.lifecycle
    counts = gaps = None
    if lc.rhythm and inputs.order_dates is not None:
        found = gaps_of(inputs.order_dates[pd.to_datetime(inputs.order_dates["order_date"]) <= pd.Timestamp(t)])
        counts, gaps = found["distinct_dates"], found["median_gap_days"]
    return lifecycle(last, t, active_days=lc.active_days, churn_days=lc.churn_days, rhythm=lc.rhythm,
                     rhythm_factor=lc.rhythm_factor, rhythm_min_days=lc.rhythm_min_days,
                     distinct_dates_count=counts, median_gap_days=gaps)


def _rfm(out: pd.DataFrame, year12: pd.DataFrame) -> pd.DataFrame:
    """RFM scores, segment and quadrant for buyers of the 12 months P-11 .. P (sales > 0); blank otherwise."""
    buyers = (year12["sales_fen"] > 0) & out["days_since_last_order"].notna()
    b = year12[buyers]
    scores = rfm_scores(out.loc[buyers, "days_since_last_order"], b["orders"], b["sales_fen"])
    scores["rfm_segment"] = rfm_segment(scores["rfm_r"], scores["rfm_f"], scores["rfm_m"])
    scores["quadrant"] = quadrant(b["profit_fen"], loyalty(b["months_with_orders"], RFM_MONTHS))
    scores = scores.reindex(out.index)
    for col in ("rfm_r", "rfm_f", "rfm_m"):
        scores[col] = scores[col].astype("Int64")
    return scores.astype({"rfm_segment": "str", "quadrant": "str"})


def _covered(customers: pd.DataFrame, day: dt.date) -> pd.Series:
    known = pd.to_datetime(customers["known_from"]).astype("datetime64[s]")
    return known.isna() | (known <= pd.Timestamp(day))


def _grading(inputs: SnapshotInputs, policy: Policy, cust: pd.DataFrame, wide: dict[str, pd.DataFrame],
             p: pd.Period) -> pd.DataFrame:
    """Computed, previous and effective grade, movement, score and window sums (docs/analytics.md §3.1)."""
    t = p.end_time.date()
    now = _grades_for(inputs, policy, cust["code"], wide, p, 0)
    prev_cust = cust[_covered(cust, (p - 1).end_time.date())]
    prev = _grades_for(inputs, policy, prev_cust["code"], wide, p - 1, 1)["grade"].reindex(cust.index)
    out = pd.DataFrame(index=cust.index)
    out["grade"] = apply_override(now["grade"], cust["override_grade"], cust["override_until"], t)
    out["computed_grade"] = now["grade"]
    out["previous_grade"] = prev.astype("str")
    out["movement"] = movement(now["grade"], prev)
    out["override_active"] = out["grade"] != out["computed_grade"]
    out["score"] = now["score"]
    return out.join(now.drop(columns=["grade", "score"]))


def _activity(inputs: SnapshotInputs, policy: Policy, index: pd.Index, p: pd.Period) -> pd.DataFrame:
    """Lifecycle, is_new, days since last order, surge / plunge flags, receivables (docs/analytics.md §3.2, §3.3,
    §2)."""
    t = p.end_time.date()
    first = _dates(inputs.first_last, "first_order_date", index)
    last = _dates(inputs.first_last, "last_order_date", index)
    out = pd.DataFrame(index=index)
    out["lifecycle"] = _lifecycle(inputs, policy, last, t)
    out["is_new"] = is_new(first, p.start_time.date(), t)
    out["days_since_last_order"] = days_since(last, t)
    out["first_order_date"] = first.dt.date.astype(object).where(first.notna(), None)
    out["last_order_date"] = last.dt.date.astype(object).where(last.notna(), None)
    sg, s = policy.surge, _fen(inputs.surge, ["cur_sales_fen", "prev_sales_fen", "cur_orders", "prev_orders"], index)
    out["sales_surge"], out["sales_plunge"] = surge_plunge(s["cur_sales_fen"], s["prev_sales_fen"], up=sg.up,
                                                           down=sg.down, min_base=cny_to_fen_cut(sg.min_base_amount))
    out["orders_surge"], out["orders_plunge"] = surge_plunge(s["cur_orders"], s["prev_orders"], up=sg.up,
                                                             down=sg.down, min_base=sg.min_base_orders)
    return out.join(_fen(inputs.receivables, ["receivable_fen", "overdue_fen"], index))


def compute_snapshot(inputs: SnapshotInputs, policy: Policy, *, year: int, month: int) -> pd.DataFrame:
    """One row per customer covered at T = last day of P, with every docs/analytics.md §3 figure; sorted by code.

    docs/analytics.md §3 (all) and "What a snapshot keeps". Previous grade = grade of P-1 recomputed from `monthly`
    under this policy, blank for customers not covered at P-1; it and movement use computed grades.
    """
    p = pd.Period(year=year, month=month, freq="M")
    cust = inputs.customers.set_index("customer_id")
    cust = cust[_covered(cust, p.end_time.date())]
    cust = cust.assign(code=cust["code"].astype("str")).sort_values("code", kind="mergesort")
    wide = _month_table(inputs.monthly, cust.index, p, max(RFM_MONTHS, window_months(policy)))
    out = pd.DataFrame({"code": cust["code"]}, index=cust.index).join(_grading(inputs, policy, cust, wide, p))
    out["sales_fen"], out["orders"] = wide["sales_fen"][0], wide["orders"][0]
    out["profit_fen"] = wide["profit_fen"][0]
    out["mom_growth"] = growth(wide["sales_fen"][0], wide["sales_fen"][1])
    out["yoy_growth"] = growth(wide["sales_fen"][0], wide["sales_fen"][12])
    out = out.join(_activity(inputs, policy, cust.index, p))
    year12 = _window(wide, 0, RFM_MONTHS)
    out = out.join(_rfm(out, year12)).join(year12.add_suffix("_12m"))
    act = recommended_action(out["lifecycle"], out["orders"] > 0, out["previous_grade"], out["sales_plunge"],
                             out["grade"])
    out["action"], out["action_reason"], out["action_reason_text"] = act["action"], act["reason_code"], act["reason"]
    out = out.rename_axis("customer_id").reset_index()
    return out[[*SNAPSHOT_COLUMNS, *[c for c in out.columns if c not in SNAPSHOT_COLUMNS]]]


SNAPSHOT_COLUMNS = [
    "customer_id", "code", "grade", "computed_grade", "previous_grade", "movement", "sales_fen", "orders",
    "profit_fen", "mom_growth", "yoy_growth", "lifecycle", "is_new", "days_since_last_order", "sales_surge",
    "sales_plunge", "orders_surge", "orders_plunge", "receivable_fen", "overdue_fen", "last_order_date",
    "rfm_r", "rfm_f", "rfm_m", "rfm_segment", "quadrant", "action", "action_reason",
]


def _counts(values: pd.Series, keys: tuple[str, ...]) -> dict[str, int]:
    found = values.value_counts()
    return {k: int(found.get(k, 0)) for k in keys}


def period_summary(frame: pd.DataFrame) -> dict[str, object]:
    """Dashboard figures of one snapshot table: per grade and lifecycle, buyers, average order value, flags.

    The dashboard's figures, with the period control of docs/analytics.md §3.5. Grades are effective; the
    transition matrix uses computed grades, previous -> current, with "none" for customers not covered at P-1.
    Money in int fen; avg order value in fen as a float (None without orders).
    """
    def per(column: str, keys: tuple[str, ...]) -> dict[str, dict[str, int]]:
        sales = frame.groupby(column)["sales_fen"].sum()
        counts = _counts(frame[column], keys)
        return {k: {"customers": counts[k], "sales_fen": int(sales.get(k, 0))} for k in keys}

    prev = frame["previous_grade"].fillna("none")
    matrix = {a: {b: int(((prev == a) & (frame["computed_grade"] == b)).sum()) for b in GRADES}
              for a in (*GRADES, "none")}
    orders, sales = int(frame["orders"].sum()), int(frame["sales_fen"].sum())
    flags = ("is_new", "sales_surge", "sales_plunge", "orders_surge", "orders_plunge", "override_active")
    return {
        "customers": len(frame), "sales_fen": sales, "orders": orders,
        "buying_customers": int((frame["orders"] > 0).sum()),
        "avg_order_value_fen": sales / orders if orders else None,
        "grades": per("grade", GRADES), "lifecycle": per("lifecycle", LIFECYCLES),
        "movement": _counts(frame["movement"], ("up", "down", "same")), "transitions": matrix,
        "flags": {f: int(frame[f].sum()) for f in flags if f in frame},
        "receivable_fen": int(frame["receivable_fen"].sum()), "overdue_fen": int(frame["overdue_fen"].sum()),
    }
