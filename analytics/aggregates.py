"""The database side of a snapshot: a handful of GROUP BY queries that fill the engine's SnapshotInputs.

Aggregation happens in the database (STYLE "Data"); money leaves SQL already as integer fen. Never a query per
customer. Whole months come from the monthly rollup (sales.CustomerMonth, kept by triggers on the orders): a
month's 100,000 orders are about 45,000 rollup rows. Only what does not fall on month boundaries reads the
orders themselves: the surge windows, the days of the month after T's last whole month (the daily pulse), and
the receivables' due-date cut inside a month.
"""

import datetime as dt
from typing import Any

import pandas as pd
from django.db import connection
from django.db.models import BigIntegerField, Count, DecimalField, ExpressionWrapper, F, Max, Min, Q, QuerySet, Sum
from django.db.models.functions import Cast, Coalesce, ExtractMonth, ExtractYear, Round

from analytics.engine.policy import Policy
from analytics.engine.receivables import receivable_overdue
from analytics.engine.snapshot import SnapshotInputs, months_needed
from analytics.engine.surge import surge_windows
from customers.models import Customer, Visit
from sales.bulk import select_integers
from sales.models import CustomerMonth, Order, Payment

from .periods import month_end, parse_period


class _SqliteStrftime:
    """On SQLite, a date part through SQLite's own strftime, not Django's django_date_extract: a Python function
    SQLite calls once per row, two of which cost 0.8 s of a 23,570-customer snapshot's 2.5 s (BENCHMARKS.md, ninth
    session). Elsewhere the transform's own SQL."""

    strftime: str  # %% : Django's SQLite cursor turns it back into one %
    lhs: Any

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        sql, params = compiler.compile(self.lhs)
        return f"CAST(strftime('{self.strftime}', {sql}) AS INTEGER)", list(params)


class _Year(_SqliteStrftime, ExtractYear):
    strftime = "%%Y"


class _Month(_SqliteStrftime, ExtractMonth):
    strftime = "%%m"

LIVE = ~Q(status=Order.Status.CANCELLED)
POSITIVE = Q(amount__gt=0)


def fen(expr: Any) -> Cast:
    """SUM(...) * 100 as a bigint: exact on PostgreSQL's numeric, rounded on SQLite's floats."""
    money = ExpressionWrapper(Coalesce(expr, 0, output_field=DecimalField()) * 100, output_field=DecimalField())
    return Cast(Round(money), BigIntegerField())


def _frame(rows: Any, columns: list[str]) -> pd.DataFrame:
    """A DataFrame of a values_list() query. The SQL is the ORM's, but the rows are fetched straight from the
    cursor: Django's per-row converters cost about a second on the trailing year's 600k (customer, month)
    rows, and these columns (ints, dates, bigint fen) need none."""
    if isinstance(rows, QuerySet):
        sql, params = rows.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            width = len(columns)  # DISTINCT with an ordering appends the ordering's columns: not ours
            return pd.DataFrame.from_records([r[:width] for r in cursor.fetchall()], columns=columns)
    return pd.DataFrame.from_records(list(rows), columns=columns)


def live_orders(as_of: dt.date) -> QuerySet[Order]:
    return Order.objects.filter(LIVE, order_date__lte=as_of)


def whole_months_end(as_of: dt.date) -> dt.date:
    """The first day after the last whole month up to T: rollup months before it are wholly <= T, and the
    orders from it to T (none when T is a month's last day) are the part-month the rollup cannot cut."""
    return (as_of + dt.timedelta(days=1)).replace(day=1)


def _part_month(as_of: dt.date) -> QuerySet[Order] | None:
    start = whole_months_end(as_of)
    return live_orders(as_of).filter(order_date__gte=start) if start <= as_of else None


