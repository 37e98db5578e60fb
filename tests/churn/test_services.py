"""Churn services on the database: GROUP BY data, no leak from after T, stored models, used only where they win."""

import dataclasses
import datetime as dt
import io
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from django.core.management import call_command

from analytics.churn import services
from analytics.churn.backtest import ChurnConfig
from analytics.churn.data import churn_inputs
from analytics.churn.features import CANDIDATES, FEATURES, MIX_FEATURES, features_at
from analytics.churn.model import model_load
from analytics.churn.reasons import REASON_CODES
from analytics.churn.services import (
    churn_model_active,
    churn_model_train,
    churn_risk_scores,
)
from analytics.churn.tasks import churn_retrain
from analytics.models import ChurnModel
from customers.models import Customer
from sales.models import Order
from tests.churn.db import write_ledger
from tests.churn.synth import short_ledger

T = dt.date(2025, 12, 31)
SMALL = ChurnConfig(min_rows=100, min_class_rows=10, test_periods=2)


@pytest.fixture
def ledger(db, settings, model_wins):
    _, orders = short_ledger(customers=600, seed=21)
    mapping = write_ledger(orders)
    return orders, mapping


def scores_of(model: ChurnModel, ids):
    return churn_risk_scores(as_of=model.as_of, customer_ids=ids)


def test_data_matches_the_pure_aggregation(ledger):
    orders, mapping = ledger
    inputs = churn_inputs(first_as_of=dt.date(2025, 4, 30), as_of=T)
    assert inputs.dates["order_date"].max() <= pd.Timestamp(T)
    assert int(inputs.monthly["orders"].sum()) == len(orders[orders["order_date"] >= pd.Timestamp("2024-04-01")])
    assert len(inputs.first_order) == orders["customer_id"].nunique()


def test_a_future_order_changes_neither_features_nor_model(ledger, monkeypatch):
    monkeypatch.setattr(services, "churn_config", lambda: SMALL)
    _, mapping = ledger
    as_of = T
    feats = features_at(churn_inputs(first_as_of=as_of, as_of=as_of), as_of, population_days=90)
    first = churn_model_train(as_of=as_of)
    assert first.beats_baseline, first.metrics
    before = scores_of(first, mapping.values())
    # Orders after T (the next day and on into the horizon of T) must not count.
    for n, pk in enumerate(list(mapping.values())[:200]):
        Order.objects.create(order_no=f"F{n}", customer_id=pk, order_date=as_of + dt.timedelta(days=1 + n % 60),
                             amount=Decimal("123.00"))
    after_feats = features_at(churn_inputs(first_as_of=as_of, as_of=as_of), as_of, population_days=90)
    pd.testing.assert_frame_equal(feats, after_feats)
    second = churn_model_train(as_of=as_of)
    assert second.metrics == first.metrics
    pd.testing.assert_frame_equal(scores_of(second, mapping.values()), before)


def test_scores_only_where_the_model_wins(ledger, monkeypatch):
    monkeypatch.setattr(services, "churn_config", lambda: SMALL)
    _, mapping = ledger
    ids = list(mapping.values())
    assert churn_risk_scores(as_of=T, customer_ids=ids) is None  # no model trained yet
    model = churn_model_train(as_of=T)
    assert model.beats_baseline and model.blob and model.features
    scores = churn_risk_scores(as_of=T, customer_ids=ids)
    assert list(scores.index) == ids
    scored = scores["churn_risk"].dropna()
    assert len(scored) > 100 and scored.between(0, 1).all()
    # A later model that loses to days since last order switches the score off.
    ChurnModel.objects.create(as_of=T, horizon_days=90, algorithm="", metrics={}, beats_baseline=False, blob=b"")
    assert churn_risk_scores(as_of=T, customer_ids=ids) is None
    # A month before every model gets the earliest model (the newest trained of that date), so pages of older
    # months show a risk once any model exists; a month with a model of its own never gets a later one.
    loser = ChurnModel.objects.latest("id")
    assert churn_model_active(as_of=T - dt.timedelta(days=1)) == loser
    later = ChurnModel.objects.create(as_of=T + dt.timedelta(days=31), horizon_days=90, algorithm="", metrics={},
                                      beats_baseline=False, blob=b"")
    assert churn_model_active(as_of=T) == loser and churn_model_active(as_of=later.as_of) == later


