"""Periods whose inputs changed after they were computed: imports and merges mark them, a task recomputes."""

import datetime as dt
from collections.abc import Iterable

from analytics.models import PeriodSummary, StalePeriod
from analytics.periods import last_closed_period, month_range, parse_period


def periods_mark_stale(*, periods: Iterable[str | dt.date], reason: str) -> list[dt.date]:
    """Mark the computed, closed periods among `periods` ('YYYY-MM' or dates) for recompute; returns them."""
    wanted = {parse_period(p) if isinstance(p, str) else p.replace(day=1) for p in periods}
    closed = {p for p in wanted if p <= last_closed_period()}
    computed = set(PeriodSummary.objects.filter(period__in=closed).values_list("period", flat=True))
    for period in sorted(computed):
        StalePeriod.objects.update_or_create(period=period, defaults={"reason": reason[:255]})
    return sorted(computed)


def periods_stale() -> list[tuple[dt.date, str]]:
    """Stale periods, oldest first, with why they went stale."""
    return list(StalePeriod.objects.order_by("period").values_list("period", "reason"))


def periods_missing(*, today: dt.date | None = None) -> list[dt.date]:
    """Closed months since the ledger's first order that have no snapshot, oldest first (`compute_snapshots
    --missing`, and the beat's fill step: a month missed while the worker was down is computed on the next beat)."""
    from sales.models import Order

    first = Order.objects.order_by("order_date").values_list("order_date", flat=True).first()
    if first is None:
        return []
    done = set(PeriodSummary.objects.values_list("period", flat=True))
    return [p for p in month_range(first.replace(day=1), last_closed_period(today)) if p not in done]


def periods_due(*, today: dt.date | None = None) -> list[tuple[dt.date, str]]:
    """Every closed month to compute now, oldest first, with why: never computed, or stale since an import."""
    due = {period: "never computed" for period in periods_missing(today=today)}
    due.update({period: reason or "inputs changed" for period, reason in periods_stale()})
    return sorted(due.items())