def order_dates_summary(as_of: dt.date) -> pd.DataFrame:
    """Per customer the earliest order of any amount (for coverage) and the first and last positive orders
    (lifecycle, is_new), up to T. customer_id, first_any, first_order_date, last_order_date."""
    columns = ["customer_id", "first_any", "first_order_date", "last_order_date"]
    rows = (
        CustomerMonth.objects.filter(month__lt=whole_months_end(as_of)).values("customer_id")
        .annotate(first_any=Min("first_any"), first=Min("first_positive"), last=Max("last_positive"))
        .values_list("customer_id", "first_any", "first", "last")
    )
    frame = _frame(rows, columns)
    part = _part_month(as_of)
    if part is None:
        return frame
    recent = _frame(
        part.values("customer_id").annotate(first_any=Min("order_date"), first=Min("order_date", filter=POSITIVE),
                                            last=Max("order_date", filter=POSITIVE))
        .values_list("customer_id", "first_any", "first", "last"), columns)
    both = pd.concat([frame, recent], ignore_index=True)
    for col in columns[1:]:  # dates as datetimes for min/max across the two, None kept as NaT
        both[col] = pd.to_datetime(both[col])
    out = both.groupby("customer_id", sort=False).agg(
        first_any=("first_any", "min"), first_order_date=("first_order_date", "min"),
        last_order_date=("last_order_date", "max")).reset_index()
    for col in columns[1:]:
        out[col] = out[col].dt.date.astype(object).where(out[col].notna(), None)
    return out


def customers_frame(as_of: dt.date, dates: pd.DataFrame | None = None) -> pd.DataFrame:
    """customer_id, code, known_from, override grade/until, plus region/owner/visit dates for the stored rows.

    docs/analytics.md §3 "Who is covered": known_from = min(first-seen, earliest non-cancelled order of any amount).
    `dates` is order_dates_summary(as_of) when the caller has it already.
    """
    if dates is None:
        dates = order_dates_summary(as_of)
    firsts = dict(zip(dates["customer_id"], dates["first_any"], strict=True))
    last_visits = dict(
        Visit.objects.filter(date__lte=as_of).values("customer_id").annotate(d=Max("date")).values_list(
            "customer_id", "d"
        )
    )
    rows = Customer.objects.values_list(
        "id", "code", "first_seen", "override_grade", "override_until", "region_id", "owner_id"
    )
    frame = _frame(rows, ["customer_id", "code", "first_seen", "override_grade", "override_until", "region_id",
                          "owner_id"])
    first_order = frame["customer_id"].map(firsts)
    seen = pd.to_datetime(frame["first_seen"]).astype("datetime64[s]")
    frame["known_from"] = pd.concat([seen, pd.to_datetime(first_order).astype("datetime64[s]")], axis=1).min(axis=1)
    frame["known_from"] = frame["known_from"].dt.date.astype(object).where(frame["known_from"].notna(), None)
    # A customer never seen and never ordering is not known on any T (docs/analytics.md §3: covered when known <= T).
    frame = frame[frame["known_from"].notna()]
    frame["last_visit_date"] = frame["customer_id"].map(last_visits)
    frame["override_grade"] = frame["override_grade"].fillna("")
    return frame.reset_index(drop=True)


def monthly_frame(first_month: dt.date, as_of: dt.date) -> pd.DataFrame:
    """customer_id, month (Period[M]), sales_fen, profit_fen, orders for the months first_month .. T.

    The month travels as year and month numbers: a date comes back from PostgreSQL as an object per row, and
    turning 500k of those into periods cost longer than the query itself.
    """
    columns = ["customer_id", "y", "m", "sales_fen", "cost_fen", "orders"]
    rows = (
        CustomerMonth.objects.filter(month__gte=first_month, month__lt=whole_months_end(as_of))
        .annotate(y=_Year("month"), m=_Month("month"), sales_fen=fen(F("sales")),
                  cost_fen=fen(F("cost")))
        .values_list("customer_id", "y", "m", "sales_fen", "cost_fen", "orders")
    )
    frame = select_integers(*rows.query.sql_with_params(), columns)
    part = _part_month(as_of)
    if part is not None:
        recent = (
            part.filter(order_date__gte=first_month)
            .annotate(y=_Year("order_date"), m=_Month("order_date")).values("customer_id", "y", "m")
            .annotate(sales_fen=fen(Sum("amount")), cost_fen=fen(Sum("cost")), orders=Count("id", filter=POSITIVE))
            .values_list("customer_id", "y", "m", "sales_fen", "cost_fen", "orders")
        )
        frame = pd.concat([frame, _frame(recent, columns)], ignore_index=True)
    frame["month"] = pd.PeriodIndex.from_fields(year=frame["y"].astype("int64"), month=frame["m"].astype("int64"),
                                                freq="M")
    frame["profit_fen"] = frame["sales_fen"] - frame["cost_fen"]
    frame = frame[["customer_id", "month", "sales_fen", "profit_fen", "orders"]]
    return frame.astype({"sales_fen": "int64", "profit_fen": "int64", "orders": "int64"})