def test_scores_carry_reasons_that_agree_with_the_risk(ledger, monkeypatch):
    monkeypatch.setattr(services, "churn_config", lambda: SMALL)
    _, mapping = ledger
    churn_model_train(as_of=T)
    ids = list(mapping.values())
    scored = churn_risk_scores(as_of=T, customer_ids=ids).dropna(subset=["churn_risk"])
    riskiest = scored.sort_values("churn_risk").iloc[-1]
    codes = riskiest["churn_reasons"].split()
    assert 1 <= len(codes) <= 3 and set(codes) <= REASON_CODES
    # Reasons agree with the number: below the training churn share there is no reason to give.
    model = churn_model_active(as_of=T)
    base_rate = model_load(model.blob)[0].base_rate
    low = scored[scored["churn_risk"] < base_rate]
    assert len(low) and (low["churn_reasons"] == "").all()
    assert (scored[scored["churn_risk"] > max(0.5, base_rate)]["churn_reasons"] != "").all()


def test_scoring_in_chunks_gives_the_same_risks_and_reasons(ledger, monkeypatch):
    """A period is explained SCORE_CHUNK rows at a time (bounded memory); the chunks must not change any answer."""
    monkeypatch.setattr(services, "churn_config", lambda: SMALL)
    _, mapping = ledger
    churn_model_train(as_of=T)
    ids = list(mapping.values())
    whole = churn_risk_scores(as_of=T, customer_ids=ids)
    monkeypatch.setattr(services, "SCORE_CHUNK", 7)
    pd.testing.assert_frame_equal(churn_risk_scores(as_of=T, customer_ids=ids), whole)


def test_a_few_customers_are_scored_with_the_whole_books_bgnbd(ledger, monkeypatch):
    """A few customers (fewer than IN_CLAUSE_LIMIT: a small book's period) are scored with BG/NBD fitted on the
    whole book, as a big book's period is, not on themselves."""
    monkeypatch.setattr(services, "churn_config", lambda: SMALL)
    _, mapping = ledger
    churn_model_train(as_of=T)
    ids = list(mapping.values())
    limit = services.IN_CLAUSE_LIMIT
    monkeypatch.setattr(services, "IN_CLAUSE_LIMIT", 0)  # how a big period is scored: the whole book in one go
    book = churn_risk_scores(as_of=T, customer_ids=ids)["churn_risk"]
    monkeypatch.setattr(services, "IN_CLAUSE_LIMIT", limit)
    few = [i for i in ids if not np.isnan(book[i])][:40]  # enough rows for a fit of their own
    alone = churn_risk_scores(as_of=T, customer_ids=few)
    np.testing.assert_allclose(alone["churn_risk"].to_numpy(), book.loc[few].to_numpy(), rtol=1e-9)


def test_no_model_is_stored_with_the_reason(db):
    model = churn_model_train(as_of=T)
    assert not model.beats_baseline and model.blob == b""
    assert "90 days of history" in model.metrics["reason"]


def test_retrain_task_and_command(ledger, monkeypatch):
    monkeypatch.setattr(services, "churn_config", lambda: SMALL)
    result = churn_retrain.apply(args=[T.isoformat()]).get()
    assert result["beats_baseline"] is True
    out = io.StringIO()
    call_command("churn_backtest", "--as-of", T.isoformat(), stdout=out)
    text = out.getvalue()
    table = [line.split()[0] for line in text.split("ranking", 1)[1].splitlines()[1:7]]
    assert table == ["model", "days_since_last", "fewest_orders", "rfm", "bgnbd", "bgnbd_purchases"], text
    assert "[" in text.split("ranking", 1)[1] and "folds: 2" in text  # intervals across the folds
    assert "the model beats every baseline: used on pages" in text
    calibration = text.split("calibration of the model, test month-ends pooled:", 1)[1]
    bands = [line for line in calibration.splitlines()[2:] if "%-" in line.split(" ", 1)[0]]
    assert bands and sum(int(line.split()[1]) for line in bands) > 0, text  # customers per predicted-risk band
    assert "Brier score" in calibration and "the training churn share for everyone" in calibration
    assert ChurnModel.objects.count() == 1
    call_command("churn_backtest", "--as-of", T.isoformat(), "--save", stdout=out)
    assert ChurnModel.objects.count() == 2 and "saved churn model" in out.getvalue()


