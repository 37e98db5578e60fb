import pytest

from analytics.churn import backtest


@pytest.fixture
def model_wins(monkeypatch):
    """For tests of what happens once a model wins (storing, scoring, pages): the verdict itself, the model
    against every baseline, is tested in test_backtest on its own."""
    monkeypatch.setattr(backtest, "_verdict", lambda table: True)
