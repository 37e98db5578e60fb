"""Grading of customers A/B/C/D by the four methods, overrides, movement and growth.

docs/analytics.md §3.1. Buyers are customers with sales > 0 over the window; everyone else is D. Buyers are ranked by
sales descending, ties by customer code ascending. All cuts are compared exactly (integers / Fractions).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction
from math import lcm

import numpy as np
import pandas as pd

from .money import ceil_times, cny_to_fen_cut
from .policy import Policy, Weights

GRADES = ("A", "B", "C", "D")
GRADE_ORDER = {"A": 4, "B": 3, "C": 2, "D": 1}
METRIC_COLUMNS = {"sales": "sales_fen", "profit": "profit_fen", "frequency": "orders",
                  "loyalty": "loyalty", "punctuality": "punctuality"}


def _all_d(index: pd.Index) -> pd.Series:
    return pd.Series("D", index=index, dtype="str")


def buyer_rank(sales_fen: pd.Series, codes: pd.Series) -> pd.Series:
    """Return each buyer's 1-based rank (sales desc, code asc); non-buyers get 0.

    docs/analytics.md §3.1 "ranked by sales descending, ties by customer code ascending".
    """
    frame = pd.DataFrame({"sales": sales_fen.astype("int64"), "code": codes.astype("str")}, index=sales_fen.index)
    buyers = frame[frame["sales"] > 0].sort_values(["sales", "code"], ascending=[False, True], kind="mergesort")
    rank = pd.Series(0, index=sales_fen.index, dtype="int64")
    rank.loc[buyers.index] = np.arange(1, len(buyers) + 1, dtype="int64")
    return rank


def _grade_by_rank(rank: pd.Series, cuts: list[int], rest: str) -> pd.Series:
    """A if 0 < rank <= cuts[0], B if <= cuts[1], ...; remaining buyers get `rest`; non-buyers D."""
    grades = np.full(len(rank), "D", dtype=object)
    r = rank.to_numpy()
    assigned = r <= 0
    for grade, cut in zip(GRADES, cuts, strict=False):
        hit = ~assigned & (r <= cut)
        grades[hit] = grade
        assigned |= hit
    grades[~assigned] = rest
    return pd.Series(grades, index=rank.index, dtype="str")


def grade_fixed_amount(sales_fen: pd.Series, *, a: Decimal, b: Decimal, c: Decimal) -> pd.Series:
    """Grade by window sales against CNY amounts: A if >= a, B if >= b, C if >= c, else D (non-buyers D).

    docs/analytics.md §3.1 fixed_amount; cuts are CNY, compared exactly with fen as s >= ceil(cut x 100).
    """
    s = sales_fen.astype("int64").to_numpy()
    ca, cb, cc = (cny_to_fen_cut(x) for x in (a, b, c))
    grades = np.select([s <= 0, s >= ca, s >= cb, s >= cc], ["D", "A", "B", "C"], default="D")
    return pd.Series(grades, index=sales_fen.index, dtype="str")


def grade_cumulative_share(sales_fen: pd.Series, codes: pd.Series, *, a: Decimal, b: Decimal) -> pd.Series:
    """Grade by cumulative share: s = sales of buyers ranked above; A if s < a x total, B if s < b x total, else C.

    docs/analytics.md §3.1 cumulative_share; the buyer who crosses a cut belongs to the higher grade. For integer s,
    s < x exactly when s < ceil(x), so each cut is one exact integer.
    """
    rank = buyer_rank(sales_fen, codes)
    buyers = rank[rank > 0].sort_values()
    sales = sales_fen.loc[buyers.index].astype("int64")
    total = int(sales.sum())
    above = sales.cumsum() - sales  # sales of the buyers ranked above this one
    cut_a, cut_b = ceil_times(a, total), ceil_times(b, total)
    grades = _all_d(sales_fen.index).to_numpy(dtype=object)
    pos = sales_fen.index.get_indexer(buyers.index)
    grades[pos] = np.select([above < cut_a, above < cut_b], ["A", "B"], default="C")
    return pd.Series(grades, index=sales_fen.index, dtype="str")


def grade_rank_percentile(sales_fen: pd.Series, codes: pd.Series, *, a: Decimal, b: Decimal,
                          c: Decimal) -> pd.Series:
    """Grade by rank r among n buyers: A if r <= ceil(a n), B if r <= ceil(b n), C if r <= ceil(c n), else D.

    docs/analytics.md §3.1 rank_percentile; ceil(0.07 x 100) is exactly 7.
    """
    rank = buyer_rank(sales_fen, codes)
    n = int((rank > 0).sum())
    return _grade_by_rank(rank, [ceil_times(x, n) for x in (a, b, c)], rest="D")


def percentile_twice_rank(values: pd.Series) -> pd.Series:
    """Return 2 x the average-tie rank (an exact integer); rank(pct=True) is this / (2 n).

    docs/analytics.md §3.1 weighted_score percentile ranks, kept exact so equal scores really tie.
    """
    return (values.rank(method="average") * 2).round().astype("int64")


def weighted_score_key(metrics: pd.DataFrame, weights: Weights) -> tuple[pd.Series, int]:
    """Return (key, scale) with score = 100 x key / scale exactly, for the rows given (buyers).

    docs/analytics.md §3.1 weighted_score: score = 100 x sum(weight x percentile), percentile = rank(pct=True), average
    ties. Weights are Decimal; with d = the common denominator of the weights, every term is an integer.
    """
    fracs = {name: Fraction(getattr(weights, name)) for name in METRIC_COLUMNS}
    denom = lcm(*(f.denominator for f in fracs.values()))
    key = pd.Series(0, index=metrics.index, dtype="int64")
    for name, column in METRIC_COLUMNS.items():
        w = fracs[name]
        if w:
            key = key + percentile_twice_rank(metrics[column]) * int(w * denom)
    return key, denom * 2 * max(len(metrics), 1)


def grade_weighted_score(metrics_df: pd.DataFrame, codes: pd.Series, *, weights: Weights, a: Decimal,
                         b: Decimal) -> pd.DataFrame:
    """Grade buyers by weighted percentile score; return DataFrame[grade, score] (score NA for non-buyers).

    docs/analytics.md §3.1 weighted_score: ordered by score desc, then sales desc, then code asc; A if r <= ceil(a n),
    B if r <= ceil(b n), other buyers C, non-buyers D. Metrics columns: sales_fen, profit_fen, orders,
    loyalty, punctuality (only columns with a weight > 0 are needed).
    """
    buyers = metrics_df[metrics_df["sales_fen"] > 0]
    key, scale = weighted_score_key(buyers, weights)
    order = pd.DataFrame({"key": key, "sales": buyers["sales_fen"].astype("int64"),
                          "code": codes.loc[buyers.index].astype("str")})
    order = order.sort_values(["key", "sales", "code"], ascending=[False, False, True], kind="mergesort")
    rank = pd.Series(0, index=metrics_df.index, dtype="int64")
    rank.loc[order.index] = np.arange(1, len(order) + 1, dtype="int64")
    n = len(order)
    grade = _grade_by_rank(rank, [ceil_times(a, n), ceil_times(b, n)], rest="C")
    score = pd.Series(pd.NA, index=metrics_df.index, dtype="Float64")
    score.loc[buyers.index] = (key * 100 / scale).astype("float64")
    return pd.DataFrame({"grade": grade, "score": score})


def loyalty(months_with_orders: pd.Series, window_months: int) -> pd.Series:
    """Loyalty = months of the window with at least one order / window months.

    docs/analytics.md §3.1 loyalty.
    """
    return months_with_orders.astype("float64") / float(window_months)


def grade_customers(frame: pd.DataFrame, policy: Policy) -> pd.DataFrame:
    """Grade every row of `frame` (one per covered customer) by the policy's method; DataFrame[grade, score].

    docs/analytics.md §3.1 (one method is active). frame columns: code, sales_fen (window) and, for weighted_score,
    profit_fen, orders, loyalty, punctuality. score is NA except under weighted_score.
    """
    method = policy.method
    if method == "weighted_score":
        ws = policy.weighted_score
        return grade_weighted_score(frame, frame["code"], weights=ws.weights, a=ws.a, b=ws.b)
    sales = frame["sales_fen"]
    if method == "fixed_amount":
        fa = policy.fixed_amount
        grade = grade_fixed_amount(sales, a=fa.a, b=fa.b, c=fa.c)
    elif method == "cumulative_share":
        cs = policy.cumulative_share
        grade = grade_cumulative_share(sales, frame["code"], a=cs.a, b=cs.b)
    elif method == "rank_percentile":
        rp = policy.rank_percentile
        grade = grade_rank_percentile(sales, frame["code"], a=rp.a, b=rp.b, c=rp.c)
    else:
        raise ValueError(f"unknown grading method {method!r}")
    return pd.DataFrame({"grade": grade, "score": pd.Series(pd.NA, index=frame.index, dtype="Float64")})


def apply_override(computed: pd.Series, override_grade: pd.Series, override_until: pd.Series,
                   as_of: dt.date | pd.Series) -> pd.Series:
    """Effective grade: the manual override where set and as_of <= its end date (inclusive), else computed.

    docs/analytics.md §3.1 manual override. Reading: an override without an end date holds until it is removed. `as_of`
    is one T for every row (a period's snapshot), or one per row (one customer's rows of several periods).
    """
    until = pd.to_datetime(override_until)
    when = pd.to_datetime(as_of) if isinstance(as_of, pd.Series) else pd.Timestamp(as_of)
    has = override_grade.notna() & override_grade.isin(GRADES)
    live = has & (until.isna() | (until >= when))
    return computed.where(~live, override_grade).astype("str")


def movement(current: pd.Series, previous: pd.Series) -> pd.Series:
    """Return "up"/"down"/"same" comparing computed grades (A > B > C > D); NA when either is blank.

    docs/analytics.md §3.1 movement.
    """
    cur = current.map(GRADE_ORDER)
    prev = previous.map(GRADE_ORDER)
    out = np.select([cur > prev, cur < prev, cur == prev], ["up", "down", "same"], default="")
    result = pd.Series(out, index=current.index, dtype="str")
    return result.where(cur.notna() & prev.notna(), pd.NA)


def growth(cur_fen: pd.Series, base_fen: pd.Series) -> pd.Series:
    """Return (cur - base) / base as Float64, NA when base <= 0.

    docs/analytics.md §3.1 month-over-month / year-over-year growth ("blank when the base is <= 0").
    """
    cur = cur_fen.astype("int64")
    base = base_fen.astype("int64")
    value = ((cur - base) / base.where(base > 0)).astype("Float64")
    return value.where(base > 0, pd.NA)
