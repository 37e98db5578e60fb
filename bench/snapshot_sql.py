"""The bare SQL aggregations a monthly snapshot needs, for the benchmark's baseline (BENCHMARKS.md, Targets).

Plain PostgreSQL, the way an analyst would type it into psql. `baseline_queries` is what the snapshot reads:
whole months from the monthly rollup (sales_customermonth), the surge windows and the receivables' due-date
cut from the orders, payments, customers and last visits; bench/snapshot.py's ratio is against these.
`orders_queries` answers the same from the orders alone, as the snapshot did before the rollup: printed
beside them, so the rollup's gain is measured in the same run, not claimed.
"""

import datetime as dt

from analytics.periods import add_months, month_end
from customers.models import Customer

SUMS = """
SELECT customer_id, SUM(amount) FILTER (WHERE order_date >= %s), SUM(amount) FILTER (WHERE order_date < %s)
FROM sales_order WHERE status <> 'cancelled' AND order_date BETWEEN %s AND %s GROUP BY customer_id"""
TRAILING = """
SELECT customer_id, date_trunc('month', order_date), SUM(amount), SUM(cost), COUNT(*) FILTER (WHERE amount > 0)
FROM sales_order WHERE status <> 'cancelled' AND order_date BETWEEN %s AND %s GROUP BY 1, 2"""
FIRST_LAST = """
SELECT customer_id, MIN(order_date), MIN(order_date) FILTER (WHERE amount > 0),
       MAX(order_date) FILTER (WHERE amount > 0)
FROM sales_order WHERE status <> 'cancelled' AND order_date <= %s GROUP BY customer_id"""
SURGE = """
SELECT customer_id, SUM(amount) FILTER (WHERE order_date > %s), SUM(amount) FILTER (WHERE order_date <= %s),
       COUNT(*) FILTER (WHERE amount > 0 AND order_date > %s), COUNT(*) FILTER (WHERE amount > 0 AND order_date <= %s)
FROM sales_order WHERE status <> 'cancelled' AND order_date > %s AND order_date <= %s GROUP BY customer_id"""
RECEIVABLES = """
SELECT o.customer_id, SUM(o.amount) FILTER (WHERE o.amount > 0),
       SUM(o.amount) FILTER (WHERE o.amount > 0 AND o.order_date + c.credit_days < %s),
       SUM(o.amount) FILTER (WHERE o.amount < 0)
FROM sales_order o JOIN customers_customer c ON c.id = o.customer_id
WHERE c.credit_days > 0 AND o.status <> 'cancelled' AND o.order_date <= %s GROUP BY o.customer_id"""
PAYMENTS = "SELECT customer_id, SUM(amount) FROM sales_payment WHERE date <= %s GROUP BY customer_id"


# On the rollup: the months P-12 .. P (the grading window, year-over-year and the 12 RFM months).
MONTHS = """
SELECT customer_id, month, ROUND(sales * 100)::bigint, ROUND(cost * 100)::bigint, orders
FROM sales_customermonth WHERE month BETWEEN %s AND %s"""
FIRST_LAST_MONTHS = """
SELECT customer_id, MIN(first_any), MIN(first_positive), MAX(last_positive)
FROM sales_customermonth WHERE month <= %s GROUP BY customer_id"""
RECEIVABLE_MONTHS = """
SELECT r.customer_id, SUM(r.positive_sales),
       SUM(r.positive_sales) FILTER (WHERE (r.month + interval '1 month')::date <= %s::date - c.credit_days),
       SUM(r.sales - r.positive_sales)
FROM sales_customermonth r JOIN customers_customer c ON c.id = r.customer_id
WHERE c.credit_days > 0 AND r.month <= %s GROUP BY r.customer_id"""
RECEIVABLE_CUT = """
SELECT o.customer_id, SUM(o.amount)
FROM sales_order o JOIN customers_customer c ON c.id = o.customer_id
WHERE c.credit_days > 0 AND o.status <> 'cancelled' AND o.amount > 0 AND o.order_date >= %s
  AND o.order_date + c.credit_days < %s AND o.order_date >= date_trunc('month', %s::date - c.credit_days - 1)
GROUP BY o.customer_id"""
CUSTOMERS = """
SELECT id, code, first_seen, override_grade, override_until, region_id, owner_id, last_coupon_date
FROM customers_customer"""
VISITS = "SELECT customer_id, MAX(date) FROM customers_visit WHERE date <= %s GROUP BY customer_id"


def baseline_queries(period: dt.date) -> dict[str, tuple[str, list]]:
    """What the snapshot of P reads (T = its last day, 30-day surge windows), as bare SQL."""
    t = month_end(period)
    w = dt.timedelta(days=30)
    longest = max(Customer.objects.values_list("credit_days", flat=True), default=0)
    return {
        "months P-12 .. P (rollup)": (MONTHS, [add_months(period, -12), period]),
        "first and last order (rollup)": (FIRST_LAST_MONTHS, [period]),
        "receivables (rollup)": (RECEIVABLE_MONTHS, [t, period]),
        "receivables due cut (orders)": (RECEIVABLE_CUT, [add_months(t - dt.timedelta(days=longest + 1), -1), t, t]),
        "surge windows (orders)": (SURGE, [t - w, t - w, t - w, t - w, t - 2 * w, t]),
        "payments": (PAYMENTS, [t]),
        "customers": (CUSTOMERS, []),
        "last visits": (VISITS, [t]),
    }


def orders_queries(period: dt.date) -> dict[str, tuple[str, list]]:
    """The same answers from the orders alone (no rollup), for comparison."""
    t = month_end(period)
    w = dt.timedelta(days=30)
    return {
        "sums P and P-1": (SUMS, [period, period, add_months(period, -1), t]),
        "trailing 12 months": (TRAILING, [add_months(period, -12), t]),
        "first and last order": (FIRST_LAST, [t]),
        "surge windows": (SURGE, [t - w, t - w, t - w, t - w, t - 2 * w, t]),
        "receivables": (RECEIVABLES, [t, t]),
        "payments": (PAYMENTS, [t]),
    }
