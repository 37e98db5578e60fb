"""Reads for the cockpit pages, always through the customer scope."""

from typing import Any

from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth

from customers.selectors import customer_list, scoped
from sales.models import Order


def sales_by_month(*, user: Any, months: int = 24) -> list[dict[str, Any]]:
    """Orders and sales per month for the customers `user` may see (cancelled orders never count)."""
    orders = scoped(Order.objects.exclude(status=Order.Status.CANCELLED), user=user)
    rows = (
        orders.annotate(month=TruncMonth("order_date"))
        .values("month")
        .annotate(sales=Sum("amount"), orders=Count("id"), customers=Count("customer", distinct=True))
        .order_by("-month")[:months]
    )
    return list(reversed(rows))


def book_counts(*, user: Any) -> dict[str, int]:
    """How many customers and orders `user` can see."""
    customers = customer_list(user=user)
    return {
        "customers": customers.count(),
        "orders": scoped(Order.objects.all(), user=user).count(),
    }
