"""sales.bulk: the Arrow CSV + COPY paths keep every text and NULL exactly (PostgreSQL in CI, SQLite locally)."""

import datetime as dt
from decimal import Decimal

import pandas as pd
import pytest

from sales.bulk import bulk_insert_columns, bulk_insert_frame, select_integers
from sales.models import Order, OrderLine, Product
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

NAMES = ["a,b", 'say "hi"', "two\nlines", "", "\\N", "=1+1", "王老板的店", "back\\slash", " padded "]


COSTS = ["12.50", None, "0.01", None, "-3.00", "1", None, "7.77", "99999999.99"]


def test_frame_insert_keeps_texts_and_nulls_apart():
    frame = pd.DataFrame({"sku": [f"S{i}" for i in range(len(NAMES))], "name": NAMES, "unit_cost": COSTS})
    assert bulk_insert_frame(Product, frame) == len(NAMES)
    got = list(Product.objects.order_by("sku").values_list("sku", "name", "unit_cost"))
    assert got == [
        (f"S{i}", name, None if cost is None else Decimal(cost))
        for i, (name, cost) in enumerate(zip(NAMES, COSTS, strict=True))
    ]


def test_column_insert_keeps_types_texts_and_nulls():
    customer, product = CustomerFactory(), Product.objects.create(sku="P1", name="p")
    day = dt.date(2025, 3, 9)
    orders = {"order_no": ["SO1", "SO2"], "customer_id": [customer.pk] * 2, "salesperson_id": [None, None],
              "order_date": [day, day], "status": ["confirmed", "cancelled"],
              "amount": [Decimal("12.50"), Decimal("-0.01")], "cost": [Decimal("0.00"), Decimal("-0.01")],
              "coupon_code": ["", '=HYPERLINK("x")'], "content_hash": ["h1", "h2"], "import_batch_id": [None, None]}
    assert bulk_insert_columns(Order, orders) == 2
    got = list(Order.objects.order_by("order_no").values_list(*orders))
    assert got == list(zip(*orders.values(), strict=True))
    ids = list(Order.objects.order_by("order_no").values_list("id", flat=True))
    lines = {"order_id": [ids[0], ids[0], ids[1]], "line_no": [1, 2, 1], "product_id": [product.pk, None, None],
             "quantity": [Decimal("2.500"), Decimal("0.000"), Decimal("-1.000")],
             "unit_price": [Decimal("5.0000"), None, Decimal("0.0100")],
             "amount": [Decimal("12.50"), Decimal("0.00"), Decimal("-0.01")],
             "cost": [Decimal("0.00"), Decimal("0.00"), Decimal("-0.01")]}  # fmt: skip
    assert bulk_insert_columns(OrderLine, lines) == 3
    got = list(OrderLine.objects.order_by("order__order_no", "line_no").values_list(*lines))
    assert got == list(zip(*lines.values(), strict=True))


def test_select_integers_reads_rows_and_no_rows():
    Product.objects.create(sku="X1", name="x")
    Product.objects.create(sku="X2", name="y")
    sql = "SELECT id, LENGTH(sku) * 10, 7 FROM sales_product WHERE sku LIKE %s ORDER BY id"
    frame = select_integers(sql, ["X%"], ["id", "ten", "seven"])
    ids = list(Product.objects.order_by("id").values_list("id", flat=True))
    assert frame.to_dict("list") == {"id": ids, "ten": [20, 20], "seven": [7, 7]}
    assert list(frame.dtypes) == ["int64"] * 3
    empty = select_integers(sql, ["none%"], ["id", "ten", "seven"])
    assert len(empty) == 0 and list(empty.columns) == ["id", "ten", "seven"]
