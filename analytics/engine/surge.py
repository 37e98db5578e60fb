"""Surge and plunge of sales and order counts between two equal windows ending at T.

docs/analytics.md §3.3.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd

from .money import Number, as_fraction, ratio_ge, ratio_le


def surge_windows(as_of: dt.date, window_days: int) -> tuple[tuple[dt.date, dt.date], tuple[dt.date, dt.date]]:
    """Return ((cur_start, cur_end), (prev_start, prev_end)), both inclusive.

    docs/analytics.md §3.3: cur = T-w+1 .. T, prev = T-2w+1 .. T-w.
    """
    w = dt.timedelta(days=window_days)
    one = dt.timedelta(days=1)
    return (as_of - w + one, as_of), (as_of - 2 * w + one, as_of - w)


def surge_plunge(cur: pd.Series, prev: pd.Series, *, up: Number, down: Number,
                 min_base: Number) -> tuple[pd.Series, pd.Series]:
    """Return (surge, plunge) bool Series: (cur - prev) / prev >= up, or <= -down, when prev >= min_base.

    docs/analytics.md §3.3, exact: compared as (cur - prev) x den >= num x prev in integers. The base is inclusive and
    in the same unit as cur / prev (fen for sales, a count for orders); prev <= 0 never flags.
    """
    c = cur.astype("int64").to_numpy()
    p = prev.astype("int64").to_numpy()
    base = as_fraction(min_base)
    eligible = (p > 0) & (p >= math.ceil(base))
    delta = c - p
    surge = eligible & ratio_ge(delta, p, up)
    plunge = eligible & ratio_le(delta, p, -as_fraction(down))
    return (pd.Series(np.asarray(surge, dtype=bool), index=cur.index),
            pd.Series(np.asarray(plunge, dtype=bool), index=cur.index))
