"""Churn risk on the cockpit pages (issue 8, docs/analytics.md §3.7): shown only where the model wins.

`churn_status` says whether any row of a period has a stored score (CustomerSnapshot.churn_risk, filled from
the winning model when the period is scored): the list then shows a "churn risk" column, else "days since last
order" and a note that the model is not used or not trained yet. The reasons are stored with the score
(churn_reasons), so a page reads both from the row it shows and never runs the model.
"""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.db.models import Exists

from analytics.churn.reasons import reasons_stored
from analytics.models import CustomerSnapshot
from analytics.periods import month_end
from analytics.selectors import churn_first_as_of, scored_rows


class ChurnStatus(NamedTuple):
    """What a list page says about churn risk for its period, read in one query."""

    scored: bool  # the winning model scored at least one customer: the risk column is shown
    trained: bool  # any model trained yet: "not used" rather than "not trained yet"
    hindsight: dt.date | None  # scored by a model trained after the period: that model's as-of date


def churn_status(period: dt.date | None) -> ChurnStatus:
    """The period's ChurnStatus, in one query on one of its rows (a period without rows shows no note)."""
    if period is None:
        return ChurnStatus(False, False, None)
    found = list(CustomerSnapshot.objects.filter(period=period).order_by().annotate(
        scored=Exists(scored_rows(period)), first=churn_first_as_of(),
    ).values_list("scored", "first")[:1])
    if not found:
        return ChurnStatus(False, False, None)
    scored, first = found[0]  # no earliest model: none trained yet
    hindsight = first if scored and first is not None and first > month_end(period) else None
    return ChurnStatus(scored, first is not None, hindsight)


@dataclass
class Risk:
    """One customer's churn risk (0..1) and up to three reasons as (code, translated label)."""

    risk: float | None
    reasons: list[tuple[str, Any]] = field(default_factory=list)

    @classmethod
    def stored(cls, risk: float | None, churn_reasons: str) -> "Risk":
        """The risk and reasons as a snapshot row stores them."""
        return cls(risk=risk, reasons=reasons_stored(churn_reasons) if risk is not None else [])

    @property
    def labels(self) -> list[str]:
        return [str(label) for _code, label in self.reasons]
