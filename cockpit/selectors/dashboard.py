"""The dashboard's figures for one period and one scope, in a handful of queries whatever the number of rows.

A company-wide scope reads the stored PeriodSummary; any narrower scope (a salesperson, a regional manager, a
region or salesperson filter) groups the scope's CustomerSnapshot rows in SQL into the same shape.
"""

import datetime as dt
import hashlib
from decimal import Decimal
from typing import Any

import pandas as pd
from django.db import connection
from django.db.models import Aggregate, Case, CharField, Count, IntegerField, Max, Min, Q, Sum, Value, When
from django.db.models.expressions import OuterRef, Subquery

from analytics.engine.control import control_alerts
from analytics.engine.policy import parse_policy
from analytics.models import CustomerPulse, CustomerSnapshot, GradingPolicy, PeriodSummary, SnapshotLock
from analytics.periods import add_months, fmt
from customers.models import Customer
from customers.roles import user_role
from sales.models import Order

from .common import Scope, cache_key, cached, snapshots

GRADES = ("A", "B", "C", "D")
LIFECYCLES = ("active", "at_risk", "churned", "never")
FLAGS = ("is_new", "sales_surge", "sales_plunge", "orders_surge", "orders_plunge")
TREND_MONTHS = 24
HISTORY_MONTHS = TREND_MONTHS + 12  # a baseline and last year for every month shown
CENT = Decimal("0.01")


def fen_to_yuan(fen: Any) -> Decimal:
    """An amount in fen (the summaries' integers) as yuan; the page formats it with the `yuan` filter."""
    return (Decimal(int(fen or 0)) / 100).quantize(CENT)


def _empty() -> dict[str, Any]:
    return {
        "customers": 0, "buying_customers": 0, "orders": 0, "sales_fen": 0,
        "grades": {g: {"customers": 0, "sales_fen": 0} for g in GRADES},
        "lifecycle": {k: {"customers": 0} for k in LIFECYCLES},
        "flags": dict.fromkeys(FLAGS, 0),
        "transitions": {a: dict.fromkeys(GRADES, 0) for a in (*GRADES, "none")},
    }


def _fen(amount: Decimal | None) -> int:
    return int((amount or Decimal(0)) * 100)


def summary_scoped(scope: Scope, period: dt.date) -> dict[str, Any]:
    """PeriodSummary.data's shape for a narrower scope: four GROUP BY queries over the scope's snapshot rows."""
    qs = snapshots(scope, period)
    out = _empty()
    totals = qs.aggregate(
        customers=Count("id"), buying=Count("id", filter=Q(orders__gt=0)), orders=Sum("orders"), sales=Sum("sales"),
        **{f: Count("id", filter=Q(**{f: True})) for f in FLAGS},
    )
    out.update(customers=totals["customers"], buying_customers=totals["buying"], orders=totals["orders"] or 0,
               sales_fen=_fen(totals["sales"]))
    out["flags"] = {f: totals[f] for f in FLAGS}
    for row in qs.order_by().values("grade").annotate(n=Count("id"), s=Sum("sales")):
        out["grades"][row["grade"]] = {"customers": row["n"], "sales_fen": _fen(row["s"])}
    for row in qs.order_by().values("lifecycle").annotate(n=Count("id")):
        out["lifecycle"][row["lifecycle"]] = {"customers": row["n"]}
    for row in qs.order_by().values("previous_grade", "computed_grade").annotate(n=Count("id")):
        out["transitions"][row["previous_grade"] or "none"][row["computed_grade"]] = row["n"]
    return out


def summary_for(scope: Scope, period: dt.date, stored: PeriodSummary | None) -> dict[str, Any]:
    """The figures of `period` for `scope`: the stored summary when company-wide, else grouped in SQL."""
    if stored is not None and scope.company_wide():
        data = _empty()
        data.update({k: v for k, v in stored.data.items() if k in data})
        return data
    return summary_scoped(scope, period)