def first_last_frame(as_of: dt.date) -> pd.DataFrame:
    """customer_id, first_order_date, last_order_date of positive non-cancelled orders up to T."""
    dates = order_dates_summary(as_of)
    dates = dates[dates["first_order_date"].notna()]
    return dates[["customer_id", "first_order_date", "last_order_date"]].reset_index(drop=True)


def surge_frame(as_of: dt.date, window_days: int) -> pd.DataFrame:
    """Sales and positive-order counts of the two windows of docs/analytics.md §3.3, per customer."""
    (cur_start, cur_end), (prev_start, prev_end) = surge_windows(as_of, window_days)
    cur, prev = Q(order_date__gte=cur_start), Q(order_date__lte=prev_end)
    rows = (
        live_orders(cur_end).filter(order_date__gte=prev_start).values("customer_id")
        .annotate(
            cur_sales_fen=fen(Sum("amount", filter=cur)), prev_sales_fen=fen(Sum("amount", filter=prev)),
            cur_orders=Count("id", filter=cur & POSITIVE), prev_orders=Count("id", filter=prev & POSITIVE),
        )
        .values_list("customer_id", "cur_sales_fen", "prev_sales_fen", "cur_orders", "prev_orders")
    )
    return _frame(rows, ["customer_id", "cur_sales_fen", "prev_sales_fen", "cur_orders", "prev_orders"])


def _receivable_sums(as_of: dt.date, terms: list[int]) -> pd.DataFrame:
    """Per credit customer up to T: invoiced (positive orders), due (positive orders whose due date, order date
    + credit days, is before T) and credits (returns), in fen. Whole months from the rollup, the rest from the
    orders: the due-date cut falls inside a month for most credit terms."""
    columns = ["customer_id", "issued", "due", "credits"]
    whole = whole_months_end(as_of)
    # Per term, what is due is the whole months before its cut (rollup) and the days of its cut's month up to
    # the cut (orders); the orders query starts at the earliest of those months.
    due_months, due_days, first = Q(), Q(), whole
    for days in terms:
        cut = as_of - dt.timedelta(days=days + 1)  # due = order date + days < T
        start = whole_months_end(cut)
        due_months |= Q(customer__credit_days=days, month__lt=start)
        due_days |= Q(customer__credit_days=days, order_date__gte=start, order_date__lte=cut)
        first = min(first, start)
    rolled = _frame(
        CustomerMonth.objects.filter(customer__credit_days__in=terms, month__lt=whole).values("customer_id")
        .annotate(issued=fen(Sum("positive_sales")), due=fen(Sum("positive_sales", filter=due_months)),
                  credits=fen(Sum(F("sales") - F("positive_sales"))))
        .values_list(*columns), columns)
    # The orders from there: the due part up to each cut, and for the part-month after T's last whole month
    # (the pulse) its invoices and credits too.
    recent = Q(order_date__gte=whole)
    loose = _frame(
        live_orders(as_of).filter(customer__credit_days__in=terms, order_date__gte=first).values("customer_id")
        .annotate(issued=fen(Sum("amount", filter=POSITIVE & recent)),
                  due=fen(Sum("amount", filter=POSITIVE & due_days)),
                  credits=fen(Sum("amount", filter=Q(amount__lt=0) & recent)))
        .values_list(*columns), columns)
    both = pd.concat([rolled, loose], ignore_index=True).astype({c: "int64" for c in columns})
    return both.groupby("customer_id", sort=False, as_index=False).sum()


