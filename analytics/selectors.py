"""Reads of snapshots, summaries and policies; every customer row through customers.selectors."""

import datetime as dt
from typing import Any, NamedTuple, cast

from django.core.cache import cache
from django.db.models import Exists, QuerySet, Subquery

from analytics.models import ChurnModel, CustomerSnapshot, PeriodSummary, SnapshotRun
from analytics.services.policies import ACTIVE_POLICY_KEY, policy_active
from customers.selectors import scoped

# How long a page may read an active policy another process replaced without telling this one: a `set_policy`
# command, or a save in the web while the cache is per process (the embedded default's local-memory cache).
ACTIVE_POLICY_SECONDS = 60


class ActivePolicy(NamedTuple):
    """What pages read of the active grading policy: its id (cache keys of figures) and its stored labels."""

    pk: int
    labels: dict[str, Any]


def active_policy() -> ActivePolicy:
    """The active policy's id and grade labels, from the cache: the dashboard, the list and the profile each read
    them on every request, and they change only through services.policies.policy_set, which drops the cached copy
    when its transaction commits. Saves a query (about 1 ms of a page's CPU, BENCHMARKS.md) per page."""
    def read() -> ActivePolicy:
        row = policy_active()
        return ActivePolicy(row.pk, dict(row.data.get("labels") or {}))

    return cast(ActivePolicy, cache.get_or_set(ACTIVE_POLICY_KEY, read, ACTIVE_POLICY_SECONDS))


def latest_period() -> dt.date | None:
    """The newest period that has a snapshot."""
    return PeriodSummary.objects.order_by("-period").values_list("period", flat=True).first()


def churn_models_exist() -> Exists:
    """Whether any churn model has been trained, as an expression for a page's own query: a page without scores
    says "not trained yet" (a fresh install computing its months) rather than "the model does not win"."""
    return Exists(ChurnModel.objects.all())


def churn_first_as_of() -> Subquery:
    """The earliest churn model's as-of date, as an expression: a period ending before it is scored by that model
    (churn_model_active's fallback), which learnt from what came after the period: hindsight."""
    return Subquery(ChurnModel.objects.order_by("as_of").values("as_of")[:1])


def scored_rows(period: dt.date) -> QuerySet[CustomerSnapshot]:
    """Every row of `period` the churn model scored (churn_risk filled from the winning model; docs/analytics.md
    §3.7)."""
    return CustomerSnapshot.objects.filter(period=period, churn_risk__isnull=False)


def snapshot_list(*, user: Any) -> QuerySet[CustomerSnapshot]:
    """Snapshot rows of the customers `user` may see, with customer, region and salesperson joined."""
    return scoped(CustomerSnapshot.objects.select_related("customer", "region", "salesperson"), user=user)


def period_summaries() -> QuerySet[PeriodSummary]:
    return PeriodSummary.objects.select_related("policy").order_by("-period")


def snapshot_runs() -> QuerySet[SnapshotRun]:
    return SnapshotRun.objects.select_related("policy").order_by("-started_at", "-id")
