"""The settings page's churn backtest card (issue 21): the whole table, and whether the pages use the model."""

import datetime as dt

import numpy as np
import pytest

from analytics.churn.backtest import spread
from analytics.churn.baselines import BASELINES
from analytics.models import ChurnModel


def _table(model_auc: float) -> dict:
    rows = {n: {"auc": spread([0.70, 0.72, 0.74]), "top_precision": spread([0.5, 0.52])} for n in BASELINES}
    rows["model"] = {"auc": spread([model_auc, model_auc + 0.01]), "top_precision": spread([0.6, 0.61])}
    return rows


@pytest.mark.django_db
def test_the_admin_sees_every_ranking_and_the_verdict(client, admin_user):
    ChurnModel.objects.create(as_of=dt.date(2025, 11, 30), horizon_days=90, algorithm="x", blob=b"",
                              metrics={"backtest": {"table": _table(0.6)}, "reason": "r"}, beats_baseline=False)
    ChurnModel.objects.create(as_of=dt.date(2025, 12, 31), horizon_days=90, algorithm="x", blob=b"",
                              metrics={"backtest": {"table": _table(0.8)}}, beats_baseline=True)
    client.force_login(admin_user)
    html = client.get("/settings/churn-backtest/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert html.count("data-ranking=") == 1 + len(BASELINES)
    for name in ("model", *BASELINES):
        assert f'data-ranking="{name}"' in html
    assert "2025-12-31" in html and "0.805" in html  # the newest model's table, its mean AUC
    assert "is used on the pages" in html or "页面使用该模型" in html
    assert 'class="settings-nav"' in html  # opened directly: a settings page, not a bare card
    card = client.get("/settings/churn-backtest/", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in card and card.count("data-ranking=") == 1 + len(BASELINES)


@pytest.mark.django_db
def test_before_any_training_and_for_non_admins(client, admin_user, manager_user):
    client.force_login(admin_user)
    assert client.get("/settings/churn-backtest/").status_code == 200
    client.force_login(manager_user)
    assert client.get("/settings/churn-backtest/").status_code in (302, 403)


@pytest.mark.django_db
def test_the_admin_sees_whether_a_shown_risk_means_what_it_says(client, admin_user):
    from analytics.churn.calibration import fold_counts, pooled

    folds = [fold_counts(np.array([0, 0, 1, 1, 0]), np.array([0.01, 0.03, 0.3, 0.35, 0.25]), base_rate=0.2)]
    calibration = {"bands": pooled(folds), "brier": spread([0.05, 0.06]), "base_brier": spread([0.2, 0.21])}
    ChurnModel.objects.create(as_of=dt.date(2025, 12, 31), horizon_days=90, algorithm="x", blob=b"",
                              metrics={"backtest": {"table": _table(0.8), "calibration": calibration}},
                              beats_baseline=True)
    client.force_login(admin_user)
    html = client.get("/settings/churn-backtest/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert html.count("data-band=") == 3  # 0-2%, 2-5%, 20-40%: empty bands are left out
    row = html[html.index('data-band="20"'):]
    row = row[:row.index("</tr>")]
    assert "20–40%" in row and ">3</td>" in row and "30.0%" in row and "66.7%" in row  # 2 of 3 stopped
    assert "the model 0.0550" in html and "training churn share 0.2050" in html
    zh = client.get("/settings/churn-backtest/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "Does a shown risk mean what it says?" not in zh and zh.count("data-band=") == 3
