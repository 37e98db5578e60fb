"""The database side of cross-sell: one GROUP BY over order lines per customer and product, then pandas."""

import datetime as dt

import pandas as pd
from django.db.models import Count, Max, Min, Q

from customers.models import Customer
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


# Shop types in words distributors use: the stored shop type (Customer.shop_type, the distributor's own words) and,
# where it is blank, the shop's name (Chinese shop names end in what they are: …便利店, …饭店, …批发部) both map to
# one of these, so a book where only some customers carry the field is still grouped one way. The first group
# whose keyword the text contains wins.
SHOP_KEYWORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("convenience", ("便利店", "小卖部", "食杂店", "士多", "副食店", "convenience")),
    ("restaurant", ("餐饮", "饭店", "餐厅", "酒家", "面馆", "大排档", "食堂", "restaurant")),
    ("wholesale", ("批发", "商行", "wholesale")),
    ("tobacco", ("烟酒", "名烟名酒", "tobacco", "liquor")),
    ("supermarket", ("超市", "购物中心", "百货", "supermarket")),
)


def shop_type(text: str) -> str:
    """The shop-type group a text names ("" when none): '餐饮' and '王记饭店' are both "restaurant"."""
    lowered = text.lower()
    for kind, words in SHOP_KEYWORDS:
        if any(w in lowered for w in words):
            return kind
    return ""


def segment_shop_type(stored: str, name: str) -> str:
    """A customer's shop type for the segment baseline: the stored one in its group's word (or as written, when it
    names none of the groups: a distributor's own 母婴店 is a segment of its own), else the one its name reads."""
    stored = stored.strip()
    return shop_type(stored) or stored or shop_type(name)


def segments() -> dict[int, tuple[int | None, str]]:
    """customer id -> (region id, shop type): the "popular in the region and shop type" baseline."""
    rows = Customer.objects.values_list("id", "region_id", "shop_type", "name")
    return {i: (region, segment_shop_type(stored, name)) for i, region, stored, name in rows}
