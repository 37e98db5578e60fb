"""Churn risk on the cockpit pages (issue 8, docs/analytics.md §3.7): shown only where the model wins.

`period_scored` says whether any row of a period has a stored score (CustomerSnapshot.churn_risk, filled from
the winning model after the snapshot commits): the list then shows a "churn risk" column, else "days since last
order" and a note that the model is not used. `risk_explained` makes ONE call to
analytics.churn.services.churn_risk_explain for a page's customers (never one per row).
"""

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from analytics.periods import month_end
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

    @property
    def labels(self) -> list[str]:
        return [str(label) for _code, label in self.reasons]


def risk_explained(*, period: dt.date, customer_ids: Iterable[int], top: int = 3) -> dict[int, Risk] | None:
    """customer id -> Risk as of the period's end, in one call for all of them; None when no model wins."""
    from analytics.churn.services import churn_risk_explain

    ids = list(dict.fromkeys(int(i) for i in customer_ids))
    if not ids:
        return {}
    frame = churn_risk_explain(as_of=month_end(period), customer_ids=ids, top=top)
    if frame is None:
        return None
    out: dict[int, Risk] = {}
    for cid, risk, reasons in zip(frame.index, frame["churn_risk"], frame["reasons"], strict=True):
        value = None if risk is None or (isinstance(risk, float) and math.isnan(risk)) else float(risk)
        out[int(cid)] = Risk(risk=value, reasons=list(reasons) if isinstance(reasons, list) else [])
    return out
