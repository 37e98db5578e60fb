"""The settings page's churn backtest card (issue 21): the whole table, and whether the pages use the model."""

import datetime as dt

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