def test_command_usage_error(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--as-of: expected YYYY-MM-DD") as err:
        call_command("churn_backtest", "--as-of", "2025-13-01")
    assert err.value.returncode == 2


def test_config_reads_settings(settings):
    settings.CHURN_HORIZON_DAYS = 60
    assert dataclasses.asdict(services.churn_config())["horizon_days"] == 60


def test_no_scored_customer_is_a_normal_answer(ledger, monkeypatch):
    """Issue 16 defect 1: customers who are all outside the scored population (churned, never bought) get no risk
    and no reasons, not sklearn's "0 sample(s)" error."""
    monkeypatch.setattr(services, "churn_config", lambda: SMALL)
    _, mapping = ledger
    churn_model_train(as_of=T)
    ids = list(mapping.values())
    scores = churn_risk_scores(as_of=T, customer_ids=ids)
    unscored = [int(i) for i in scores[scores["churn_risk"].isna()].index][:50]
    assert unscored  # the ledger has customers whose last order is older than 90 days
    assert (scores.loc[unscored, "churn_reasons"] == "").all()
    never = Customer.objects.create(code="NEVER1", name="从未下单")
    alone = churn_risk_scores(as_of=T, customer_ids=[never.pk])
    assert list(alone.index) == [never.pk] and alone["churn_risk"].isna().all()
    assert list(alone["churn_reasons"]) == [""]


def test_order_days_visits_and_category_lines_from_the_database(db):
    """Two orders on one day are one order date (Order's default ordering once leaked into the DISTINCT and kept
    one row per order, for the features and for the book's BG/NBD alike); coupons, visits and category lines
    reach ChurnInputs, and nothing dated after T."""
    from analytics.churn.data import book_order_dates
    from customers.models import Visit
    from sales.models import Category, OrderLine, Product

    shop = Customer.objects.create(code="V1", name="店")
    drinks = Category.objects.create(name="饮料", path="饮料")
    cola = Product.objects.create(sku="COLA", name="可乐", category=drinks)
    day, later = dt.date(2025, 12, 10), dt.date(2026, 1, 5)
    orders = [Order.objects.create(order_no=f"D{n}", customer=shop, order_date=when, amount=Decimal("10"),
                                   coupon_code=code)
              for n, (when, code) in enumerate([(day, ""), (day, "C1"), (later, "C2")])]
    for order in orders:
        OrderLine.objects.create(order=order, line_no=1, product=cola, quantity=Decimal("1"), amount=Decimal("10"))
    Visit.objects.create(customer=shop, date=dt.date(2025, 12, 20), next_date=dt.date(2026, 1, 3))
    Visit.objects.create(customer=shop, date=later)
    inputs = churn_inputs(first_as_of=T, as_of=T, features=CANDIDATES)
    assert inputs.dates[["order_date", "coupon"]].values.tolist() == [[pd.Timestamp(day), 1]]
    assert len(book_order_dates(as_of=T)) == 1
    assert inputs.categories[["month", "category_id", "amount_fen"]].values.tolist() == [["2025-12", drinks.id, 2000]]
    assert inputs.visits[["visit_date", "next_date"]].values.tolist() == [
        [pd.Timestamp("2025-12-20"), pd.Timestamp("2026-01-03")]]
    # The model reads no mix feature: its inputs skip the category lines (the costliest query).
    assert set(FEATURES).isdisjoint(MIX_FEATURES) and not len(churn_inputs(first_as_of=T, as_of=T).categories)
