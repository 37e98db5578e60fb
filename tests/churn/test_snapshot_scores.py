"""Scores are part of the snapshot (issue 16 defect 2): every computation of a period scores it with the model in
force at its T, and training a model rescores the computed periods it becomes the model in force of.

The ledger ends with the last closed month, so the editor's "recompute the last N months" reaches it.
"""

import dataclasses
import io

import pytest
from django.core.management import call_command

from analytics.churn import services
from analytics.churn.services import churn_model_active, churn_model_train
from analytics.models import BackgroundJob, CustomerSnapshot, PeriodSummary
from analytics.periods import add_months, last_closed_period, month_end
from analytics.services.churn_fill import churn_columns
from analytics.services.snapshots import snapshot_compute
from analytics.services.stale import periods_mark_stale, periods_stale
from analytics.tasks import compute_period, recompute_stale_periods
from analytics.tuning.services import policy_save, recompute_start
from tests.churn.db import write_ledger
from tests.churn.synth import short_ledger
from tests.churn.test_services import SMALL

P = last_closed_period()
P1, P2 = add_months(P, -1), add_months(P, -2)
FIELDS = [f.attname for f in CustomerSnapshot._meta.fields if f.name != "id"]


def rows(period):
    """The period's whole table, by customer, every column but the id."""
    return {r["customer_id"]: r for r in CustomerSnapshot.objects.filter(period=period).values(*FIELDS)}


def risks(period):
    return dict(CustomerSnapshot.objects.filter(period=period).values_list("customer_id", "churn_risk"))


def scored(period):
    return CustomerSnapshot.objects.filter(period=period, churn_risk__isnull=False).count()


@pytest.fixture
def ledger(db, monkeypatch, model_wins):
    """A year of 600 customers ending with P; the small-data churn config."""
    monkeypatch.setattr(services, "churn_config", lambda: SMALL)
    start = add_months(P, -11)
    _, orders = short_ledger(customers=600, seed=21, start=start, days=(month_end(P) - start).days + 1)
    return write_ledger(orders)


def test_policy_change_and_editor_recompute_keep_the_scores_of_a_fresh_compute(ledger, admin_user,
                                                                              django_capture_on_commit_callbacks):
    model = churn_model_train(as_of=month_end(P))
    assert model.beats_baseline, model.metrics
    snapshot_compute(period=P)
    before = risks(P)
    assert scored(P) > 100
    expected = churn_columns(period=P, customer_ids=list(before))["churn_risk"]
    assert before == expected.astype(object).where(expected.notna(), None).to_dict()
    reasons = dict(CustomerSnapshot.objects.filter(period=P).values_list("customer_id", "churn_reasons"))
    assert reasons == churn_columns(period=P, customer_ids=list(before))["churn_reasons"].to_dict()
    assert any(reasons.values())  # the fresh compute stored reasons with its scores
    policy_save(data={"method": "fixed_amount", "fixed_amount": {"a": 3000, "b": 1500, "c": 500}},
                user=admin_user, comment="tighter cuts")
    with django_capture_on_commit_callbacks(execute=True):
        job = recompute_start(months=3, user=admin_user)
    job.refresh_from_db()
    assert job.status == BackgroundJob.Status.DONE and job.done == 3
    after = rows(P)
    assert {cid: r["churn_risk"] for cid, r in after.items()} == before  # the recompute kept every score
    assert PeriodSummary.objects.get(period=P).policy.version == 2
    snapshot_compute(period=P)  # a fresh compute with the same policy and model: the very same table
    assert rows(P) == after
    # The older periods the editor recomputed have no model trained as of their T: the earliest model scores them,
    # exactly as a fresh compute does.
    assert scored(P1) > 100 and scored(P2) > 100
    for period in (P1, P2):
        table = rows(period)
        snapshot_compute(period=period)
        assert rows(period) == table


def test_every_path_that_computes_a_period_scores_it(ledger):
    churn_model_train(as_of=month_end(P))
    out = io.StringIO()
    call_command("compute_snapshots", "--period", f"{P:%Y-%m}", stdout=out)
    n = scored(P)
    assert n > 100 and f"churn risk for {n}" in out.getvalue()
    table = rows(P)
    assert compute_period(f"{P:%Y-%m}")["churn_scored"] == n
    assert rows(P) == table
    periods_mark_stale(periods=[P], reason="import of late.csv")
    assert f"{P:%Y-%m}" in recompute_stale_periods()  # with the months never computed before it (the fill step)
    assert rows(P) == table


