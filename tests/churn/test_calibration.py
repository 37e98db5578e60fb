"""The model's calibration out of time (issue 21): "35%" should mean about 35 in 100 such customers stop."""

import datetime as dt

import numpy as np
import pytest

from analytics.churn.backtest import ChurnConfig, backtest
from analytics.churn.calibration import BANDS, fold_counts, pooled, wilson
from tests.churn.synth import short_ledger

T = dt.date(2025, 12, 31)


def test_fold_counts_put_each_risk_in_its_band_and_score_against_the_constant_forecast():
    labels = np.array([0, 0, 1, 1, 0, 1])
    risk = np.array([0.0, 0.03, 0.03, 0.5, 0.19, 1.0])
    got = fold_counts(labels, risk, base_rate=0.5)
    assert [b[0] for b in got["bands"]] == [1, 2, 0, 1, 0, 2]  # 0-2%, 2-5%, 5-10%, 10-20%, 20-40%, 40-100%
    assert got["bands"][1] == [2, pytest.approx(0.06), 1] and got["bands"][5] == [2, pytest.approx(1.5), 2]
    assert got["brier"] == pytest.approx(np.mean((risk - labels) ** 2))
    assert got["base_brier"] == pytest.approx(0.25)
    assert fold_counts(labels, risk, base_rate=None)["base_brier"] is None


def test_pooled_bands_add_the_folds_and_leave_out_empty_bands():
    a = fold_counts(np.array([1, 0]), np.array([0.3, 0.3]), base_rate=0.1)
    b = fold_counts(np.array([1, 1, 0]), np.array([0.25, 0.35, 0.01]), base_rate=0.1)
    bands = pooled([a, b])
    assert [(x["low"], x["high"], x["rows"]) for x in bands] == [(0.0, 0.02, 1), (0.2, 0.4, 4)]
    assert bands[1]["predicted"] == pytest.approx(0.3) and bands[1]["observed"] == pytest.approx(0.75)
    assert bands[1]["observed_low"] < 0.75 < bands[1]["observed_high"]
    assert len(BANDS) == 7


def test_wilson_interval_is_sound_at_zero_and_small_counts():
    low, high = wilson(0, 10)
    assert low == 0.0 and 0.25 < high < 0.35  # 0 of 10 still allows up to about 31%
    low, high = wilson(50, 100)
    assert low == pytest.approx(0.4038, abs=1e-3) and high == pytest.approx(0.5962, abs=1e-3)
    assert wilson(0, 0) == (0.0, 1.0)


@pytest.fixture(scope="module")
def result():
    return backtest(short_ledger(customers=3000, seed=11)[0], T, ChurnConfig())


def test_the_backtest_pools_every_scored_customer_and_its_risks_mean_what_they_say(result):
    scored = [p for p in result.periods if "model" in p]
    bands = result.calibration["bands"]
    assert sum(b["rows"] for b in bands) == sum(p["test_rows"] for p in scored)
    rows = sum(b["rows"] for b in bands)
    predicted = sum(b["predicted"] * b["rows"] for b in bands) / rows
    observed = sum(b["observed"] * b["rows"] for b in bands) / rows
    assert abs(predicted - observed) < 0.03, (predicted, observed)
    # Riskier bands stop more often, and every well-filled band's observed share is near its predicted mean.
    full = [b for b in bands if b["rows"] >= 300]
    assert len(full) >= 3
    assert [b["observed"] for b in full] == sorted(b["observed"] for b in full)
    for b in full:
        assert abs(b["observed"] - b["predicted"]) < 0.08, b
    # It forecasts better than saying the training churn share to everyone.
    assert result.calibration["brier"]["mean"] < result.calibration["base_brier"]["mean"]
