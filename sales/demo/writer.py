"""Writing the demo: id reservation, exact money text from integer fen, bulk inserts, and the --force wipe.

Rows go through sales.bulk.bulk_insert (COPY on PostgreSQL, bulk_create elsewhere). Ids are reserved up front
so order lines can name their order without reading the orders back.
"""

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

import numpy as np
from django.apps import apps
from django.core.management.color import no_style
from django.db import connection, models

from customers.models import Customer, CustomerAlias, OwnershipChange, Visit
from sales.bulk import BATCH, bulk_insert, db_column
from sales.models import Order, OrderLine, Payment, Product

# What --force replaces; the wipe also clears every table that references these (TRUNCATE ... CASCADE).
DEMO_MODELS: tuple[type[models.Model], ...] = (
    OrderLine, Order, Payment, Visit, OwnershipChange, CustomerAlias, Customer, Product,
)


def fen_decimal(fen: int) -> Decimal:
    """Integer fen as an exact 2-decimal Decimal (12345 -> Decimal('123.45'))."""
    return Decimal(int(fen)).scaleb(-2)


def fen_texts(fen: np.ndarray) -> list[str]:
    """Money column from integer fen as exact decimal text ('-12.30'): no float on the way.

    Both COPY and SQLite's decimal columns take this text as is; the ORM reads it back as Decimal.
    """
    values = fen.astype(np.int64).tolist()
    return [f"{v // 100}.{v % 100:02d}" if v >= 0 else f"-{-v // 100}.{-v % 100:02d}" for v in values]


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
    """Insert column lists (all of one length, in the order of `fields`) as rows.

    PostgreSQL goes through sales.bulk.bulk_insert (COPY). Elsewhere a plain executemany replaces bulk_create:
    building 300,000 model instances cost the default SQLite demo ~20 s of its ~25 s.
    Columns hold ready values: ids, decimal text, dates, aware datetimes (adapted here) or None.
    """
    columns = list(columns)
    if connection.vendor == "postgresql":
        return bulk_insert(model, fields, zip(*columns, strict=True))
    return _executemany(model, fields, columns)


# Only dates and aware timestamps need the backend's adaptation; ints, decimal text and None pass as they are.
_ADAPTED = (models.DateField, models.DateTimeField)


def _executemany(model: type[models.Model], fields: Sequence[str], columns: list[Sequence[Any]]) -> int:
    meta = model._meta
    prepared = []
    for name, column in zip(fields, columns, strict=True):
        field = meta.get_field(name)
        if isinstance(field, models.DateField) and not isinstance(field, models.DateTimeField):
            # What SQLite's adapt_datefield_value does (str of a date: its ISO form), without the field's per-value
            # preparation: 150,000 calls of get_db_prep_save cost about 2.5 s of the ~13 s demo write.
            column = [None if v is None else str(v) for v in column]
        elif isinstance(field, _ADAPTED):
            column = [None if v is None else field.get_db_prep_save(v, connection) for v in column]
        prepared.append(column)
    quote = connection.ops.quote_name
    cols = ", ".join(quote(db_column(model, f)) for f in fields)
    sql = f"INSERT INTO {quote(meta.db_table)} ({cols}) VALUES ({', '.join(['%s'] * len(fields))})"  # noqa: S608
    rows = list(zip(*prepared, strict=True))
    with connection.cursor() as cursor:
        for at in range(0, len(rows), BATCH):
            cursor.executemany(sql, rows[at:at + BATCH])
    return len(rows)


def demo_data_exists() -> bool:
    return Customer.objects.exists() or Order.objects.exists()


def unconstrained_dependents(wiped: Sequence[type[models.Model]]) -> list[str]:
    """Tables whose rows Django deletes with a row of `wiped` (CASCADE) but the database would not: their
    reference has no database constraint (the snapshot rows' customer, analytics/models.py), so TRUNCATE
    ... CASCADE does not reach them."""
    return sorted({
        model._meta.db_table for model in apps.get_models() for field in model._meta.concrete_fields
        if isinstance(field, models.ForeignKey) and field.related_model in wiped
        and not getattr(field, "db_constraint", True)  # set by ForeignKey.__init__; the stubs lack it
        and field.remote_field.on_delete is models.CASCADE
    })


def demo_wipe() -> list[str]:
    """Delete the demo's rows and everything that references them (TRUNCATE ... CASCADE or its SQLite twin).

    Regions, salespeople, users and categories stay: the seed reuses them. Returns the SQL it ran.
    """
    tables = [m._meta.db_table for m in DEMO_MODELS] + unconstrained_dependents(DEMO_MODELS)
    sql = sorted(connection.ops.sql_flush(no_style(), tables, reset_sequences=False, allow_cascade=True))
    if connection.vendor == "postgresql":
        # TRUNCATE refuses tables with pending deferred FK checks (rows inserted earlier in this transaction):
        # run those checks now, then go back to deferring them for the seed that follows.
        sql = ["SET CONSTRAINTS ALL IMMEDIATE", *sql, "SET CONSTRAINTS ALL DEFERRED"]
    connection.ops.execute_sql_flush(sql)
    return sql



def quantities(qty: np.ndarray) -> list[int]:
    """Quantity column: whole trade units (cases, cartons)."""
    return qty.astype(np.int64).tolist()