def test_training_rescores_the_periods_it_is_in_force_for(ledger, monkeypatch):
    for period in (P2, P1, P):
        snapshot_compute(period=period)
    assert scored(P2) == scored(P1) == scored(P) == 0  # no model yet: blank
    first = churn_model_train(as_of=month_end(P1))
    assert first.beats_baseline, first.metrics
    # P2 is older than every model: the first (earliest) model scores it too, so its pages show a risk.
    assert scored(P2) > 100 and scored(P1) > 100 and scored(P) > 100
    for period in (P2, P1, P):  # what a recompute would write now
        table = rows(period)
        snapshot_compute(period=period)
        assert rows(period) == table
    kept, kept2 = risks(P1), risks(P2)
    second = churn_model_train(as_of=month_end(P))
    assert churn_model_active(as_of=month_end(P)) == second and scored(P) > 100
    assert risks(P1) == kept and risks(P2) == kept2  # P1's and P2's model in force is still the first
    table = rows(P)
    snapshot_compute(period=P)
    assert rows(P) == table
    # A newer model that cannot be trained (too little data for this config) switches P's scores off.
    monkeypatch.setattr(services, "churn_config", lambda: dataclasses.replace(SMALL, min_rows=10**9))
    losing = churn_model_train(as_of=month_end(P))
    assert not losing.beats_baseline
    assert scored(P) == 0 and risks(P1) == kept


def test_backtest_command_save_reports_the_rescored_periods(ledger):
    for period in (P1, P):
        snapshot_compute(period=period)
    out = io.StringIO()
    call_command("churn_backtest", "--save", "--as-of", month_end(P1).isoformat(), stdout=out)
    text = out.getvalue()
    assert f"churn risk written for {scored(P1)} customers of {P1:%Y-%m}" in text
    assert f"churn risk written for {scored(P)} customers of {P:%Y-%m}" in text
    assert scored(P1) > 100 and scored(P) > 100


def test_a_rescore_that_dies_half_way_keeps_what_it_wrote_and_the_beat_heals_the_rest(ledger, monkeypatch):
    """One transaction per period (a minute-long one locked SQLite for every sign-in): the months rescored stay
    rescored, the rest stay marked stale for the beat's recompute, and a month stale for another reason keeps it."""
    from analytics.services import churn_fill

    for period in (P2, P1, P):
        snapshot_compute(period=period)
    periods_mark_stale(periods=[P], reason="import 7 changed orders")
    real, calls = churn_fill.derived_refresh, []

    def dies_on_the_second(period, **kwargs):
        calls.append(period)
        if len(calls) == 2:
            raise RuntimeError("worker lost")
        return real(period, **kwargs)

    monkeypatch.setattr(churn_fill, "derived_refresh", dies_on_the_second)
    with pytest.raises(RuntimeError, match="worker lost"):
        churn_model_train(as_of=month_end(P1))
    assert calls == [P2, P1]
    assert scored(P2) > 100 and scored(P1) == scored(P) == 0  # P2 committed; P1's transaction rolled back
    reasons = dict(periods_stale())
    assert set(reasons) == {P1, P}
    assert reasons[P] == "import 7 changed orders"
    assert reasons[P1].startswith("churn model ")
    monkeypatch.setattr(churn_fill, "derived_refresh", real)
    for period in (P1, P):  # what the beat's sweep queues
        compute_period(f"{period:%Y-%m}")
    assert periods_stale() == []
    assert scored(P1) > 100 and scored(P) > 100


def test_a_month_recomputed_while_it_is_rescored_is_read_and_scored_again(ledger, monkeypatch):
    """The scores are computed before the write's short transaction: rows a recompute replaced in between are
    not written onto; the new rows are read and scored again."""
    from analytics.services import churn_fill

    snapshot_compute(period=P)
    churn_model_train(as_of=month_end(P))
    before_ids = set(CustomerSnapshot.objects.filter(period=P).values_list("id", flat=True))
    real, raced = churn_fill.churn_columns, []

    def recompute_after_scoring(**kwargs):
        out = real(**kwargs)
        if not raced:
            raced.append(True)
            snapshot_compute(period=P)  # the recompute's own scoring runs through here too, once raced is set
        return out

    monkeypatch.setattr(churn_fill, "churn_columns", recompute_after_scoring)
    written = churn_fill.snapshot_churn_fill(period=P)
    assert raced and set(CustomerSnapshot.objects.filter(period=P).values_list("id", flat=True)).isdisjoint(before_ids)
    assert written == scored(P) > 100
    table = rows(P)
    monkeypatch.setattr(churn_fill, "churn_columns", real)
    snapshot_compute(period=P)
    assert rows(P) == table  # what a fresh compute writes
