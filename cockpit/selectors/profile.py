"""One customer's profile: history, purchases, behaviour, receivables, visits and coupons, a query or two each.

Callers pass a customer they got from customers.selectors.customer_get (already scoped to the user).
"""

import datetime as dt
import statistics
from collections import Counter
from decimal import Decimal
from typing import Any, NamedTuple

from django.db.models import Count, Exists, Q, Sum

from analytics.engine.receivables import AGING_BUCKETS
from analytics.models import CustomerSnapshot
from analytics.periods import add_months, fmt, month_end
from analytics.selectors import churn_models_exist, scored_rows
from cockpit import labels
from coupons.models import CouponIssue
from customers.models import Customer, Visit
from sales.models import Order, OrderLine, Payment

HISTORY_MONTHS = 24
TOP = 5
VISITS_SHOWN = 50
COUPONS_SHOWN = 50
CENT = Decimal("0.01")


class GradeMonth(NamedTuple):
    """One month of a customer's grade history."""

    period: dt.date
    grade: str


def grade_history(customer: Customer) -> list[GradeMonth]:
    """The customer's grades in their last HISTORY_MONTHS monthly snapshots, oldest first.

    Two columns, not whole rows: the history only draws the grade strip and chart, and 24 full snapshot rows
    cost ~2 ms more to build as model instances. It reads every snapshot partition, and planning that cost
    PostgreSQL 1.45 ms per profile against 0.14 ms prepared (reference data): psycopg prepares it on a pooled
    connection after a few runs (config/settings/base.py). snapshot_at gives the latest.
    """
    rows = (CustomerSnapshot.objects.filter(customer=customer).order_by("-period")
            .values_list("period", "grade")[:HISTORY_MONTHS])
    return [GradeMonth(period, grade) for period, grade in reversed(rows)]


def snapshot_at(customer: Customer, period: dt.date) -> CustomerSnapshot | None:
    """The customer's snapshot of `period`: naming the period lets PostgreSQL read one partition.

    Annotated, in the same query, with what the churn card says when this customer has no score: `period_scored`
    (did the churn model score anyone that month) and `churn_trained` (has any model been trained yet).
    """
    return CustomerSnapshot.objects.filter(customer=customer, period=period).annotate(
        period_scored=Exists(scored_rows(period)), churn_trained=churn_models_exist()).first()


class OrderDay(NamedTuple):
    """One day of a customer's live (non-cancelled) orders: positive orders and their sum, credits, net."""

    date: dt.date
    orders: int  # orders with a positive amount
    sales: Decimal  # sum of the positive amounts
    credits: Decimal  # sum of the negative amounts (returns), <= 0
    net: Decimal  # sum of every amount


def order_days(customer: Customer) -> list[OrderDay]:
    """The customer's live orders summed per day, oldest first: one query serves monthly sales, behaviour and aging.

    Orders of one day share their issue and due dates, so summing them first changes none of those figures.
    """
    positive, negative = Q(amount__gt=0), Q(amount__lt=0)
    rows = (Order.objects.filter(customer=customer).exclude(status=Order.Status.CANCELLED)
            .values("order_date").order_by("order_date")
            .annotate(n=Count("id", filter=positive), s=Sum("amount", filter=positive),
                      c=Sum("amount", filter=negative), t=Sum("amount"))
            .values_list("order_date", "n", "s", "c", "t"))
    zero = Decimal(0)
    return [OrderDay(d, n, s or zero, c or zero, t or zero) for d, n, s, c, t in rows]


def monthly_sales(days: list[OrderDay], last: dt.date, months: int = HISTORY_MONTHS) -> list[dict[str, Any]]:
    """Sales and positive-order count per month for the `months` months ending with `last`, zeros included."""
    first = add_months(last.replace(day=1), -(months - 1))
    end = month_end(last)
    found: dict[dt.date, list[Any]] = {}
    for day in days:
        if first <= day.date <= end:
            cell = found.setdefault(day.date.replace(day=1), [Decimal(0), 0])
            cell[0] += day.net
            cell[1] += day.orders
    out = []
    for i in range(months):
        p = add_months(first, i)
        sales, orders = found.get(p, (Decimal(0), 0))
        out.append({"month": fmt(p), "sales": sales, "orders": orders})
    return out


def preferences(customer: Customer, start: dt.date, end: dt.date) -> dict[str, list[dict[str, Any]]]:
    """Top categories and products by amount and by frequency (orders containing them).

    One read of the window's lines serves both levels (two GROUP BY queries before, each planned over four tables).
    """
    lines = (OrderLine.objects.filter(order__customer=customer, order__order_date__gte=start,
                                      order__order_date__lte=end).exclude(order__status=Order.Status.CANCELLED)
             .order_by().values_list("order_id", "product__category__path", "product__sku", "product__name", "amount"))
    groups: dict[str, dict[tuple[Any, ...], list[Any]]] = {"categories": {}, "products": {}}
    for order, path, sku, name, amount in lines:
        for key, group in (("categories", (path,)), ("products", (sku, name))):
            cell = groups[key].setdefault(group, [Decimal(0), set()])
            cell[0] += amount
            cell[1].add(order)
    out: dict[str, list[dict[str, Any]]] = {}
    for key, found in groups.items():
        rows = [{"name": " ".join(str(v) for v in group if v) or "—", "amount": amount, "orders": len(orders)}
                for group, (amount, orders) in found.items()]
        out[f"{key}_by_amount"] = sorted(rows, key=lambda r: (-r["amount"], r["name"]))[:TOP]
        out[f"{key}_by_frequency"] = sorted(rows, key=lambda r: (-r["orders"], -r["amount"], r["name"]))[:TOP]
    return out


