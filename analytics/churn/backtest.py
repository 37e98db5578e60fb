"""Out-of-time backtest of the churn model against the baselines a data scientist would bring, and the final fit.

§3.7 of docs/analytics.md. For a test month-end T' (T' + H <= T), the model is trained only on month-ends T'' with
T'' + H <= T' (their labels were known at T'), then scored on T'; every baseline (analytics.churn.baselines:
days since last order, fewest orders, RFM, BG/NBD) ranks the same test rows. The model "beats the baseline"
(and is used on pages) only when its mean over the test month-ends is above every baseline's on both AUC and
top-10% precision. Each scorer's spread across the month-ends is kept too (mean, 95% t-interval, min, max).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .baselines import BASELINES, baseline_risks
from .calibration import fold_counts, pooled
from .features import FEATURES, ChurnInputs, prepared, training_frame
from .model import auc, model_fit, model_predict, top_precision

METRICS = ("auc", "top_precision")


@dataclass(frozen=True)
class ChurnConfig:
    horizon_days: int = 90
    # Who is scored: customers not yet churned (last order within churn_days = 90 of T). Those gone longer
    # are already flagged churned; ranking them would fill the top 10% with the already-lost.
    population_days: int = 90
    max_periods: int = 12  # training month-ends, most recent first
    test_periods: int = 6  # backtest month-ends, most recent first (their mean is less noisy than one month)
    # Month-ends this close to the ledger's first order see truncated histories (everyone looks new, the
    # 12-month windows are short): their rows would teach the model the ledger's start, not customers.
    warmup_days: int = 90
    min_rows: int = 200
    min_class_rows: int = 20
    top_share: float = 0.1


@dataclass
class Fit:
    """A trained model, or the reason there is none."""

    pipeline: Any = None
    reason: str = ""
    rows: int = 0
    periods: int = 0
    churn_share: float | None = None


@dataclass
class Backtest:
    periods: list[dict[str, Any]] = field(default_factory=list)
    model: dict[str, float | None] = field(default_factory=dict)
    baseline: dict[str, float | None] = field(default_factory=dict)  # days since last order (the first baseline)
    # scorer ("model" and each of BASELINES) -> metric -> {mean, low, high, min, max, folds}
    table: dict[str, dict[str, dict[str, float | None]]] = field(default_factory=dict)
    # baseline -> metric -> spread of (model - baseline) per fold, plus "won": folds where the model was higher
    paired: dict[str, dict[str, dict[str, float | None]]] = field(default_factory=dict)
    best_baseline: str = ""  # the baseline with the highest mean AUC: what pages rank by without the model
    # The model's risks against what happened (analytics.churn.calibration): bands pooled over the folds, and the
    # Brier score across folds beside that of forecasting the training churn share for everyone.
    calibration: dict[str, Any] = field(default_factory=dict)
    beats_baseline: bool = False
    reason: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def month_end(day: dt.date) -> dt.date:
    nxt = (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    return nxt - dt.timedelta(days=1)


def label_ready_month_ends(first_order: dt.date | None, as_of: dt.date, horizon_days: int,
                           warmup_days: int = 0) -> list[dt.date]:
    """Every month-end T' >= first order + warm-up with T' + H <= T, oldest first."""
    if first_order is None:
        return []
    out, cur = [], month_end(first_order + dt.timedelta(days=warmup_days))
    while cur + dt.timedelta(days=horizon_days) <= as_of:
        out.append(cur)
        cur = month_end(cur + dt.timedelta(days=1))
    return out


def earliest_as_of(first_order: dt.date | None, as_of: dt.date, config: ChurnConfig) -> dt.date | None:
    """The oldest month-end the backtest and the final fit will read: the data has to start a year before it."""
    ends = label_ready_month_ends(first_order, as_of, config.horizon_days, config.warmup_days)
    if not ends:
        return None
    needed = set(ends[-config.max_periods:])
    for test_end in ends[::-1][:config.test_periods]:
        needed.update([e for e in ends if e + dt.timedelta(days=config.horizon_days) <= test_end][-config.max_periods:])
    return min(needed)


def _first_day(inputs: ChurnInputs) -> dt.date | None:
    if not len(inputs.first_order):
        return None
    return pd.Timestamp(inputs.first_order.min()).date()


def fit_rows(rows: pd.DataFrame, config: ChurnConfig) -> Fit:
    """Fit on stacked training rows, or say why not (too few rows, one class only)."""
    n = len(rows)
    periods = int(rows["as_of"].nunique()) if n else 0
    churned = int(rows["churned"].sum()) if n else 0
    fit = Fit(rows=n, periods=periods, churn_share=(churned / n) if n else None)
    if n < config.min_rows:
        fit.reason = f"only {n} labelled rows over {periods} month-ends (at least {config.min_rows} needed)"
    elif min(churned, n - churned) < config.min_class_rows:
        fit.reason = (f"{churned} of {n} labelled rows churned: both outcomes need at least "
                      f"{config.min_class_rows} rows")
    else:
        fit.pipeline = model_fit(rows, FEATURES)
    return fit


def fit_final(inputs: ChurnInputs, as_of: dt.date, config: ChurnConfig) -> Fit:
    """The model to score T with: trained on the latest `max_periods` month-ends whose labels are known at T."""
    inputs = prepared(inputs)
    ends = label_ready_month_ends(_first_day(inputs), as_of, config.horizon_days, config.warmup_days)
    ends = ends[-config.max_periods:]
    if not ends:
        return Fit(reason=f"no month-end has {config.horizon_days} days of history after it yet")
    rows = training_frame(inputs, ends, horizon_days=config.horizon_days, population_days=config.population_days)
    return fit_rows(rows, config)


def _scores(labels: np.ndarray, scores: np.ndarray, share: float) -> dict[str, float | None]:
    return {"auc": auc(labels, scores), "top_precision": top_precision(labels, scores, share=share)}


def _one_period(inputs: ChurnInputs, test_end: dt.date, ends: list[dt.date], config: ChurnConfig) -> dict[str, Any]:
    train_ends = [e for e in ends if e + dt.timedelta(days=config.horizon_days) <= test_end][-config.max_periods:]
    period: dict[str, Any] = {"test_as_of": test_end.isoformat(), "train_periods": len(train_ends)}
    train = training_frame(inputs, train_ends, horizon_days=config.horizon_days,
                           population_days=config.population_days)
    fit = fit_rows(train, config)
    test = training_frame(inputs, [test_end], horizon_days=config.horizon_days,
                          population_days=config.population_days)
    labels = test["churned"].to_numpy(dtype=bool)
    share = float(labels.mean()) if len(test) else None
    period.update(train_rows=fit.rows, test_rows=len(test), test_churn_share=share)
    if fit.pipeline is None:
        period["skipped"] = fit.reason
        return period
    if auc(labels, np.zeros(len(labels))) is None:
        period["skipped"] = "the test month-end has only one outcome"
        return period
    risk = model_predict(fit.pipeline, test, FEATURES)
    period["model"] = _scores(labels, risk, config.top_share)
    period["calibration"] = fold_counts(labels, risk, base_rate=fit.churn_share)
    risks = baseline_risks(inputs, pd.Timestamp(test_end), test, config.horizon_days)
    period["baselines"] = {name: _scores(labels, risk, config.top_share) for name, risk in risks.items()}
    period["baseline"] = period["baselines"]["days_since_last"]
    return period


def _values(periods: list[dict[str, Any]], who: str, metric: str) -> list[float]:
    found = [p[who] if who == "model" else p["baselines"][who] for p in periods if "model" in p]
    return [float(f[metric]) for f in found if f[metric] is not None]


def _mean(periods: list[dict[str, Any]], who: str, metric: str) -> float | None:
    values = _values(periods, who, metric)
    return float(np.mean(values)) if values else None


def spread(values: list[float]) -> dict[str, float | None]:
    """Mean, 95% t-interval of the mean, min and max across test month-ends (no interval from one fold)."""
    from scipy import stats

    if not values:
        return {"mean": None, "low": None, "high": None, "min": None, "max": None, "folds": 0}
    arr = np.asarray(values, dtype="float64")
    mean = float(arr.mean())
    half = float(stats.t.ppf(0.975, len(arr) - 1) * arr.std(ddof=1) / np.sqrt(len(arr))) if len(arr) > 1 else None
    return {"mean": mean, "low": None if half is None else mean - half, "high": None if half is None else mean + half,
            "min": float(arr.min()), "max": float(arr.max()), "folds": len(arr)}


def _paired(periods: list[dict[str, Any]], baseline: str, metric: str) -> dict[str, float | None]:
    """spread() of model minus baseline over the folds where both have the metric, and how many the model won."""
    pairs = [(p["model"][metric], p["baselines"][baseline][metric]) for p in periods if "model" in p]
    diffs = [float(m) - float(b) for m, b in pairs if m is not None and b is not None]
    return {**spread(diffs), "won": sum(d > 0 for d in diffs)}


def _verdict(table: dict[str, dict[str, dict[str, float | None]]]) -> bool:
    """True when the model's mean is above every baseline's on both metrics."""
    model = table["model"]
    for name in BASELINES:
        for metric in METRICS:
            m, b = model[metric]["mean"], table[name][metric]["mean"]
            if m is None or b is None or m <= b:
                return False
    return True


def backtest(inputs: ChurnInputs, as_of: dt.date, config: ChurnConfig) -> Backtest:
    """Rolling out-of-time backtest over the latest `test_periods` label-ready month-ends (docs/analytics.md §3.7)."""
    inputs = prepared(inputs)
    ends = label_ready_month_ends(_first_day(inputs), as_of, config.horizon_days, config.warmup_days)
    result = Backtest()
    for test_end in ends[::-1][:config.test_periods][::-1]:
        result.periods.append(_one_period(inputs, test_end, ends, config))
    scored = [p for p in result.periods if "model" in p]
    result.model = {metric: _mean(scored, "model", metric) for metric in METRICS}
    result.baseline = {metric: _mean(scored, "days_since_last", metric) for metric in METRICS}
    if not scored:
        reasons = sorted({p.get("skipped", "") for p in result.periods} - {""})
        result.reason = "; ".join(reasons) or "not enough history for an out-of-time test"
        return result
    result.table = {who: {metric: spread(_values(scored, who, metric)) for metric in METRICS}
                    for who in ("model", *BASELINES)}
    result.paired = {name: {metric: _paired(scored, name, metric) for metric in METRICS} for name in BASELINES}
    result.calibration = {
        "bands": pooled([p["calibration"] for p in scored]),
        "brier": spread([p["calibration"]["brier"] for p in scored if p["calibration"]["brier"] is not None]),
        "base_brier": spread([p["calibration"]["base_brier"] for p in scored
                              if p["calibration"]["base_brier"] is not None]),
    }
    result.best_baseline = max(BASELINES, key=lambda n: result.table[n]["auc"]["mean"] or 0.0)
    result.beats_baseline = _verdict(result.table)
    if not result.beats_baseline:
        losing = [n for n in BASELINES if any((result.table["model"][k]["mean"] or 0.0)
                                              <= (result.table[n][k]["mean"] or 0.0) for k in METRICS)]
        result.reason = ("the model does not beat every baseline on both AUC and top-10% precision "
                         f"(not: {', '.join(losing)})")
    return result
