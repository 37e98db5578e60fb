"""Periods whose inputs changed after they were computed: imports and merges mark them, a task recomputes."""

import datetime as dt
from collections.abc import Iterable

from analytics.models import PeriodSummary, StalePeriod
from analytics.periods import last_closed_period, parse_period


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
