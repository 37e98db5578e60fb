"""The database side of cross-sell: one GROUP BY over order lines per customer and product, then pandas."""

import datetime as dt

import pandas as pd
from django.db.models import Count, Max, Min, Q

from sales.models import Category, Order, OrderLine, Product

LEVELS = ("product", "category")


def purchases(*, as_of: dt.date, level: str = "product", since: dt.date | None = None) -> pd.DataFrame:
    """customer_id, item_id, first_date, last_date, orders: what each customer bought (positive lines of
    non-cancelled orders dated up to T, optionally from `since`), per product or per product category."""
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}, got {level!r}")
    lines = OrderLine.objects.filter(
        ~Q(order__status=Order.Status.CANCELLED), order__order_date__lte=as_of, quantity__gt=0,
        product__isnull=False,
    )
    if since is not None:
        lines = lines.filter(order__order_date__gte=since)
    rows = (
        lines.values("order__customer_id", "product_id")
        .annotate(first=Min("order__order_date"), last=Max("order__order_date"),
                  orders=Count("order_id", distinct=True))
        .values_list("order__customer_id", "product_id", "first", "last", "orders")
    )
    frame = pd.DataFrame.from_records(list(rows), columns=["customer_id", "item_id", "first_date", "last_date",
                                                           "orders"])
    if level == "category":
        category = dict(Product.objects.exclude(category=None).values_list("id", "category_id"))
        frame["item_id"] = frame["item_id"].map(category)
        frame = (
            frame.dropna(subset=["item_id"]).astype({"item_id": "int64"})
            .groupby(["customer_id", "item_id"], as_index=False)
            .agg(first_date=("first_date", "min"), last_date=("last_date", "max"), orders=("orders", "sum"))
        )
    return frame


def item_labels(level: str, ids: list[int]) -> dict[int, tuple[str, str]]:
    """item id -> (code, name): SKU and product name, or category path twice."""
    if level == "category":
        return {i: (p, p) for i, p in Category.objects.filter(id__in=ids).values_list("id", "path")}
    return {i: (sku, name) for i, sku, name in Product.objects.filter(id__in=ids).values_list("id", "sku", "name")}
