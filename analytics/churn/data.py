"""The database side of churn risk: seven GROUP BY queries fill ChurnInputs for a whole run.

Per customer and month sums (with returns and coupon orders), distinct products, payments and category amounts
once, distinct positive order dates (with coupon use) once, visits once, first positive order once; every
as-of date T' is then derived in pandas (analytics.churn.features), never a query per T' or per customer.
"""

import datetime as dt
from collections.abc import Iterable

import pandas as pd
from django.db.models import Count, Min, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth

from analytics.aggregates import LIVE, POSITIVE, fen
from customers.models import Visit
from sales.models import Order, OrderLine, Payment

from .features import FEATURES, LOOKBACK_DAYS, MIX_FEATURES, MIX_MONTHS, ChurnInputs, prepared


def _orders(as_of: dt.date, customer_ids: Iterable[int] | None) -> QuerySet[Order]:
    qs = Order.objects.filter(LIVE, order_date__lte=as_of)
    if customer_ids is not None:
        qs = qs.filter(customer_id__in=list(customer_ids))
    return qs


def churn_inputs(*, first_as_of: dt.date, as_of: dt.date, customer_ids: Iterable[int] | None = None,
                 features: Iterable[str] = FEATURES) -> ChurnInputs:
    """Monthly sums, order dates and first orders for as-of dates first_as_of .. as_of (labels up to as_of).

    Nothing dated after `as_of` is read, so a model trained "as of T" cannot see a later order. The category
    lines (the costliest query: 2.5 of 4 s on the 2,000-customer demo) are read only when `features` (the
    model's, by default) include a category mix feature; pass CANDIDATES to compute every candidate.
    """
    features = set(features)
    ids = None if customer_ids is None else list(customer_ids)
    start = first_as_of - dt.timedelta(days=LOOKBACK_DAYS)
    first_month = dt.date(start.year, start.month, 1)
    monthly_rows = (
        _orders(as_of, ids).filter(order_date__gte=first_month)
        .annotate(month=TruncMonth("order_date")).values("customer_id", "month")
        .annotate(sales_fen=fen(Sum("amount")), orders=Count("id", filter=POSITIVE),
                  returns=Count("id", filter=Q(amount__lt=0)),
                  coupon_orders=Count("id", filter=POSITIVE & ~Q(coupon_code="")))
        .values_list("customer_id", "month", "sales_fen", "orders", "returns", "coupon_orders")
    )
    monthly = pd.DataFrame.from_records(list(monthly_rows), columns=["customer_id", "month", "sales_fen", "orders",
                                                                     "returns", "coupon_orders"])
    monthly["month"] = monthly["month"].astype(str).str.slice(0, 7)
    for extra, how in ((_products(first_month, as_of, ids), "left"), (_paid(first_month, as_of, ids), "outer")):
        if len(extra) and len(monthly):  # empty frames carry no key dtypes to merge on
            monthly = monthly.merge(extra, on=["customer_id", "month"], how=how)
        else:
            monthly[extra.columns[-1]] = 0
    monthly = monthly.fillna(0)
    # One row per customer and order day; `coupon` counts that day's orders with a coupon code. order_by():
    # Order's default ordering (-order_date, -id) would join the GROUP BY and give one row per order again.
    date_rows = (
        _orders(as_of, ids).filter(POSITIVE, order_date__gt=start).order_by()
        .values("customer_id", "order_date").annotate(coupon=Count("id", filter=~Q(coupon_code="")))
        .values_list("customer_id", "order_date", "coupon")
    )
    dates = pd.DataFrame.from_records(list(date_rows), columns=["customer_id", "order_date", "coupon"])
    firsts = _orders(as_of, ids).filter(POSITIVE).values("customer_id").annotate(first=Min("order_date"))
    first_order = pd.Series(dict(firsts.values_list("customer_id", "first")), dtype=object)
    inputs = ChurnInputs(monthly=monthly, dates=dates, first_order=first_order, visits=_visits(start, as_of, ids))
    if features & set(MIX_FEATURES):
        inputs.categories = _categories(first_as_of, as_of, ids)
    return prepared(inputs)


