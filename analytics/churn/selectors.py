"""Reads of the stored churn models for pages: the latest backtest as a table (issue 21, settings page)."""

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from analytics.models import ChurnModel

from .baselines import BASELINES

SCORER_LABELS: dict[str, Any] = {
    "model": _("churn model"),
    "days_since_last": _("days since last order"),
    "fewest_orders": _("fewest orders in 12 months"),
    "rfm": _("recency x frequency (RFM)"),
    "bgnbd": _("BG/NBD probability of being alive"),
    "bgnbd_purchases": _("BG/NBD expected orders in the horizon"),
}


@dataclass(frozen=True)
class BacktestRow:
    name: str
    label: Any
    auc: dict[str, Any]
    top_precision: dict[str, Any]


@dataclass(frozen=True)
class CalibrationRow:
    """One band of predicted risk, in percent: the customers given low..high, their mean risk, and the share
    that stopped with its 95% interval."""

    low: float
    high: float
    rows: int
    predicted: float
    stopped: float
    stopped_low: float
    stopped_high: float

    @classmethod
    def of(cls, band: dict[str, Any]) -> "CalibrationRow":
        return cls(low=100 * band["low"], high=100 * band["high"], rows=band["rows"],
                   predicted=100 * band["predicted"], stopped=100 * band["observed"],
                   stopped_low=100 * band["observed_low"], stopped_high=100 * band["observed_high"])


@dataclass(frozen=True)
class BacktestTable:
    model: ChurnModel
    rows: list[BacktestRow]
    used: bool
    reason: str
    # The model's calibration out of time: predicted-risk bands with the share that stopped (analytics.churn.
    # calibration.pooled), and the Brier scores of the model and of the training churn share for everyone.
    calibration: list[CalibrationRow]
    brier: dict[str, Any]
    base_brier: dict[str, Any]


def churn_backtest_table() -> BacktestTable | None:
    """The newest stored model's backtest, one row per ranking (model first); None before any training."""
    model = ChurnModel.objects.order_by("-as_of", "-trained_at", "-id").first()
    if model is None:
        return None
    backtest = model.metrics.get("backtest") or {}
    table = backtest.get("table") or {}
    calibration = backtest.get("calibration") or {}
    rows = [BacktestRow(name=n, label=SCORER_LABELS[n], auc=table[n]["auc"], top_precision=table[n]["top_precision"])
            for n in ("model", *BASELINES) if n in table]
    return BacktestTable(model=model, rows=rows, used=model.beats_baseline, reason=model.metrics.get("reason", ""),
                         calibration=[CalibrationRow.of(b) for b in calibration.get("bands") or []],
                         brier=calibration.get("brier") or {}, base_brier=calibration.get("base_brier") or {})
