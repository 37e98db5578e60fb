"""Churn risk on the cockpit pages (issue 8, docs/analytics.md §3.7): shown only where the model wins.

`period_scored` says whether any row of a period has a stored score (CustomerSnapshot.churn_risk, filled from
the winning model when the period is scored): the list then shows a "churn risk" column, else "days since last
order" and a note that the model is not used. The reasons are stored with the score (churn_reasons), so a page
reads both from the row it shows and never runs the model.
"""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from analytics.churn.reasons import reasons_stored
from analytics.selectors import scored_rows


def period_scored(period: dt.date | None) -> bool:
    """True when the winning churn model scored at least one customer of `period` (one query)."""
    if period is None:
        return False
    return scored_rows(period).exists()


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
