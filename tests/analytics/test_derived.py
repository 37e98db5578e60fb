"""Derived data follows its declared dependencies (analytics/services/derived.py, issue 18 item 4): a recompute of P
refreshes everything declared as derived from P, a trained model everything derived from its scores, and a new
dependent needs nothing but its declaration."""

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest

from analytics.models import ChurnModel, CustomerPulse, CustomerSnapshot, SnapshotLock
from analytics.periods import add_months, last_closed_period, month_end
from analytics.services import derived
from analytics.services.churn_fill import churn_model_rescore
from analytics.services.derived import Derived, derived_refresh, downstream, registered
from analytics.services.snapshots import snapshot_compute
from tests.factories import CustomerFactory, OrderFactory


@pytest.fixture
def ledger(db):
    last = last_closed_period()
    for i in range(3):
        customer = CustomerFactory(code=f"D{i}", first_seen=add_months(last, -6))
        OrderFactory(customer=customer, order_date=last + dt.timedelta(days=i), amount=Decimal("100.00"))
    return last


def _spied(monkeypatch) -> list[tuple[str, str, dt.date]]:
    """Every declared refresh and column, wrapped to record (name, hook, period) as it runs."""
    calls: list[tuple[str, str, dt.date]] = []

    def spy(name, hook, fn):
        def wrapped(period, *args):
            calls.append((name, hook, period))
            return fn(period, *args)
        return wrapped

    items = [dataclasses.replace(
        d, refresh=d.refresh and spy(d.name, "refresh", d.refresh), column=d.column and spy(d.name, "column", d.column))
        for d in derived.DERIVED]
    monkeypatch.setattr(derived, "DERIVED", items)
    return calls


@pytest.mark.django_db
def test_a_recompute_refreshes_every_declared_dependent(ledger, monkeypatch, django_capture_on_commit_callbacks):
    period = ledger
    snapshot_compute(period=period)
    version = SnapshotLock.objects.get(period=period).version
    calls = _spied(monkeypatch)
    with django_capture_on_commit_callbacks(execute=True):  # the pulse is queued once the period commits
        snapshot_compute(period=period, reason="recompute")
    hooked = {d.name for d in derived.DERIVED if d.refresh or d.column} - {"caches"}
    assert {name for name, _hook, p in calls if p == period} == hooked  # churn_scores (column), pulse
    assert ("churn_scores", "column", period) in calls  # written with the rows, not rewritten after
    assert ("churn_scores", "refresh", period) not in calls
    assert CustomerPulse.objects.count() == 3  # the pulse followed the latest period (the eager test worker)
    assert SnapshotLock.objects.get(period=period).version == version + 1  # the caches' key moved, once


@pytest.mark.django_db
def test_an_older_period_leaves_the_pulse_alone(ledger, monkeypatch):
    calls = _spied(monkeypatch)
    snapshot_compute(period=add_months(ledger, -1))
    assert "pulse" not in {name for name, _hook, _p in calls}


@pytest.mark.django_db
def test_a_registered_dependent_is_all_it_takes(ledger):
    seen: list[dt.date] = []
    rescored: list[dt.date] = []
    snapshot_compute(period=ledger)
    with registered(Derived("dummy", ("snapshot",), refresh=seen.append)), \
            registered(Derived("after_scores", ("churn_scores",), refresh=rescored.append)):
        snapshot_compute(period=ledger)
        assert seen == [ledger]
        assert rescored == [ledger]  # the recompute wrote new scores: what reads them follows
        rescored.clear()
        # A model trained on the 1st rescores the periods it is in force for, and what is derived from the scores.
        model = ChurnModel.objects.create(as_of=month_end(ledger), horizon_days=90, metrics={},
                                          beats_baseline=False, blob=b"")
        assert churn_model_rescore(model) == {ledger: 0}
        assert rescored == [ledger]
    snapshot_compute(period=ledger)
    assert seen == [ledger]  # unregistered: no longer called


@pytest.mark.django_db
def test_an_override_refreshes_what_reads_the_rows(ledger, monkeypatch):
    snapshot_compute(period=ledger)
    calls = _spied(monkeypatch)
    version = SnapshotLock.objects.get(period=ledger).version
    assert set(derived_refresh(ledger, changed="override")) == {"worklist", "outcomes", "caches"}
    assert [name for name, _hook, _p in calls] == ["caches"]  # the worklist and outcomes read the rows live
    assert SnapshotLock.objects.get(period=ledger).version > version
    assert CustomerSnapshot.objects.filter(period=ledger).count() == 3


def test_downstream_orders_dependents_after_what_they_read():
    registry = [
        Derived("c", ("b",)), Derived("b", ("a", "snapshot")), Derived("a", ("snapshot",)), Derived("x", ("override",)),
    ]
    assert [d.name for d in downstream("snapshot", registry)] == ["a", "b", "c"]
    assert [d.name for d in downstream("a", registry)] == ["b", "c"]
    assert downstream("override", registry) == [registry[3]]
    with pytest.raises(ValueError, match="circle"):
        downstream("snapshot", [Derived("p", ("snapshot", "q")), Derived("q", ("p",))])
    with pytest.raises(ValueError, match="circle"):  # one nothing changed reaches is a mistake all the same
        downstream("override", [Derived("p", ("snapshot", "q")), Derived("q", ("p",))])
    with pytest.raises(ValueError, match="nothing is derived"):
        derived_refresh(dt.date(2025, 1, 1), changed="no such thing")
