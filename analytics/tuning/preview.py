"""Live preview of a draft policy on the latest closed period: the real engine on the real aggregated inputs.

The preview runs `analytics.aggregates.snapshot_inputs` and `engine.compute_snapshot` exactly as
`snapshot_compute` does, for the draft and for the active policy, so its numbers are those a recompute would
store. The aggregated inputs depend on the policy only through the window (months fetched), the surge window,
punctuality (weight > 0) and the rhythm rule: they are cached per period and those settings for a few minutes,
keyed also by a cheap stamp of the data so an import or an override is seen at once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

import pandas as pd
from django.core.cache import cache
from django.db.models import Max

from analytics.aggregates import snapshot_inputs
from analytics.engine.grading import GRADE_ORDER, GRADES
from analytics.engine.policy import Policy
from analytics.engine.snapshot import SnapshotInputs, compute_snapshot, months_needed, period_summary
from analytics.labels import grade_label_text
from analytics.models import PeriodSummary
from analytics.periods import last_closed_period
from customers.models import Customer
from customers.selectors import customer_list
from sales.models import ImportBatch, Order, Payment

CACHE_SECONDS = 300
SAMPLE_SIZE = 20


def preview_period() -> dt.date | None:
    """The latest closed period that has a snapshot (the one the cockpit shows)."""
    return (PeriodSummary.objects.filter(period__lte=last_closed_period()).order_by("-period")
            .values_list("period", flat=True).first())


def _data_stamp() -> str:
    """Changes whenever orders, payments, imports or customers (overrides included) change: index-only lookups."""
    parts = [
        Order.objects.aggregate(m=Max("id"))["m"], Payment.objects.aggregate(m=Max("id"))["m"],
        ImportBatch.objects.aggregate(m=Max("id"))["m"], Customer.objects.aggregate(m=Max("updated_at"))["m"],
    ]
    return hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()[:20]


def inputs_key(policy: Policy, period: dt.date) -> str:
    """What the aggregated inputs of `period` depend on in a policy (never the cuts, weights or labels)."""
    first, _ = months_needed(policy, year=period.year, month=period.month)
    return ":".join([
        "tuning-inputs", period.isoformat(), first, str(policy.surge.window_days),
        "p" if policy.weighted_score.weights.punctuality > 0 else "-", "r" if policy.lifecycle.rhythm else "-",
    ])


def preview_inputs(policy: Policy, period: dt.date) -> SnapshotInputs:
    """The engine's inputs for `period` under `policy`, from the cache when the data has not changed."""
    key = f"{inputs_key(policy, period)}:{_data_stamp()}"
    found = cache.get(key)
    if found is None:
        found, _customers = snapshot_inputs(policy, period)
        cache.set(key, found, CACHE_SECONDS)
    return found


@dataclass
class GradeRow:
    grade: str
    label: str
    active_customers: int
    draft_customers: int
    active_sales: Decimal
    draft_sales: Decimal

    @property
    def customers_change(self) -> int:
        return self.draft_customers - self.active_customers


@dataclass
class Mover:
    code: str
    name: str
    active_grade: str
    draft_grade: str
    sales: Decimal
    direction: str


@dataclass
class Preview:
    period: dt.date
    customers: int
    grades: list[GradeRow]
    up: int
    down: int
    overrides: int
    sample: list[Mover]


def _fen(value: int) -> Decimal:
    return Decimal(int(value)).scaleb(-2)


def _movers(active: pd.DataFrame, draft: pd.DataFrame) -> pd.DataFrame:
    """customer_id, code, active and draft effective grade, sales, direction for each customer whose grade moves."""
    both = active[["customer_id", "code", "grade"]].merge(
        draft[["customer_id", "grade", "sales_fen"]], on="customer_id", suffixes=("_active", "_draft"))
    step = both["grade_draft"].map(GRADE_ORDER) - both["grade_active"].map(GRADE_ORDER)
    both["direction"] = step.map(lambda s: "up" if s > 0 else ("down" if s < 0 else ""))
    return both[step != 0]


def policy_preview(*, draft: Policy, active: Policy, user: Any, period: dt.date | None = None,
                   sample_size: int = SAMPLE_SIZE) -> Preview | None:
    """Customers and sales per grade under `draft` beside `active`, who moves up or down, and a sample of movers.

    Grades are effective grades (an override holds under either policy), as the cockpit and PeriodSummary show them.
    None when no closed period has a snapshot yet.
    """
    period = period or preview_period()
    if period is None:
        return None
    frames = {
        name: compute_snapshot(preview_inputs(policy, period), policy, year=period.year, month=period.month)
        for name, policy in (("active", active), ("draft", draft))
    }
    summaries = {name: cast(dict[str, dict[str, int]], period_summary(frame)["grades"])
                 for name, frame in frames.items()}
    labels = grade_label_text(vars(draft.labels))
    grades = [
        GradeRow(g, labels[g], summaries["active"][g]["customers"], summaries["draft"][g]["customers"],
                 _fen(summaries["active"][g]["sales_fen"]), _fen(summaries["draft"][g]["sales_fen"]))
        for g in GRADES
    ]
    moved = _movers(frames["active"], frames["draft"])
    top = moved.sort_values(["sales_fen", "code"], ascending=[False, True], kind="mergesort").head(sample_size)
    names = dict(customer_list(user=user).filter(id__in=top["customer_id"].tolist()).values_list("id", "name"))
    sample = [
        Mover(r.code, names.get(r.customer_id, ""), r.grade_active, r.grade_draft, _fen(r.sales_fen), r.direction)
        for r in top.itertuples()
    ]
    return Preview(period=period, customers=len(frames["draft"]), grades=grades,
                   up=int((moved["direction"] == "up").sum()), down=int((moved["direction"] == "down").sum()),
                   overrides=int(frames["draft"]["override_active"].sum()), sample=sample)