def grade_rows(summary: dict[str, Any], labels: dict[str, str]) -> list[dict[str, Any]]:
    """Customers and sales per grade with the cumulative share of sales (the Pareto curve), A first."""
    total = sum(max(summary["grades"][g]["sales_fen"], 0) for g in GRADES)
    customers = sum(summary["grades"][g]["customers"] for g in GRADES)
    rows, running = [], 0
    for g in GRADES:
        cell = summary["grades"][g]
        running += max(cell["sales_fen"], 0)
        rows.append({
            "grade": g, "label": labels[g], "customers": cell["customers"], "sales": fen_to_yuan(cell["sales_fen"]),
            "customer_share": cell["customers"] / customers if customers else None,
            "sales_share": max(cell["sales_fen"], 0) / total if total else None,
            "cumulative_share": running / total if total else None,
        })
    return rows


def trend_company(period: dt.date) -> list[dict[str, Any]]:
    """The stored control rows (docs/analytics.md §3.5) of the periods up to `period`, oldest first."""
    first = add_months(period, -(TREND_MONTHS - 1))
    rows = PeriodSummary.objects.filter(period__gte=first, period__lte=period).order_by("period")
    return [dict(r["data"].get("control") or {}, month=fmt(r["period"])) for r in rows.values("period", "data")]


def trend_grouped(scope: Scope, period: dt.date, policy_row: GradingPolicy) -> list[dict[str, Any]]:
    """docs/analytics.md §3.5 control figures of the scope's customers: one GROUP BY over their snapshot rows, then
    the engine."""
    first = add_months(period, -(HISTORY_MONTHS - 1))
    rows = list(
        scope.filter(CustomerSnapshot.objects.filter(period__gte=first, period__lte=period))
        .order_by().values("period")
        .annotate(buying=Count("id", filter=Q(sales__gt=0)), sales=Sum("sales"), orders=Sum("orders"))
        .values_list("period", "buying", "sales", "orders")
    )
    if not rows:
        return []
    frame = pd.DataFrame({
        "month": [fmt(p) for p, *_ in rows], "buying_customers": [b for _, b, _, _ in rows],
        "sales_fen": [_fen(s) for _, _, s, _ in rows], "orders": [o or 0 for *_, o in rows],
    })
    control = parse_policy(policy_row.data).control
    table = control_alerts(frame, baseline_periods=control.baseline_periods, drop=control.drop)
    shown = table[table["month"] >= fmt(add_months(period, -(TREND_MONTHS - 1)))]
    return [{k: (None if isinstance(v, float) and v != v else v) for k, v in rec.items()}
            for rec in shown.to_dict("records")]


STEPS = Case(When(previous_grade="A", then=Value(4)), When(previous_grade="B", then=Value(3)),
             When(previous_grade="C", then=Value(2)), default=Value(1), output_field=IntegerField())
NOW = Case(When(computed_grade="A", then=Value(4)), When(computed_grade="B", then=Value(3)),
           When(computed_grade="C", then=Value(2)), default=Value(1), output_field=IntegerField())
MOVERS_ORDER = ("-steps", "mom_growth", "code")


def top_movers(scope: Scope, period: dt.date, limit: int = 10) -> list[int]:
    """Ids of the biggest downgrades among last period's A and B: most grades lost, then the steepest sales fall.

    Picked on the snapshot rows alone (movers_rows joins them): with the join in the same query PostgreSQL
    joined every downgraded row (3,356 at 50,000 customers) to its customer before sorting.
    """
    picked = (snapshots(scope, period).filter(previous_grade__in=["A", "B"], movement="down")
              .annotate(steps=STEPS - NOW).order_by(*MOVERS_ORDER).values_list("id", flat=True)[:limit])
    return list(picked)


def movers_rows(period: dt.date, ids: list[int]) -> list[CustomerSnapshot]:
    """The period's snapshot rows of `ids` in that order, with the customer and their live owner (names can
    change). The period confines the lookup to its partition on PostgreSQL."""
    picked = CustomerSnapshot.objects.filter(period=period, id__in=ids).select_related("customer__owner")
    rows = {r.id: r for r in picked}
    return [rows[i] for i in ids if i in rows]


PULSE_CACHE_SECONDS = 24 * 3600


