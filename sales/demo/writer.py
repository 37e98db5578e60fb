"""Writing the demo: id reservation, exact money text from integer fen, bulk inserts, and the --force wipe.

Rows go through sales.bulk.bulk_insert (COPY on PostgreSQL, bulk_create elsewhere). Ids are reserved up front
so order lines can name their order without reading the orders back.
"""

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

import numpy as np
from django.core.management.color import no_style
from django.db import connection, models

from customers.models import Customer, CustomerAlias, OwnershipChange, Visit
from sales.bulk import bulk_insert
from sales.models import Order, OrderLine, Payment, Product

# What --force replaces; the wipe also clears every table that references these (TRUNCATE ... CASCADE).
DEMO_MODELS: tuple[type[models.Model], ...] = (
    OrderLine, Order, Payment, Visit, OwnershipChange, CustomerAlias, Customer, Product,
)


def fen_decimal(fen: int) -> Decimal:
    """Integer fen as an exact 2-decimal Decimal (12345 -> Decimal('123.45'))."""
    return Decimal(int(fen)).scaleb(-2)


def fen_texts(fen: np.ndarray) -> list[Any]:
    """Money column from integer fen: exact text for COPY, Decimal for the ORM fallback. No float on the way."""
    values = fen.astype(np.int64).tolist()
    texts = [f"{v // 100}.{v % 100:02d}" if v >= 0 else f"-{-v // 100}.{-v % 100:02d}" for v in values]
    if connection.vendor == "postgresql":
        return texts
    return [Decimal(t) for t in texts]


def dates(start: dt.date, day_index: np.ndarray) -> list[dt.date]:
    """Date objects for day offsets from the period start."""
    base = np.datetime64(start, "D")
    return (base + day_index.astype("timedelta64[D]")).tolist()


def reserve_ids(model: type[models.Model], n: int) -> np.ndarray:
    """n fresh primary keys for `model`: taken from the sequence on PostgreSQL, after max(id) elsewhere.

    nextval() advances the sequence itself, so later ordinary inserts never collide and no setval is needed.
    Elsewhere (SQLite, single writer during the seed) the ids follow the current maximum.
    """
    if n == 0:
        return np.empty(0, dtype=np.int64)
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, n]
            )
            return np.sort(np.array([r[0] for r in cursor.fetchall()], dtype=np.int64))
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {connection.ops.quote_name(table)}")  # noqa: S608
        top = cursor.fetchone()[0]
    return np.arange(top + 1, top + 1 + n, dtype=np.int64)


def write(model: type[models.Model], fields: Sequence[str], columns: Iterable[Sequence[Any]]) -> int:
    """Insert column lists (all of one length, in the order of `fields`) as rows."""
    return bulk_insert(model, fields, zip(*columns, strict=True))


def demo_data_exists() -> bool:
    return Customer.objects.exists() or Order.objects.exists()


def demo_wipe() -> list[str]:
    """Delete the demo's rows and everything that references them (TRUNCATE ... CASCADE or its SQLite twin).

    Regions, salespeople, users and categories stay: the seed reuses them. Returns the SQL it ran.
    """
    tables = [m._meta.db_table for m in DEMO_MODELS]
    sql = connection.ops.sql_flush(no_style(), tables, reset_sequences=False, allow_cascade=True)
    connection.ops.execute_sql_flush(sorted(sql))
    return sorted(sql)


def quantities(qty: np.ndarray) -> list[Any]:
    """Quantity column: whole trade units (cases, cartons); Decimal for the ORM fallback."""
    values = qty.astype(np.int64).tolist()
    if connection.vendor == "postgresql":
        return values
    return [Decimal(v) for v in values]
