"""The bare SQL aggregations a monthly snapshot needs, for the benchmark's baseline (DESIGN 7).

Plain PostgreSQL, the way an analyst would type it into psql: per-customer sums for P and P-1, the trailing
12 months per customer and month, first and last order per customer, the two surge windows and the
receivables. bench_snapshot times these against the real snapshot in the same run.
"""

import datetime as dt

from analytics.periods import add_months, month_end

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


def baseline_queries(period: dt.date) -> dict[str, tuple[str, list]]:
    """Each bare query with its parameters for period P (T = its last day, 30-day surge windows)."""
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