def pulse(scope: Scope, members: str) -> dict[str, Any] | None:
    """Month-to-date pulse as of yesterday (CustomerPulse), counted for the scope in one query, and cached.

    pulse_compute replaces every row, so the newest row's id and the as-of date name a run (two index probes);
    with `members` (scope_members) a reassignment recounts a narrower scope at once. Counting 50,000 rows cost
    7 ms of every dashboard view. A merge deletes the merged customer's row: the company-wide count keeps it
    until the next run, as the pulse saw it yesterday.
    """
    stamp = CustomerPulse.objects.aggregate(last=Max("id"), as_of=Max("as_of"))
    if stamp["as_of"] is None:
        return None
    key = cache_key("pulse", stamp["last"], stamp["as_of"].isoformat(), members, user_role(scope.user),
                    str(scope.rule()))
    counts = cached(key, lambda: scope.filter(CustomerPulse.objects.all()).aggregate(
        as_of=Max("as_of"), customers=Count("id"),
        **{k: Count("id", filter=Q(lifecycle=k)) for k in LIFECYCLES},
        **{f: Count("id", filter=Q(**{f: True})) for f in FLAGS},
    ), PULSE_CACHE_SECONDS)
    return counts if counts["as_of"] else None


def first_order_month() -> dt.date | None:
    """Month of the earliest order on file: in that month every buyer looks new (docs/analytics.md §3.2)."""
    first = Order.objects.exclude(status=Order.Status.CANCELLED).aggregate(d=Min("order_date"))["d"]
    return first.replace(day=1) if first else None


def _change(cur: float | None, base: float | None) -> float | None:
    if cur is None or base is None or base <= 0:
        return None
    return (cur - base) / base


def control_cards(row: dict[str, Any] | None, drop: Decimal) -> list[dict[str, Any]]:
    """The period's three control figures against the baseline AND the same month last year.

    The engine raises an alert on a drop of more than `drop` against either (docs/analytics.md §3.5). A drop against the
    baseline while last year's same month was no higher is seasonal (the Spring Festival dip), so it is shown
    as such instead of as a crisis; a drop against last year is a real alert.
    """
    if not row:
        return []
    cut = float(drop)
    cards = []
    for metric in ("buying_customers", "sales_fen", "avg_order_value_fen"):
        cur, base, prior = row.get(metric), row.get(f"{metric}_baseline"), row.get(f"{metric}_last_year")
        vs_base, vs_year = _change(cur, base), _change(cur, prior)
        status = "ok"
        if row.get(f"{metric}_alert"):
            status = "seasonal" if vs_year is not None and vs_year >= -cut else "alert"
        money = metric != "buying_customers"
        cards.append({
            "metric": metric, "money": money, "status": status, "vs_baseline": vs_base, "vs_last_year": vs_year,
            "value": fen_to_yuan(cur) if money and cur is not None else cur,
            "baseline": fen_to_yuan(base) if money and base is not None else base,
            "last_year": fen_to_yuan(prior) if money and prior is not None else prior,
        })
    return cards


class _IdsDigest(Aggregate):
    """md5 of the ids in order (PostgreSQL): one row whatever the number of customers."""

    template = "md5(coalesce(string_agg((%(expressions)s)::text, ',' ORDER BY %(expressions)s), ''))"
    output_field = CharField()


def scope_members(scope: Scope) -> str:
    """Which customers `scope` sees right now: a digest of their ids.

    Lists and figures follow the customer's live owner and region, so a reassignment, a region change or a new
    customer changes a narrower scope's figures without any month being recomputed; this digest changes with them.
    """
    if scope.company_wide():
        return "company"
    customers = Customer.objects.filter(scope.rule()).filter(scope.narrow_q(prefix=""))
    if connection.vendor == "postgresql":
        return str(customers.aggregate(d=_IdsDigest("id"))["d"])
    ids = customers.order_by("id").values_list("id", flat=True)
    return hashlib.md5(",".join(str(i) for i in ids).encode(), usedforsecurity=False).hexdigest()


def periods_version(period: dt.date, months: int = HISTORY_MONTHS) -> list[tuple[str, int, str, Any]]:
    """(period, snapshot run, computed at, rows' version) of the closed periods a dashboard of `period` reads (the
    trend's baseline and last year included): a recompute replaces a period's run and stamp; a write to the rows
    without one (a manual override, analytics/services/overrides.py) moves the version (analytics/snapshot_version)."""
    first = add_months(period, -(months - 1))
    rows = PeriodSummary.objects.filter(period__gte=first, period__lte=period).order_by("period").annotate(
        rows_version=Subquery(SnapshotLock.objects.filter(period=OuterRef("period")).values("version")[:1]))
    return [(fmt(p), r, c.isoformat(), v)
            for p, r, c, v in rows.values_list("period", "run_id", "computed_at", "rows_version")]
