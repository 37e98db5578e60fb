"""RFM scores and segments, and the value x loyalty quadrant, over the 12 months P-11 .. P.

docs/analytics.md §3.4. Callers pass buyers only (sales > 0 over the 12 months); non-buyers have no RFM and no quadrant.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# docs/analytics.md §3.4 table: segment, (R range), (F range), (M range); the first matching row wins.
SEGMENTS: tuple[tuple[str, tuple[int, int], tuple[int, int], tuple[int, int]], ...] = (
    ("Champions", (4, 5), (4, 5), (4, 5)),
    ("Cannot lose", (1, 1), (4, 5), (4, 5)),
    ("Loyal", (2, 5), (3, 5), (3, 5)),
    ("Need attention", (2, 3), (2, 3), (2, 3)),
    ("At risk", (1, 2), (2, 5), (2, 5)),
    ("New", (4, 5), (1, 1), (1, 1)),
    ("Promising", (3, 4), (1, 1), (1, 1)),
    ("Potential loyalist", (3, 5), (1, 3), (1, 3)),
    ("About to sleep", (2, 3), (1, 2), (1, 2)),
    ("Lost", (1, 2), (1, 2), (1, 2)),
)
OTHERS = "Others"
QUADRANTS = ("strategic_partner", "retain", "develop", "build_relationship")


def quintile_score(values: pd.Series, *, higher_is_better: bool = True) -> pd.Series:
    """Score 1..5: rank r from worst to best, ties taking their lowest rank; score = ceil(5 r / n), exact.

    docs/analytics.md §3.4 scoring.
    """
    n = len(values)
    if n == 0:
        return pd.Series([], index=values.index, dtype="int64")
    keyed = values if higher_is_better else -values
    r = keyed.rank(method="min", ascending=True).astype("int64")
    return ((5 * r + n - 1) // n).astype("int64")


def rfm_scores(recency_days: pd.Series, frequency: pd.Series, monetary: pd.Series) -> pd.DataFrame:
    """DataFrame[rfm_r, rfm_f, rfm_m] of 1..5 scores for the buyers given.

    docs/analytics.md §3.4: R = days since last order (fewer is better), F = orders, M = sales, over P-11 .. P.
    """
    return pd.DataFrame({
        "rfm_r": quintile_score(recency_days.astype("int64"), higher_is_better=False),
        "rfm_f": quintile_score(frequency.astype("int64")),
        "rfm_m": quintile_score(monetary.astype("int64")),
    }, index=recency_days.index)


def rfm_segment(r: pd.Series, f: pd.Series, m: pd.Series) -> pd.Series:
    """Segment name of each (R, F, M): the first matching row of the docs/analytics.md §3.4 table, else "Others".

    docs/analytics.md §3.4 segment table. Rows with a missing score get NA (non-buyers have no RFM).
    """
    rv, fv, mv = (s.astype("Int64").fillna(0).to_numpy(dtype="int64") for s in (r, f, m))
    out = np.full(len(r), OTHERS, dtype=object)
    done = np.zeros(len(r), dtype=bool)
    for name, (r0, r1), (f0, f1), (m0, m1) in SEGMENTS:
        hit = ~done & (rv >= r0) & (rv <= r1) & (fv >= f0) & (fv <= f1) & (mv >= m0) & (mv <= m1)
        out[hit] = name
        done |= hit
    result = pd.Series(out, index=r.index, dtype="str")
    return result.where(r.notna() & f.notna() & m.notna(), pd.NA)


def quadrant(profit_fen: pd.Series, loyalty: pd.Series) -> pd.Series:
    """Value x loyalty quadrant of each buyer given: strategic_partner, retain, develop, build_relationship.

    docs/analytics.md §3.4 quadrant (seed 004): value = profit percentile, loyalty = loyalty percentile among the buyers
    given, rank(pct=True) with average ties; >= 0.5 is high. Compared exactly as 2 x avg rank >= n.
    """
    n = len(profit_fen)
    high_value = (profit_fen.rank(method="average") * 2).round().astype("int64") >= n
    high_loyalty = (loyalty.rank(method="average") * 2).round().astype("int64") >= n
    values = np.select([high_value & high_loyalty, high_value, high_loyalty], list(QUADRANTS[:3]),
                       default=QUADRANTS[3])
    return pd.Series(values, index=profit_fen.index, dtype="str")
