"""Write a synthetic ledger (tests/churn/synth.py) into the database, in bulk."""

import datetime as dt
from decimal import Decimal

import pandas as pd

from customers.models import Customer
from sales.models import Order


def write_ledger(orders: pd.DataFrame, *, owner=None) -> dict[int, int]:
    """Customers and orders from a synthetic ledger, in bulk; returns synthetic id -> Customer.pk."""
    ids = sorted(orders["customer_id"].unique())
    Customer.objects.bulk_create([Customer(code=f"S{i:05d}", name=f"客户{i}", first_seen=dt.date(2025, 1, 1),
                                           owner=owner) for i in ids])
    pk = dict(Customer.objects.filter(code__startswith="S").values_list("code", "id"))
    mapping = {i: pk[f"S{i:05d}"] for i in ids}
    Order.objects.bulk_create([
        Order(order_no=f"O{n:07d}", customer_id=mapping[row.customer_id], order_date=row.order_date.date(),
              amount=Decimal(int(row.amount_fen)).scaleb(-2))
        for n, row in enumerate(orders.itertuples())
    ], batch_size=2000)
    return mapping
