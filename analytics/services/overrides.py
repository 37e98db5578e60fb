"""A manual override shows at once (issue 16 defect 3): the stored periods get the grade a recompute would give.

An override (or its removal) changes, in every computed period of the customer, exactly what the engine derives
from the effective grade: the row's grade, override_active, recommended action and its reason (docs/analytics.md §3.1,
§3.6), and the period summary's per-grade counts and override flag the dashboard reads. Everything else in a snapshot
(computed and previous grade, movement, the transition matrix) uses computed grades and stays. The engine's own
functions decide, so the rows equal those of a full recompute; no period has to be recomputed or marked stale.

Runs in the caller's transaction (the override service's) under the periods' locks, so it and a recompute of a
period never interleave. The row update moves the period's snapshot version (the triggers of
analytics/snapshot_version.py), which keys the list's cached counts and pages.
"""

import datetime as dt
from decimal import Decimal
from typing import Any

import pandas as pd
from django.db import transaction

from analytics.engine.action import recommended_action
from analytics.engine.grading import apply_override
from analytics.models import CustomerSnapshot, PeriodSummary
from analytics.periods import month_end
from customers.models import Customer

from .derived import derived_refresh
from .snapshots import lock_periods

LOCK_WAIT_SECONDS = 30  # a page waits this long for a running recompute of the period, then says so
COLUMNS = ("id", "period", "computed_grade", "grade", "override_active", "action", "action_reason", "lifecycle",
           "orders", "previous_grade", "sales_plunge", "sales")


def _effective(customer: Customer, rows: pd.DataFrame) -> pd.DataFrame:
    """grade, override_active, action and action_reason of `rows` (one per period) under the customer's override."""
    n = len(rows)
    grade = apply_override(rows["computed_grade"], pd.Series([customer.override_grade or None] * n, index=rows.index),
                           pd.Series([customer.override_until] * n, index=rows.index, dtype=object),
                           rows["period"].map(month_end))
    previous = rows["previous_grade"].where(rows["previous_grade"] != "", None)
    act = recommended_action(rows["lifecycle"], rows["orders"] > 0, previous, rows["sales_plunge"], grade)
    return pd.DataFrame({"grade": grade, "override_active": grade != rows["computed_grade"],
                         "action": act["action"], "action_reason": act["reason_code"]}, index=rows.index)


def _changed(customer: Customer) -> list[dict[str, Any]]:
    """The customer's rows whose effective values differ, with the new values."""
    qs = CustomerSnapshot.objects.filter(customer=customer)
    rows = pd.DataFrame.from_records(list(qs.order_by("period").values_list(*COLUMNS)), columns=list(COLUMNS))
    if not len(rows):
        return []
    new = _effective(customer, rows)
    keys = ["grade", "override_active", "action", "action_reason"]
    differ = (rows[keys].astype(object).to_numpy() != new[keys].astype(object).to_numpy()).any(axis=1)
    values = new[keys].to_dict(orient="index")
    return [{**old, "new": {k: bool(v) if k == "override_active" else str(v) for k, v in values[i].items()}}
            for i, old in rows[differ].to_dict(orient="index").items()]


def _summary_move(period: dt.date, sales: Decimal, old: dict[str, Any], new: dict[str, Any]) -> None:
    """Move one customer between the period summary's grades (customers and sales) and its override count."""
    summary = PeriodSummary.objects.select_for_update().filter(period=period).first()
    if summary is None:
        return
    data, fen = summary.data, int(sales.scaleb(2))
    grades = data.get("grades", {})
    if old["grade"] != new["grade"] and old["grade"] in grades and new["grade"] in grades:
        grades[old["grade"]]["customers"] -= 1
        grades[old["grade"]]["sales_fen"] -= fen
        grades[new["grade"]]["customers"] += 1
        grades[new["grade"]]["sales_fen"] += fen
    flags = data.get("flags", {})
    if "override_active" in flags:
        flags["override_active"] += int(new["override_active"]) - int(old["override_active"])
    summary.save(update_fields=["data"])


@transaction.atomic
def snapshot_override_apply(*, customer: Customer, wait_seconds: int | None = None) -> list[dt.date]:
    """Give the customer's stored rows the effective grade and action of their current override (or none).

    docs/analytics.md §3.1 manual override (no start date: earlier periods too), 3.6 actions. Returns the periods
    changed. Raises analytics.services.snapshots.SnapshotBusy when a recompute holds a period longer than `wait_seconds`
    (default LOCK_WAIT_SECONDS).
    """
    wait = LOCK_WAIT_SECONDS if wait_seconds is None else wait_seconds
    # Every period's lock before any row is read (lock_periods says why): the override may touch any of them.
    lock_periods(None, wait)
    done = []
    for row in _changed(customer):
        new = row["new"]
        CustomerSnapshot.objects.filter(period=row["period"], id=row["id"]).update(**new)
        _summary_move(row["period"], row["sales"], row, new)
        done.append(row["period"])
    for period in sorted(set(done)):
        derived_refresh(period, changed="override")  # what is derived from the rows (analytics/services/derived)
    return done