def receivable_events_frame(as_of: dt.date) -> pd.DataFrame:
    """Each credit customer's ledger up to T, pre-summed in SQL into at most three engine events.

    Receivables due before T, receivables not yet due, and payments plus credits: the engine's
    `receivable_overdue` needs no more than that for the balance and overdue as of T (docs/analytics.md §2).
    """
    terms = sorted(set(Customer.objects.filter(credit_days__gt=0).values_list("credit_days", flat=True)))
    if not terms:
        return pd.DataFrame(columns=["customer_id", "date", "due_date", "amount_fen"])
    paid = dict(
        Payment.objects.filter(date__lte=as_of).values("customer_id").annotate(p=fen(Sum("amount")))
        .values_list("customer_id", "p")
    )
    sums = _receivable_sums(as_of, terms)
    settled = -sums["credits"] + sums["customer_id"].map(paid).fillna(0).astype("int64")
    t, one_day = pd.Timestamp(as_of), pd.Timedelta(days=1)
    events = pd.concat([
        pd.DataFrame({"customer_id": sums["customer_id"], "amount_fen": sums["due"], "due_date": t - one_day}),
        pd.DataFrame({"customer_id": sums["customer_id"], "amount_fen": sums["issued"] - sums["due"], "due_date": t}),
        pd.DataFrame({"customer_id": sums["customer_id"], "amount_fen": -settled, "due_date": pd.NaT}),
    ], ignore_index=True)
    events["date"] = t
    return events.astype({"amount_fen": "int64"})


def punctuality_frames(as_of: dt.date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Receivables (positive orders of credit customers) and payments + credits up to T, for punctuality."""
    rec = (
        live_orders(as_of).filter(POSITIVE, customer__credit_days__gt=0)
        .values_list("customer_id", "order_date", "customer__credit_days", "amount")
    )
    receivables = _frame(rec, ["customer_id", "issue_date", "credit_days", "amount"])
    receivables["issue_date"] = pd.to_datetime(receivables["issue_date"])
    receivables["due_date"] = receivables["issue_date"] + pd.to_timedelta(receivables["credit_days"], unit="D")
    receivables["amount_fen"] = (receivables["amount"] * 100).map(int).astype("int64")
    pays = Payment.objects.filter(date__lte=as_of).values_list("customer_id", "date", "amount")
    credits = live_orders(as_of).filter(amount__lt=0, customer__credit_days__gt=0).values_list(
        "customer_id", "order_date", "amount"
    )
    payments = pd.concat([_frame(pays, ["customer_id", "date", "amount"]),
                          _frame(credits, ["customer_id", "date", "amount"]).assign(amount=lambda f: -f["amount"])])
    payments["amount_fen"] = (payments["amount"] * 100).map(int).astype("int64")
    return (receivables[["customer_id", "issue_date", "due_date", "amount_fen"]],
            payments[["customer_id", "date", "amount_fen"]])


def order_dates_frame(as_of: dt.date) -> pd.DataFrame:
    """Distinct dates of positive orders per customer, for the rhythm rule."""
    rows = live_orders(as_of).filter(POSITIVE).order_by().values_list("customer_id", "order_date").distinct()
    return _frame(rows, ["customer_id", "order_date"])


def snapshot_inputs(policy: Policy, period: dt.date) -> tuple[SnapshotInputs, pd.DataFrame]:
    """Everything the engine needs for `period`, and the customers frame (for region/owner/visit columns)."""
    as_of = month_end(period)
    first, _ = months_needed(policy, year=period.year, month=period.month)
    dates = order_dates_summary(as_of)  # one scan serves coverage and first/last order
    customers = customers_frame(as_of, dates)
    inputs = SnapshotInputs(
        customers=customers[["customer_id", "code", "known_from", "override_grade", "override_until"]],
        monthly=monthly_frame(parse_period(first), as_of),
        first_last=dates.loc[dates["first_order_date"].notna(),
                             ["customer_id", "first_order_date", "last_order_date"]].reset_index(drop=True),
        surge=surge_frame(as_of, policy.surge.window_days),
        receivables=None,
    )
    events = receivable_events_frame(as_of)
    if len(events):
        inputs.receivables = receivable_overdue(events, as_of).rename_axis("customer_id").reset_index()
    if policy.weighted_score.weights.punctuality > 0:
        inputs.punctuality_receivables, inputs.punctuality_payments = punctuality_frames(as_of)
    if policy.lifecycle.rhythm:
        inputs.order_dates = order_dates_frame(as_of)
    return inputs, customers
