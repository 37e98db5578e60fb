"""Churn risk as part of the snapshot (docs/analytics.md §3.7, issue 16): every computed period carries its model's
scores.

The rule, in one place: a period's churn_risk column holds the scores of the model in force at its T (the newest
model trained as of T or earlier; for months before the first model, the earliest one: `churn_model_active`),
and churn_reasons the codes of each score's top reasons, or both are blank when that model does not beat the
baselines.
Two writers keep it so:
- `snapshot_compute` scores the rows it writes (`churn_columns`), on every path that computes a period
  (the service, the tasks, the commands, the editor's recompute, the stale-period recompute);
- training a model rescores the computed periods it becomes the active model of (`churn_model_rescore`), since
  they were written with the model in force before it.
Both go through the registry of what is derived from a period (analytics/services/derived.py: the column for a
recompute, the refresh for a model change). Both round the same way, so a rescore and a fresh compute write
identical values.
"""

import datetime as dt

import pandas as pd
from django.db import connection, transaction

from analytics.churn.services import churn_model_active, churn_risk_scores
from analytics.models import ChurnModel, CustomerSnapshot, PeriodSummary, StalePeriod
from analytics.periods import month_end
from analytics.snapshot_version import bumped_once, version_of

from .derived import derived_refresh
from .snapshots import WAIT_SECONDS, lock_period

DECIMALS = 4


CHURN_COLUMNS = ("churn_risk", "churn_reasons")


def churn_columns(*, period: dt.date, customer_ids: list[int]) -> pd.DataFrame | None:
    """The stored churn_risk (0..1, 4 decimals; NaN outside the scored population) and churn_reasons (reason
    codes, strongest first) of `customer_ids` in `period`, or None when no model trained as of T beats the
    baselines (both columns stay blank)."""
    scores = churn_risk_scores(as_of=month_end(period), customer_ids=customer_ids)
    if scores is None:
        return None
    # Python's round (correctly rounded), the same for every writer; numpy's rounds a few values differently.
    risk = scores["churn_risk"].astype("float64").map(lambda v: v if pd.isna(v) else round(float(v), DECIMALS))
    return pd.DataFrame({"churn_risk": risk, "churn_reasons": scores["churn_reasons"].where(risk.notna(), "")})


ATTEMPTS = 3


def snapshot_churn_fill(*, period: dt.date, wait_seconds: int = WAIT_SECONDS) -> int:
    """Rewrite churn_risk and churn_reasons of `period`'s stored rows with the model in force now; returns how
    many got a score.

    The scores are computed first, outside any transaction; only the write holds the period's lock row (as a
    recompute does, so the two never interleave) and, on SQLite, the database's one write lock: scoring a month
    takes seconds, and sign-ins waiting behind back-to-back rescores of the whole month gave up after their 20 s
    (a 500 on /accounts/login/ while the model trained). Rows written between the two steps (the period's
    version moved: a recompute replaced them) are read and scored again.
    """
    for _attempt in range(ATTEMPTS):
        version = version_of(period)
        rows = list(CustomerSnapshot.objects.filter(period=period).values_list("id", "customer_id"))
        if not rows:
            return 0
        scored = churn_columns(period=period, customer_ids=[cid for _, cid in rows])
        with transaction.atomic():
            lock_period(period, wait_seconds)
            if version_of(period) != version:
                continue  # the rows were written meanwhile (analytics/snapshot_version.py)
            return _scores_write(period, rows, scored)
    return period_scored_count(period)  # rewritten on every attempt: by recomputes, each of which scored it


def _scores_write(period: dt.date, rows: list[tuple[int, int]], scored: pd.DataFrame | None) -> int:
    """Blank every score of `period`, then write `scored` (customer id -> risk, reasons) onto `rows` (id, customer)."""
    CustomerSnapshot.objects.filter(period=period).exclude(churn_risk=None, churn_reasons="").update(
        churn_risk=None, churn_reasons="")
    if scored is None:
        return 0
    known = scored.dropna(subset=["churn_risk"])
    found = dict(zip(known.index, zip(known["churn_risk"], known["churn_reasons"], strict=True), strict=True))
    values = [(pk, float(found[cid][0]), str(found[cid][1])) for pk, cid in rows if cid in found]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for start in range(0, len(values), 10000):
                chunk = values[start:start + 10000]
                placeholders = ", ".join(["(%s, %s::double precision, %s)"] * len(chunk))
                # The period confines the update to the period's partition (analytics/partitions.py).
                cursor.execute(
                    "UPDATE analytics_customersnapshot AS s SET churn_risk = v.r, churn_reasons = v.why "  # noqa: S608
                    "FROM (VALUES " + placeholders + ") AS v(id, r, why) WHERE s.period = %s AND s.id = v.id",
                    [x for row in chunk for x in row] + [period],
                )
    else:
        objs = [CustomerSnapshot(id=pk, churn_risk=risk, churn_reasons=why) for pk, risk, why in values]
        with bumped_once(period):  # SQLite's triggers would run twice per row (snapshot_version says why)
            CustomerSnapshot.objects.bulk_update(objs, list(CHURN_COLUMNS), batch_size=2000)
    return len(values)


def churn_model_periods(model: ChurnModel) -> list[dt.date]:
    """The computed periods whose model in force is `model` (churn_model_active at their T), oldest first."""
    computed = PeriodSummary.objects.order_by("period")  # earlier months too: the earliest model scores them
    return [period for period in computed.values_list("period", flat=True)
            if getattr(churn_model_active(as_of=month_end(period)), "pk", None) == model.pk]


def _rescore_reason(model: ChurnModel) -> str:
    return f"churn model {model.pk} trained: scores to rewrite"


@transaction.atomic
def churn_model_store(model: ChurnModel) -> list[dt.date]:
    """Save a newly trained `model` and mark the computed periods it is now in force for stale, in one transaction;
    returns those periods.

    The marks are the rescore's journal: churn_model_rescore clears each as it rewrites that period, and if the
    worker dies half-way the beat's stale-period recompute scores the rest (a recompute fills churn_risk too).
    A period already stale for another reason keeps that reason (and is recomputed anyway).
    """
    model.save()
    reason = _rescore_reason(model)
    periods = churn_model_periods(model)
    for period in periods:
        StalePeriod.objects.get_or_create(period=period, defaults={"reason": reason})
    return periods


def churn_model_rescore(model: ChurnModel, periods: list[dt.date] | None = None) -> dict[dt.date, int]:
    """Rescore every computed period `model` is now the model in force of (`periods`, when churn_model_store just
    listed them): period -> customers scored.

    A model that does not beat the baseline blanks those periods' scores, as a recompute would. Period by period,
    each write its own short transaction (snapshot_churn_fill says why): on SQLite 24 months in one transaction
    held the database for a minute, and every other write, a sign-in included, gave up after its 20 s wait.
    Each period's stale mark (churn_model_store) goes once it is rescored.
    """
    reason = _rescore_reason(model)
    scored = {}
    for period in churn_model_periods(model) if periods is None else periods:
        # The score and everything derived from it (analytics/services/derived.py).
        scored[period] = derived_refresh(period, changed="churn_model").get("churn_scores", 0)
        StalePeriod.objects.filter(period=period, reason=reason).delete()
    return scored


def period_scored_count(period: dt.date) -> int:
    """How many rows of `period` carry a churn score (the partial index snap_period_scored answers it)."""
    return CustomerSnapshot.objects.filter(period=period, churn_risk__isnull=False).count()
