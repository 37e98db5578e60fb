"""Reads of snapshots, summaries and policies; every customer row through customers.selectors."""

import datetime as dt
from typing import Any

from django.db.models import QuerySet

from analytics.models import ChurnModel, CustomerSnapshot, PeriodSummary, SnapshotRun
from analytics.periods import month_end
from customers.selectors import scoped


def latest_period() -> dt.date | None:
    """The newest period that has a snapshot."""
    return PeriodSummary.objects.order_by("-period").values_list("period", flat=True).first()


def churn_model_trained() -> bool:
    """Whether any churn model has been trained yet: a page without scores says "not trained yet" (a fresh
    install computing its months) rather than "the model does not win"."""
    return ChurnModel.objects.exists()


def churn_hindsight(period: dt.date) -> dt.date | None:
    """For a period older than every churn model: the as-of date of the earliest one, which scores it
    (churn_model_active's fallback) having learnt from what came after it; None when a model as of the period's
    end or earlier exists."""
    end = month_end(period)
    first = ChurnModel.objects.order_by("as_of").values_list("as_of", flat=True).first()
    return first if first is not None and first > end else None


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