def book_order_dates(*, as_of: dt.date) -> pd.DataFrame:
    """Distinct order dates of every customer over the LOOKBACK_DAYS up to `as_of`: the book BG/NBD is fitted on."""
    start = as_of - dt.timedelta(days=LOOKBACK_DAYS)
    # order_by(): Order's default ordering (-order_date, -id) would join the DISTINCT and keep one row per order.
    rows = (_orders(as_of, None).filter(POSITIVE, order_date__gt=start).order_by()
            .values_list("customer_id", "order_date").distinct())
    dates = pd.DataFrame.from_records(list(rows), columns=["customer_id", "order_date"])
    dates["order_date"] = pd.to_datetime(dates["order_date"])
    return dates


def _products(first_month: dt.date, as_of: dt.date, ids: list[int] | None) -> pd.DataFrame:
    """Distinct products bought per customer and month (basket breadth)."""
    lines = OrderLine.objects.filter(order__in=_orders(as_of, ids).filter(POSITIVE, order_date__gte=first_month),
                                     quantity__gt=0)
    rows = (lines.annotate(month=TruncMonth("order__order_date")).values("order__customer_id", "month")
            .annotate(products=Count("product_id", distinct=True))
            .values_list("order__customer_id", "month", "products"))
    frame = pd.DataFrame.from_records(list(rows), columns=["customer_id", "month", "products"])
    frame["month"] = frame["month"].astype(str).str.slice(0, 7)
    return frame


def _categories(first_as_of: dt.date, as_of: dt.date, ids: list[int] | None) -> pd.DataFrame:
    """Positive line amounts (fen) per customer, month and product category, MIX_MONTHS back from the earliest T'."""
    first = dt.date(first_as_of.year, first_as_of.month, 1)
    for _ in range(MIX_MONTHS - 1):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    lines = OrderLine.objects.filter(order__in=_orders(as_of, ids).filter(POSITIVE, order_date__gte=first),
                                     quantity__gt=0, amount__gt=0, product__category__isnull=False)
    rows = (lines.annotate(month=TruncMonth("order__order_date"))
            .values("order__customer_id", "month", "product__category_id")
            .annotate(amount_fen=fen(Sum("amount")))
            .values_list("order__customer_id", "month", "product__category_id", "amount_fen"))
    frame = pd.DataFrame.from_records(list(rows), columns=["customer_id", "month", "category_id", "amount_fen"])
    frame["month"] = frame["month"].astype(str).str.slice(0, 7)
    return frame


def _visits(start: dt.date, as_of: dt.date, ids: list[int] | None) -> pd.DataFrame:
    """Visits, calls and messages dated (start, T] with their promised follow-up date (None for none)."""
    qs = Visit.objects.filter(date__gt=start, date__lte=as_of)
    if ids is not None:
        qs = qs.filter(customer_id__in=ids)
    rows = qs.values_list("customer_id", "date", "next_date")
    return pd.DataFrame.from_records(list(rows), columns=["customer_id", "visit_date", "next_date"])


def _paid(first_month: dt.date, as_of: dt.date, ids: list[int] | None) -> pd.DataFrame:
    """Payments received per customer and month (fen): against sales, what is still owed."""
    qs = Payment.objects.filter(date__gte=first_month, date__lte=as_of)
    if ids is not None:
        qs = qs.filter(customer_id__in=ids)
    rows = (qs.annotate(month=TruncMonth("date")).values("customer_id", "month")
            .annotate(paid_fen=fen(Sum("amount"))).values_list("customer_id", "month", "paid_fen"))
    frame = pd.DataFrame.from_records(list(rows), columns=["customer_id", "month", "paid_fen"])
    frame["month"] = frame["month"].astype(str).str.slice(0, 7)
    return frame


def first_order_date(as_of: dt.date) -> dt.date | None:
    """The earliest positive non-cancelled order on or before T: where the training month-ends start."""
    return _orders(as_of, None).filter(POSITIVE).order_by("order_date").values_list("order_date", flat=True).first()
