"""sales.bulk: the Arrow CSV + COPY paths keep every text and NULL exactly (PostgreSQL in CI, SQLite locally)."""

from decimal import Decimal

import pandas as pd
import pytest

from sales.bulk import bulk_insert_frame, select_integers
from sales.models import Product

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
