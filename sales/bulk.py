"""Fast bulk inserts: PostgreSQL COPY where available, batched bulk_create elsewhere (SQLite)."""

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, models

BATCH = 5000


def _copy_value(value: Any) -> Any:
    # COPY's CSV format: None is written as the unquoted NULL marker below; everything else as text.
    return "\\N" if value is None else value


def db_column(model: type[models.Model], name: str) -> str:
    """The database column behind a concrete field of `model` (`customer` -> 'customer_id').

    Reverse relations and generic foreign keys have no column of their own: asking for one is a programming error.
    """
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field) or field.column is None:
        raise ValueError(f"{model.__name__}.{name} is not a concrete field with a column")
    return field.column


def bulk_insert(model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Insert `rows` (tuples in the order of `fields`, model field names) into `model`'s table; returns the count.

    On PostgreSQL this streams through COPY in chunks (an order of magnitude faster than INSERT); elsewhere it
    falls back to bulk_create. Values must already be valid: this bypasses model validation, not constraints.
    """
    meta = model._meta
    columns = [str(getattr(meta.get_field(f), "column", f)) for f in fields]
    if connection.vendor != "postgresql":
        return _bulk_create(model, fields, rows)
    table = connection.ops.quote_name(meta.db_table)
    cols = ", ".join(connection.ops.quote_name(c) for c in columns)
    sql = f"COPY {table} ({cols}) FROM STDIN WITH (FORMAT csv, NULL '\\N')"
    total = 0
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg2 cursor under Django's wrapper
        for row in rows:
            writer.writerow([_copy_value(v) for v in row])
            total += 1
            if total % (BATCH * 10) == 0:
                buffer.seek(0)
                raw.copy_expert(sql, buffer)
                buffer.seek(0)
                buffer.truncate()
        if buffer.tell():
            buffer.seek(0)
            raw.copy_expert(sql, buffer)
    return total


def _bulk_create(model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    total = 0
    batch: list[models.Model] = []
    for row in rows:
        batch.append(model(**dict(zip(fields, row, strict=True))))
        if len(batch) >= BATCH:
            model._default_manager.bulk_create(batch, batch_size=BATCH)
            total += len(batch)
            batch = []
    if batch:
        model._default_manager.bulk_create(batch, batch_size=BATCH)
        total += len(batch)
    return total
