"""The churn model: a month-balanced logistic regression, calibrated on a held-out month-end, its metrics and reasons.

docs/analytics.md §3.7, issue 21. A logistic regression on a few standardised features (analytics.churn.features
FEATURES), then a sigmoid calibration (CalibratedClassifierCV on the frozen fit) fitted on the latest training
month-end, which the fit never saw: the shown "35%" then means about 35 of 100 such customers stop. Sigmoid rather
than isotonic because it keeps the ranking (no ties), so the backtest's AUC is the fit's. The fit is deterministic,
so a retrain on the same rows gives the same model.

Why not gradient boosting: scikit-learn's HistGradientBoosting (kept as kind="boosting", for the comparison in
docs/analytics.md) lost to the strongest baselines out of time on both demo generators, with every candidate
feature and with a small, regularised booster alike, while this logistic regression beat them; the booster also
learnt part of a feature that only tracks the calendar (tests/churn/test_backtest.py), the logistic fit none.

The training rows stack several month-ends whose churn share drifts (a growing or shrinking customer base,
seasons, the demo's churners accumulating): unweighted, features that merely grow with the calendar (tenure,
12-month sums) learn the drift instead of who stops. Each month-end's rows are therefore weighted so that every
month-end has the pooled churn share (month_balanced_weights); the ranking within one month-end is what counts.
The calibration slice is unweighted: it sets the level of the probabilities.

Reasons (`contributions`): how much the risk falls when one feature is set to the training rows' median, the
"typical customer", all else kept; positive = this feature pushes toward churn. scikit-learn is imported inside
the functions so that a command line that never trains starts quickly.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import joblib
import numpy as np
import pandas as pd

SEED = 20250101
ALGORITHM = "logistic_regression+sigmoid_calibration+month_balanced"
KINDS = ("logistic", "boosting")
MIN_CALIBRATION_ROWS = 100  # fewer rows in the latest month-end: calibrate on a seeded fifth of all rows


@dataclass
class ChurnClassifier:
    """The calibrated fit, the training medians (reasons) and the training churn share (reasons' gate)."""

    calibrated: Any
    reference: np.ndarray
    base_rate: float

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        return self.calibrated.predict_proba(x)


def month_balanced_weights(labels: np.ndarray, periods: np.ndarray) -> np.ndarray:
    """Row weights giving every period (as-of month-end) the pooled churn share; mean weight 1.

    Within a period churners get pooled share / period share and the others (1 - pooled) / (1 - period share),
    so a period's weight total is kept and only the between-period drift in the base rate is removed.
    """
    labels = np.asarray(labels, dtype=bool)
    if not len(labels):
        return np.ones(0)
    pooled = float(labels.mean())
    share = pd.Series(labels.astype("float64")).groupby(np.asarray(periods)).transform("mean").to_numpy()
    weights = np.where(labels, pooled / np.maximum(share, 1e-12), (1.0 - pooled) / np.maximum(1.0 - share, 1e-12))
    return weights / weights.mean()


def _calibration_slice(rows: pd.DataFrame, y: np.ndarray, period: str) -> np.ndarray:
    """True for the rows the calibration is fitted on: the latest month-end, else a seeded fifth of the rows;
    both outcomes must be on both sides of the split."""
    if period in rows.columns and len(rows) and (rows[period] != rows[period].iloc[0]).any():
        held = (rows[period] == rows[period].max()).to_numpy()
        if held.sum() >= MIN_CALIBRATION_ROWS and len(set(y[held])) == 2 and len(set(y[~held])) == 2:
            return held
    held = np.random.default_rng(SEED).random(len(rows)) < 0.2
    if len(set(y[held])) == 2 and len(set(y[~held])) == 2:
        return held
    return np.zeros(len(rows), dtype=bool)


def _estimator(kind: str) -> Any:
    """The unfitted classifier of a kind: "logistic" (what is used) or "boosting" (the comparison)."""
    if kind == "logistic":
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import Pipeline
        from sklearn.preprocessing import StandardScaler

        return Pipeline([("scale", StandardScaler()), ("logit", LogisticRegression(C=1.0, max_iter=2000))])
    if kind == "boosting":
        from sklearn.ensemble import HistGradientBoostingClassifier

        return HistGradientBoostingClassifier(
            learning_rate=0.05, max_iter=200, max_leaf_nodes=15, min_samples_leaf=40, l2_regularization=1.0,
            early_stopping=False, random_state=SEED,
        )
    raise ValueError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")


def model_fit(rows: pd.DataFrame, features: Sequence[str], *, label: str = "churned",
              period: str = "as_of", kind: str = "logistic") -> ChurnClassifier:
    """Fit on the older month-ends and calibrate on the latest (the caller checked both classes).

    Rows are month-balanced over the `period` column when it is there (see the module docstring).
    """
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.frozen import FrozenEstimator

    x = rows[list(features)].to_numpy(dtype="float64")
    y = rows[label].to_numpy(dtype=bool)
    held = _calibration_slice(rows, y, period)
    train = ~held if held.any() else np.ones(len(rows), dtype=bool)
    periods = rows[period].to_numpy()[train] if period in rows.columns else np.zeros(int(train.sum()))
    fitted = _estimator(kind)
    weights = month_balanced_weights(y[train], periods)
    if kind == "logistic":
        fitted.fit(x[train], y[train], logit__sample_weight=weights)
    else:
        fitted.fit(x[train], y[train], sample_weight=weights)
    # With no clean slice (a tiny book) the calibration reuses the training rows: better than none.
    cal = held if held.any() else train
    calibrated = CalibratedClassifierCV(FrozenEstimator(fitted), method="sigmoid").fit(x[cal], y[cal])
    return ChurnClassifier(calibrated=calibrated, reference=np.median(x[train], axis=0), base_rate=float(y.mean()))


def model_predict(pipe: Any, rows: pd.DataFrame, features: Sequence[str]) -> np.ndarray:
    """Probability of churn (no order in the horizon), 0..1, one per row."""
    if not len(rows):
        return np.zeros(0)
    return pipe.predict_proba(rows[list(features)].to_numpy(dtype="float64"))[:, 1]


def contributions(pipe: Any, rows: pd.DataFrame, features: Sequence[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(push, side) per row and feature: how much the risk falls when that feature alone is set to the
    training median (positive = toward churn), and the sign of value - median (+1 above, -1 below, 0 at it).

    A logistic pipeline of an older release (its blob is still in the database) answers coefficient x
    standardised value, and the sign of the standardised value.
    """
    x = rows[list(features)].to_numpy(dtype="float64")
    empty = pd.DataFrame(np.zeros((len(rows), len(features))), index=rows.index, columns=list(features))
    if not len(rows):
        return empty, empty.copy()
    if not isinstance(pipe, ChurnClassifier):
        scaled = pipe.named_steps["scale"].transform(x)
        push = scaled * pipe.named_steps["logit"].coef_[0]
        return (pd.DataFrame(push, index=rows.index, columns=list(features)),
                pd.DataFrame(np.sign(scaled), index=rows.index, columns=list(features)))
    base = pipe.predict_proba(x)[:, 1]
    n, k = x.shape
    # Every row once per feature, that feature at the median: one predict call for the whole page.
    stacked = np.repeat(x[None, :, :], k, axis=0)
    stacked[np.arange(k), :, np.arange(k)] = pipe.reference[:, None]
    typical = pipe.predict_proba(stacked.reshape(k * n, -1))[:, 1].reshape(k, n).T
    return (pd.DataFrame(base[:, None] - typical, index=rows.index, columns=list(features)),
            pd.DataFrame(np.sign(x - pipe.reference[None, :]), index=rows.index, columns=list(features)))


def top_reasons(contrib: pd.DataFrame, *, top: int = 3) -> pd.Series:
    """The features pushing hardest toward churn per row (positive contributions only, largest first)."""
    values = contrib.to_numpy()
    names = np.array(contrib.columns)
    order = np.argsort(-values, axis=1, kind="stable")[:, :top]
    picked = np.take_along_axis(values, order, axis=1)
    return pd.Series(
        [list(names[o][p > 0]) for o, p in zip(order, picked, strict=True)], index=contrib.index, dtype=object
    )


def auc(labels: np.ndarray, scores: np.ndarray) -> float | None:
    """ROC AUC (ties count half); None when only one class is present."""
    from sklearn.metrics import roc_auc_score

    labels = np.asarray(labels, dtype=bool)
    if labels.all() or not labels.any():
        return None
    return float(roc_auc_score(labels, scores))


def top_precision(labels: np.ndarray, scores: np.ndarray, *, share: float = 0.1) -> float | None:
    """Share of churners among the top `share` of rows by score; ties at the cut count pro rata.

    A list ranked by days since last order has many ties; sharing the cut's tied rows pro rata gives the
    expected precision of an arbitrary tie-break instead of rewarding a lucky one.
    """
    labels = np.asarray(labels, dtype=float)
    scores = np.asarray(scores, dtype=float)
    n = len(scores)
    if n == 0:
        return None
    k = max(1, math.ceil(share * n))
    cut = np.sort(scores)[::-1][k - 1]
    above = scores > cut
    tied = scores == cut
    room = k - int(above.sum())
    hits = labels[above].sum() + room * labels[tied].mean()
    return float(hits / k)


def model_dump(pipe: Any, features: Sequence[str]) -> bytes:
    """Bytes for ChurnModel.blob (joblib of the pipeline and its feature order)."""
    buffer = io.BytesIO()
    joblib.dump({"pipeline": pipe, "features": list(features)}, buffer)
    return buffer.getvalue()


def model_load(blob: bytes) -> tuple[Any, list[str]]:
    """The pipeline and feature order from ChurnModel.blob. Only our own stored bytes are ever loaded."""
    loaded = joblib.load(io.BytesIO(bytes(blob)))
    return loaded["pipeline"], loaded["features"]