def behaviour(days: list[OrderDay], today: dt.date) -> dict[str, Any]:
    """Average order value, median days between order dates, days since the last order, usual weekday."""
    bought = [(d.date, d.orders, d.sales) for d in days if d.orders and d.date <= today]
    if not bought:
        return {"orders": 0}
    orders = sum(n for _, n, _ in bought)
    total = sum((s for *_, s in bought), Decimal(0))
    gaps = [(b[0] - a[0]).days for a, b in zip(bought, bought[1:], strict=False)]
    weekdays = Counter()  # type: Counter[int]
    for d, n, _ in bought:
        weekdays[d.weekday()] += n
    return {
        "orders": orders, "avg_order_value": (total / orders).quantize(CENT),
        "median_gap": statistics.median(gaps) if gaps else None, "days_since": (today - bought[-1][0]).days,
        "weekday": weekdays.most_common(1)[0][0], "first": bought[0][0], "last": bought[-1][0],
    }


def aging_fen(receivables: list[tuple[dt.date, dt.date, int]], settled_fen: int, as_of: dt.date) -> dict[str, int]:
    """One customer's outstanding fen by days past due as of `as_of`: analytics.engine.receivables.aging_buckets
    for a single customer, in plain Python (the pandas version cost ~10 ms per profile).

    docs/analytics.md §2 "Receivables": `receivables` are (due_date, issue_date, fen) issued on or before `as_of`,
    `settled_fen` every payment and credit on or before it, allocated oldest-first (due date, then issue date).
    """
    out = dict.fromkeys(AGING_BUCKETS, 0)
    left = settled_fen
    for due, _issued, fen in sorted(receivables, key=lambda r: (r[0], r[1])):
        covered = min(max(left, 0), fen)
        left -= fen
        late = (as_of - due).days
        bucket = 0 if late <= 0 else 1 if late <= 30 else 2 if late <= 60 else 3 if late <= 90 else 4
        out[AGING_BUCKETS[bucket]] += fen - covered
    return out


def aging(customer: Customer, days: list[OrderDay], as_of: dt.date) -> dict[str, Decimal] | None:
    """Outstanding receivables by days past due as of `as_of` (aging_fen); None for cash customers.

    `days` are the customer's order_days: a day's positive orders are one receivable, its returns credits.
    """
    if not customer.credit_days:
        return None
    paid = Payment.objects.filter(customer=customer, date__lte=as_of).aggregate(s=Sum("amount"))["s"]
    terms = dt.timedelta(days=customer.credit_days)
    issued = [d for d in days if d.date <= as_of]
    receivables = [(d.date + terms, d.date, int(d.sales * 100)) for d in issued if d.sales > 0]
    settled = sum(int(-d.credits * 100) for d in issued) + int((paid or 0) * 100)
    table = aging_fen(receivables, settled, as_of)
    return {b: (Decimal(table[b]) / 100).quantize(CENT) for b in AGING_BUCKETS}


class VisitLine(NamedTuple):
    """One visit of the profile's timeline."""

    date: dt.date
    kind: str
    note: str
    next_date: dt.date | None
    salesperson: str | None  # the salesperson's name
    salesperson_user_id: int | None
    logged_by_id: int | None
    logged_by_name: str | None  # the user's name as entered (first_name), else their login
    logged_by_login: str | None

    def kind_text(self) -> str:
        return labels.text(_VISIT_KINDS, self.kind)

    # ISO days for the template: the `date` filter's locale-aware formatting, twice per visit, was most of the
    # timeline's rendering time
    @property
    def day(self) -> str:
        return self.date.isoformat()

    @property
    def next_day(self) -> str:
        return self.next_date.isoformat() if self.next_date else ""

    def logger(self) -> str:
        """Who logged it, when that is not the salesperson it is filed under (a manager, an import); else ""."""
        if self.logged_by_id is None or self.logged_by_id == self.salesperson_user_id:
            return ""
        return self.logged_by_name or self.logged_by_login or ""


class CouponLine(NamedTuple):
    """One coupon the customer was sent (coupons.models.CouponIssue)."""

    queued_at: dt.datetime
    campaign: str  # the campaign's name
    code: str
    status: str

    def status_text(self) -> str:
        return labels.text(_COUPON_STATUSES, self.status)


_VISIT_KINDS = dict(Visit.Kind.choices)
_COUPON_STATUSES = dict(CouponIssue.Status.choices)


def visits(customer: Customer) -> list[VisitLine]:
    """The customer's newest VISITS_SHOWN visits, newest first (Visit's own order: date, then id)."""
    rows = Visit.objects.filter(customer=customer).values_list(
        "date", "kind", "note", "next_date", "salesperson__name", "salesperson__user_id", "logged_by_id",
        "logged_by__first_name", "logged_by__username")[:VISITS_SHOWN]
    return [VisitLine._make(row) for row in rows]


def coupons(customer: Customer) -> list[CouponLine]:
    """Coupons issued to the customer, newest first (coupons.models.CouponIssue)."""
    rows = (CouponIssue.objects.filter(customer=customer).order_by("-queued_at", "-id")
            .values_list("queued_at", "campaign__name", "code", "status")[:COUPONS_SHOWN])
    return [CouponLine._make(row) for row in rows]
