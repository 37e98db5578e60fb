"""The churn model: standardised logistic regression, its metrics and its per-customer reasons.

docs/analytics.md §3.7. Pure scikit-learn (no Django). Logistic regression because each customer's reasons fall out of
it exactly (coefficient x standardised value) and it is deterministic; the solver has no randomness, and the seed is
fixed anyway so a retrain on the same rows gives the same coefficients.

The training rows stack several month-ends whose churn share drifts (a growing or shrinking customer base,
seasons, the demo's churners accumulating): unweighted, features that merely grow with the calendar (tenure,
12-month sums) learn the drift instead of who stops. Each month-end's rows are therefore weighted so that every
month-end has the pooled churn share (month_balanced_weights); the ranking within one month-end is what counts.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence

import joblib
import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

SEED = 20250101
ALGORITHM = "logistic_regression+standard_scaler+month_balanced"


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


def model_fit(rows: pd.DataFrame, features: Sequence[str], *, label: str = "churned",
              period: str = "as_of") -> Pipeline:
    """Fit StandardScaler + LogisticRegression on `rows` (the caller checked both classes are present).

    Rows are month-balanced over the `period` column when it is there (see the module docstring).
    """
    pipe = Pipeline([
        ("scale", StandardScaler()),
        ("logit", LogisticRegression(C=1.0, max_iter=2000, random_state=SEED)),
    ])
    y = rows[label].to_numpy(dtype=bool)
    weights = month_balanced_weights(y, rows[period].to_numpy()) if period in rows.columns else None
    pipe.fit(rows[list(features)].to_numpy(dtype="float64"), y, logit__sample_weight=weights)
    return pipe


def model_predict(pipe: Pipeline, rows: pd.DataFrame, features: Sequence[str]) -> np.ndarray:
    """Probability of churn (no order in the horizon), 0..1, one per row."""
    if not len(rows):
        return np.zeros(0)
    return pipe.predict_proba(rows[list(features)].to_numpy(dtype="float64"))[:, 1]


def contributions(pipe: Pipeline, rows: pd.DataFrame, features: Sequence[str]) -> pd.DataFrame:
    """Each feature's push on the log-odds: coefficient x standardised value (positive = toward churn).

    No rows (a page of only churned customers) is an empty table: sklearn's scaler refuses 0 samples.
    """
    if not len(rows):
        return pd.DataFrame(np.zeros((0, len(features))), index=rows.index, columns=list(features))
    scaled = pipe.named_steps["scale"].transform(rows[list(features)].to_numpy(dtype="float64"))
    coef = pipe.named_steps["logit"].coef_[0]
    return pd.DataFrame(scaled * coef, index=rows.index, columns=list(features))


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


def model_dump(pipe: Pipeline, features: Sequence[str]) -> bytes:
    """Bytes for ChurnModel.blob (joblib of the pipeline and its feature order)."""
    buffer = io.BytesIO()
    joblib.dump({"pipeline": pipe, "features": list(features)}, buffer)
    return buffer.getvalue()


def model_load(blob: bytes) -> tuple[Pipeline, list[str]]:
    """The pipeline and feature order from ChurnModel.blob. Only our own stored bytes are ever loaded."""
    loaded = joblib.load(io.BytesIO(bytes(blob)))
    return loaded["pipeline"], loaded["features"]
