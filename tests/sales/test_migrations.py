"""sales 0003 and 0004 drop the indexes that only cost the import's writes, both ways, and leave the rollup
triggers on orders."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection

from sales.models import CustomerMonth, Order, OrderLine
from tests.factories import CustomerFactory, OrderFactory

DROPPED = {"orderline_product", "sales_orderline_order_id_9f597de6", "sales_order_customer_id_798c889f"}
LIKE = "sales_order_order_no_25c73191_like"  # PostgreSQL only: SQLite never had it


def dropped() -> set[str]:
    return DROPPED | ({LIKE} if connection.vendor == "postgresql" else set())


def index_columns(table: str) -> dict[str, tuple[str, ...]]:
    """Every index (unique ones included) on `table`: name -> columns."""
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, table)
    return {name: tuple(c["columns"]) for name, c in found.items() if c["index"] or c["unique"]}


def lookups_still_indexed() -> None:
    """What the dropped indexes served is still the leading column of another index."""
    lines, orders = index_columns(OrderLine._meta.db_table), index_columns(Order._meta.db_table)
    assert dropped().isdisjoint(lines) and dropped().isdisjoint(orders)
    assert ("order_no",) in orders.values()  # the unique one
    assert ("order_id", "line_no") in lines.values()
    assert [cols for cols in lines.values() if cols[0] == "product_id"] == [("product_id",)]  # one, not two
    assert ("customer_id", "order_date") in orders.values()


@pytest.mark.django_db(transaction=True)
def test_back_to_0002_restores_the_indexes_and_forward_drops_them_keeping_the_rollup():
    lookups_still_indexed()
    call_command("migrate", "sales", "0002_customer_month", verbosity=0)
    names = set(index_columns(OrderLine._meta.db_table)) | set(index_columns(Order._meta.db_table))
    assert dropped() <= names
    call_command("migrate", "sales", verbosity=0)
    lookups_still_indexed()
    # The rollup triggers survived (SQLite would have lost them to a table rebuild).
    customer = CustomerFactory()
    OrderFactory(customer=customer, order_date=dt.date(2025, 3, 9), amount=Decimal("12.50"))
    month = CustomerMonth.objects.get(customer=customer)
    assert (month.month, month.sales, month.orders) == (dt.date(2025, 3, 1), Decimal("12.50"), 1)
