"""The rankings a data scientist would bring against the churn model (issue 21), scored on the same test rows.

Pure pandas/numpy, no Django. Every baseline returns one "risk" per test row (higher = more likely to stop), so
AUC and top-10% precision read them exactly like the model's probability:
- days_since_last: the longer since the last order, the riskier;
- fewest_orders: fewest positive orders in the last 12 months first;
- rfm: recency x frequency quintile scores (5 = most recent / most orders), their product ascending;
- bgnbd: 1 - P(alive) of a BG/NBD model (the `lifetimes` package) fitted on the calibration window, the
  LOOKBACK_DAYS up to T', of every customer who ordered in it. P(alive) is 1 for anyone without a repeat order
  in the window (a known property of BG/NBD), so one-time buyers rank as safe;
- bgnbd_purchases: the same fit's expected number of orders in the horizon, fewest first (uses frequency too).
"""

from __future__ import annotations

import contextlib
import io
import warnings
from typing import Any

import numpy as np
import pandas as pd

from .features import LOOKBACK_DAYS, ChurnInputs

BASELINES: tuple[str, ...] = ("days_since_last", "fewest_orders", "rfm", "bgnbd", "bgnbd_purchases")
BGNBD_PENALTIES = (0.001, 0.01, 0.1)  # lifetimes' L2 on the log-parameters, tried in turn until the fit converges


def _quintile(values: pd.Series) -> np.ndarray:
    """1..5 by rank (ties share the average rank), as the RFM scores of a snapshot are cut."""
    if not len(values):
        return np.zeros(0)
    pct = values.rank(method="average", pct=True).to_numpy()
    return np.clip(np.ceil(pct * 5), 1, 5)


def rfm_risk(test: pd.DataFrame) -> np.ndarray:
    """Minus R x F: the lowest cells (long ago, few orders) first."""
    recency = _quintile(-test["days_since_last"].astype("float64"))
    frequency = _quintile(test["orders_12m"].astype("float64"))
    return -(recency * frequency)


def calibration_summary(dates: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """frequency (repeat order days), recency and T in weeks over the LOOKBACK_DAYS up to T', per customer."""
    start = as_of - pd.Timedelta(days=LOOKBACK_DAYS)
    d = dates[(dates["order_date"] > start) & (dates["order_date"] <= as_of)]
    grouped = d.groupby("customer_id")["order_date"]
    first, last = grouped.min(), grouped.max()
    return pd.DataFrame({
        "frequency": (grouped.size() - 1).astype("float64"),
        "recency": (last - first).dt.days / 7.0,
        "T": (as_of - first).dt.days / 7.0 + 1.0 / 7.0,  # the first order's own day counts: T > 0
    })


HORIZON_WEEKS = 90 / 7.0  # the expected-orders horizon the model's features use (the default churn horizon)


def bgnbd_cached(inputs: ChurnInputs, as_of: pd.Timestamp, index: pd.Index) -> tuple[np.ndarray, np.ndarray]:
    """(P(alive), expected orders in 90 days) per row of `index`, one fit per T' per ChurnInputs (the folds of a
    backtest share most of their training month-ends)."""
    key = ("bgnbd", as_of)
    if key not in inputs.cache:
        summary = calibration_summary(inputs.dates, as_of)
        inputs.cache[key] = (summary, _bgnbd_fit(summary))
    summary, fitter = inputs.cache[key]
    return _bgnbd_predict(fitter, summary, index, HORIZON_WEEKS)


def bgnbd_params(dates: pd.DataFrame, as_of: pd.Timestamp) -> pd.Series | None:
    """The fitted BG/NBD parameters (r, alpha, a, b) of a book's order dates, None when no fit converges."""
    fitter = _bgnbd_fit(calibration_summary(dates, as_of))
    return None if fitter is None else fitter.params_


def bgnbd_use(inputs: ChurnInputs, as_of: pd.Timestamp, params: pd.Series | None) -> None:
    """Make `inputs` use parameters fitted elsewhere (the whole book) for T', instead of fitting its own rows."""
    fitter = None
    if params is not None:
        from lifetimes import BetaGeoFitter

        fitter = BetaGeoFitter()
        fitter.params_ = params  # what the conditional_* predictions read
    inputs.cache[("bgnbd", as_of)] = (calibration_summary(inputs.dates, as_of), fitter)


def _bgnbd_fit(summary: pd.DataFrame) -> Any:
    """A fitted BetaGeoFitter, trying larger penalties when the fit fails; None when none converges."""
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        # lifetimes 0.11.3 (2020) touches pandas options that pandas 3 deprecates (harmless, not ours), and
        # prints the optimiser's state when a fit fails.
        warnings.simplefilter("ignore")
        from lifetimes import BetaGeoFitter
        from lifetimes.utils import ConvergenceError

        if len(summary) < 10:
            return None
        for penalty in BGNBD_PENALTIES:
            try:
                return BetaGeoFitter(penalizer_coef=penalty).fit(summary["frequency"], summary["recency"],
                                                                 summary["T"])
            except ConvergenceError:
                continue
    return None


def _bgnbd_predict(fitter: Any, summary: pd.DataFrame, index: pd.Index,
                   weeks: float) -> tuple[np.ndarray, np.ndarray]:
    if fitter is None:  # no fit: the baseline knows nothing, a coin flip (AUC 0.5)
        return np.full(len(index), 0.5), np.full(len(index), 0.5)
    rows = summary.reindex(index)
    f, r, t = rows["frequency"].to_numpy(), rows["recency"].to_numpy(), rows["T"].to_numpy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        alive = np.asarray(fitter.conditional_probability_alive(f, r, t), dtype="float64")
        expected = np.asarray(fitter.conditional_expected_number_of_purchases_up_to_time(weeks, f, r, t),
                              dtype="float64")
    return np.nan_to_num(alive, nan=0.5), np.nan_to_num(expected, nan=0.0)


def bgnbd_risks(inputs: ChurnInputs, as_of: pd.Timestamp, index: pd.Index,
                horizon_days: int) -> tuple[np.ndarray, np.ndarray]:
    """(1 - P(alive), minus expected orders in the horizon) per test row, from one BG/NBD fitted on everyone who
    ordered in the calibration window."""
    bgnbd_cached(inputs, as_of, pd.Index([]))
    summary, fitter = inputs.cache[("bgnbd", as_of)]
    alive, expected = _bgnbd_predict(fitter, summary, index, horizon_days / 7.0)
    return 1.0 - alive, -expected



def baseline_risks(inputs: ChurnInputs, as_of: pd.Timestamp, test: pd.DataFrame,
                   horizon_days: int) -> dict[str, np.ndarray]:
    """Each baseline's risk for the rows of `test` (features_at's frame, index or column customer_id)."""
    ids = pd.Index(test["customer_id"] if "customer_id" in test.columns else test.index)
    alive, purchases = bgnbd_risks(inputs, as_of, ids, horizon_days)
    return {
        "days_since_last": test["days_since_last"].to_numpy(dtype="float64"),
        "fewest_orders": -test["orders_12m"].to_numpy(dtype="float64"),
        "rfm": rfm_risk(test),
        "bgnbd": alive,
        "bgnbd_purchases": purchases,
    }
