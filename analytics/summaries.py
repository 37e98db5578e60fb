"""Period summaries as a user may see them: the stored company-wide figures, or the same figures over exactly the
user's customers (issue 17 item 1: the API served a regional manager the company's totals).

A stored PeriodSummary is written once per closed period over every customer. Anyone who does not see every
customer gets the same shape recomputed in SQL from their snapshot rows of the period (a handful of GROUP BY
queries for a whole page of periods, whatever the number of rows), with the control figures (docs/analytics.md §3.5) run
by the engine over their own monthly totals.
"""

import copy
import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

import pandas as pd
from django.db.models import Count, Q, QuerySet, Sum

from analytics.engine.control import control_alerts
from analytics.engine.policy import parse_policy
from analytics.models import CustomerSnapshot, PeriodSummary
from analytics.periods import add_months, fmt
from customers.selectors import scoped, sees_every_customer

GRADES = ("A", "B", "C", "D")
LIFECYCLES = ("active", "at_risk", "churned", "never")
MOVEMENTS = ("up", "down", "same")
FLAGS = ("is_new", "sales_surge", "sales_plunge", "orders_surge", "orders_plunge", "override_active")
HISTORY_MONTHS = 36  # the control figures' baseline and last year (the dashboard reads as many)
CENT = Decimal("0.01")


def _fen(amount: Decimal | None) -> int:
    return int((amount or Decimal(0)) * 100)


def _blank() -> dict[str, Any]:
    """PeriodSummary.data of no customers (engine.snapshot.period_summary's keys)."""
    return {
        "customers": 0, "sales_fen": 0, "orders": 0, "buying_customers": 0, "avg_order_value_fen": None,
        "grades": {g: {"customers": 0, "sales_fen": 0} for g in GRADES},
        "lifecycle": {k: {"customers": 0, "sales_fen": 0} for k in LIFECYCLES},
        "movement": dict.fromkeys(MOVEMENTS, 0),
        "transitions": {a: dict.fromkeys(GRADES, 0) for a in (*GRADES, "none")},
        "flags": dict.fromkeys(FLAGS, 0), "receivable_fen": 0, "overdue_fen": 0, "control": {},
    }


def _totals(qs: QuerySet[CustomerSnapshot], data: dict[dt.date, dict[str, Any]]) -> None:
    rows = qs.values("period").annotate(
        customers=Count("id"), buying=Count("id", filter=Q(orders__gt=0)), orders_sum=Sum("orders"),
        sales_sum=Sum("sales"), receivable_sum=Sum("receivable"), overdue_sum=Sum("overdue"),
        **{f"m_{m}": Count("id", filter=Q(movement=m)) for m in MOVEMENTS},
        **{f"f_{f}": Count("id", filter=Q(**{f: True})) for f in FLAGS},
    )
    for row in rows:
        out = data[row["period"]]
        orders, sales = row["orders_sum"] or 0, _fen(row["sales_sum"])
        out.update(customers=row["customers"], buying_customers=row["buying"], orders=orders, sales_fen=sales,
                   avg_order_value_fen=sales / orders if orders else None, receivable_fen=_fen(row["receivable_sum"]),
                   overdue_fen=_fen(row["overdue_sum"]))
        out["movement"] = {m: row[f"m_{m}"] for m in MOVEMENTS}
        out["flags"] = {f: row[f"f_{f}"] for f in FLAGS}


def _breakdowns(qs: QuerySet[CustomerSnapshot], data: dict[dt.date, dict[str, Any]]) -> None:
    for column, key in (("grade", "grades"), ("lifecycle", "lifecycle")):
        for row in qs.values("period", column).annotate(n=Count("id"), s=Sum("sales")):
            data[row["period"]][key][row[column]] = {"customers": row["n"], "sales_fen": _fen(row["s"])}
    for row in qs.values("period", "previous_grade", "computed_grade").annotate(n=Count("id")):
        data[row["period"]]["transitions"][row["previous_grade"] or "none"][row["computed_grade"]] = row["n"]


def _control(user: Any, rows: list[PeriodSummary], data: dict[dt.date, dict[str, Any]]) -> None:
    """docs/analytics.md §3.5 of the user's customers: their monthly totals through the engine, under each period's
    policy."""
    first, last = add_months(min(r.period for r in rows), -(HISTORY_MONTHS - 1)), max(r.period for r in rows)
    months = list(
        scoped(CustomerSnapshot.objects.filter(period__gte=first, period__lte=last), user=user).order_by()
        .values("period").annotate(buying=Count("id", filter=Q(sales__gt=0)), sales=Sum("sales"), orders=Sum("orders"))
        .order_by("period").values_list("period", "buying", "sales", "orders")
    )
    if not months:
        return
    frame = pd.DataFrame({"month": [fmt(p) for p, *_ in months], "buying_customers": [b for _, b, _, _ in months],
                          "sales_fen": [_fen(s) for _, _, s, _ in months], "orders": [o or 0 for *_, o in months]})
    tables: dict[int, pd.DataFrame] = {}
    for row in rows:
        if row.policy_id not in tables:
            control = parse_policy(row.policy.data).control
            tables[row.policy_id] = control_alerts(frame, baseline_periods=control.baseline_periods,
                                                   drop=control.drop)
        found = tables[row.policy_id]
        found = found[found["month"] == fmt(row.period)]
        if len(found):
            data[row.period]["control"] = _plain(found.iloc[0].to_dict())


def _plain(record: dict[str, Any]) -> dict[str, Any]:
    """JSON-safe values (numpy scalars, NaN as None), as the stored summary keeps them."""
    out: dict[str, Any] = {}
    for key, value in record.items():
        value = value.item() if hasattr(value, "item") else value
        out[str(key)] = None if isinstance(value, float) and value != value else value
    return out


def period_summaries_for(*, user: Any, rows: list[PeriodSummary]) -> list[PeriodSummary]:
    """`rows` (stored summaries) as `user` may see them: unchanged for a user who sees every customer, else copies
    whose every figure is computed over exactly the user's customers (customers.selectors, the one scoping rule).
    """
    if not rows or sees_every_customer(user):
        return rows
    data: dict[dt.date, dict[str, Any]] = defaultdict(_blank)
    qs = scoped(CustomerSnapshot.objects.filter(period__in=[r.period for r in rows]), user=user).order_by()
    _totals(qs, data)
    _breakdowns(qs, data)
    _control(user, rows, data)
    out = []
    for row in rows:
        figures = data[row.period]
        mine = copy.copy(row)
        mine.data = figures
        mine.customers, mine.buying_customers, mine.orders = (figures["customers"], figures["buying_customers"],
                                                              figures["orders"])
        mine.sales = (Decimal(figures["sales_fen"]) / 100).quantize(CENT)
        aov = figures["avg_order_value_fen"]
        mine.avg_order_value = None if aov is None else (Decimal(aov) / 100).quantize(CENT)
        out.append(mine)
    return out
