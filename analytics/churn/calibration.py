"""Does a shown churn risk mean what it says? The model's probabilities against what happened, out of time.

Pure numpy (no Django). For each backtest test month-end, the scored customers are put in bands of predicted risk
(BANDS) and counted: how many, the sum of their predicted risks, how many stopped. Pooled over the month-ends,
a band whose customers were given 20-40% should see about that share stop (docs/analytics.md §3.9). The Brier
score (mean squared difference between risk and outcome, lower is better) is set beside the Brier score of
forecasting the training rows' churn share for everyone: a model that cannot beat that constant adds nothing.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

BANDS: tuple[float, ...] = (0.0, 0.02, 0.05, 0.10, 0.20, 0.40, 1.0)  # edges; the last band includes 1.0
Z95 = 1.959964


def fold_counts(labels: np.ndarray, risk: np.ndarray, *, base_rate: float | None) -> dict[str, Any]:
    """One test month-end: per band [rows, sum of predicted risk, churned], the model's Brier score, and the Brier
    score of forecasting `base_rate` (the training churn share) for every customer."""
    labels = np.asarray(labels, dtype="float64")
    risk = np.asarray(risk, dtype="float64")
    band = np.clip(np.searchsorted(BANDS, risk, side="right") - 1, 0, len(BANDS) - 2)
    counts = [[int((band == b).sum()), float(risk[band == b].sum()), int(labels[band == b].sum())]
              for b in range(len(BANDS) - 1)]
    brier = float(np.mean((risk - labels) ** 2)) if len(labels) else None
    base = None if base_rate is None or not len(labels) else float(np.mean((base_rate - labels) ** 2))
    return {"bands": counts, "brier": brier, "base_brier": base}


def wilson(hits: int, n: int) -> tuple[float, float]:
    """95% Wilson interval of a share: sound at 0 hits and small n, where the normal approximation is not."""
    if n == 0:
        return (0.0, 1.0)
    p = hits / n
    centre = (p + Z95 ** 2 / (2 * n)) / (1 + Z95 ** 2 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + Z95 ** 2 / (4 * n * n)) / (1 + Z95 ** 2 / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


def pooled(folds: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The bands over every fold: low, high, rows, mean predicted risk, share that stopped and its 95% interval.
    Bands nobody fell in are left out."""
    out = []
    for b in range(len(BANDS) - 1):
        rows = sum(f["bands"][b][0] for f in folds)
        if not rows:
            continue
        churned = sum(f["bands"][b][2] for f in folds)
        low, high = wilson(churned, rows)
        out.append({"low": BANDS[b], "high": BANDS[b + 1], "rows": rows,
                    "predicted": sum(f["bands"][b][1] for f in folds) / rows, "observed": churned / rows,
                    "observed_low": low, "observed_high": high})
    return out
