"""Fast bulk inserts: PostgreSQL COPY where available; on SQLite, a frame as plain tuples through one executemany
and other rows through batched bulk_create."""

import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
from django.db import connection, models

BATCH = 5000


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
    if connection.vendor != "postgresql":
        return _bulk_create(model, fields, rows)
    table = connection.ops.quote_name(model._meta.db_table)
    cols = ", ".join(connection.ops.quote_name(db_column(model, f)) for f in fields)
    total = 0
    # psycopg 3's COPY writes each row in its text format (None as NULL) and sends it in chunks as it goes.
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            total += 1
    return total


def bulk_insert_frame(model: type[models.Model], frame: pd.DataFrame, *, into: str | None = None) -> int:
    """Insert a DataFrame whose columns are `model`'s field names; NA becomes NULL. Returns the row count.

    `into` names another table of the same columns to COPY into (PostgreSQL only: a snapshot partition being
    built, analytics/partitions.py).

    On PostgreSQL Arrow writes the CSV and COPY reads it, with no Python object per cell: a 50,000 x 40
    snapshot took 0.8 s as tuples through csv.writer, and 0.07 s this way. On SQLite each column is converted
    once, as a whole, and the rows go in as tuples through one executemany (`_executemany_frame`).
    """
    if connection.vendor != "postgresql":
        if into is not None:
            raise ValueError("bulk_insert_frame(into=...) is for PostgreSQL's COPY")
        return _executemany_frame(model, frame)
    return _copy_arrow(model, pa.Table.from_pandas(frame, preserve_index=False), into=into)


def bulk_insert_columns(model: type[models.Model], columns: Mapping[str, Sequence[Any]]) -> int:
    """Insert columns (field name -> one value per row, None for NULL) into `model`'s table; returns the count.

    On PostgreSQL each list becomes an Arrow array of its field's type and Arrow writes COPY's CSV: an import's
    million order lines cost 2 s more as tuples through csv.writer (str() of four Decimals a line). Elsewhere
    the rows go through bulk_insert.
    """
    if connection.vendor != "postgresql":
        return bulk_insert(model, list(columns), zip(*columns.values(), strict=True))
    meta = model._meta
    table = pa.table({name: pa.array(values, type=arrow_type(meta.get_field(name)))
                      for name, values in columns.items()})  # fmt: skip
    return _copy_arrow(model, table)


def arrow_type(field: Any) -> pa.DataType:
    """The Arrow type that COPY reads back as `field`'s column."""
    if field.is_relation:
        field = field.target_field
    if isinstance(field, models.DecimalField):
        return pa.decimal128(field.max_digits, field.decimal_places)
    if isinstance(field, models.IntegerField):  # auto ids included
        return pa.int64()
    if isinstance(field, models.DateField) and not isinstance(field, models.DateTimeField):
        return pa.date32()
    if isinstance(field, models.CharField | models.TextField):
        return pa.string()
    raise ValueError(f"no Arrow type for {field.__class__.__name__} {field.name}")


def _copy_arrow(model: type[models.Model], table: pa.Table, *, into: str | None = None) -> int:
    """COPY an Arrow table whose column names are `model`'s field names. Arrow quotes every string, so an empty
    text is "" and a NULL is an empty unquoted field, which is COPY's CSV default."""
    buffer = io.BytesIO()
    pacsv.write_csv(table, buffer, pacsv.WriteOptions(include_header=False))
    cols = ", ".join(connection.ops.quote_name(db_column(model, f)) for f in table.column_names)
    target = connection.ops.quote_name(into or model._meta.db_table)
    sql = f"COPY {target} ({cols}) FROM STDIN WITH (FORMAT csv)"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        copy.write(buffer.getbuffer())
    return table.num_rows


def select_integers(sql: str, params: Sequence[Any], columns: list[str]) -> pd.DataFrame:
    """The rows of a query whose columns are all non-NULL integers, as an int64 DataFrame.

    On PostgreSQL the rows come through COPY ... TO STDOUT and Arrow parses them: half a million rows of six
    numbers cost 0.65 s as Python tuples from the cursor and a fraction of that this way."""
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.execute(sql, params)
            return pd.DataFrame.from_records(cursor.fetchall(), columns=columns).astype("int64")
        buffer = io.BytesIO()
        with cursor.cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)", params) as copy:
            for chunk in copy:
                buffer.write(chunk)
    if not buffer.tell():  # no rows: Arrow refuses an empty file
        return pd.DataFrame({c: pd.Series(dtype="int64") for c in columns})
    buffer.seek(0)
    types = dict.fromkeys(columns, pa.int64())
    table = pacsv.read_csv(buffer, read_options=pacsv.ReadOptions(column_names=columns),
                           convert_options=pacsv.ConvertOptions(column_types=types))
    return table.to_pandas()


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


# A frame into SQLite as plain tuples through one executemany (issue 18 item 9).
#
# Django's bulk_create built a model instance per row and prepared each of its 40 cells one by one: about 60% of a
# period's time on SQLite (986 INSERTs of 24 rows for 23,570 customers). Here each column is converted once, as a
# whole, to the values the sqlite3 module stores as Django would have (dates as ISO text, booleans as 0/1, money as
# a number: the column's NUMERIC affinity stores '12.05' and 12.05 alike, and 12.00 as the integer 12), and the
# rows are zipped together as tuples. tests/analytics/test_snapshot_sqlite_write.py compares the stored rows with
# bulk_create's. PostgreSQL keeps its COPY into a fresh partition (analytics/partitions.py).


def _iso(day: Any) -> str | None:
    if day is None or day is pd.NaT or (isinstance(day, float) and day != day):
        return None
    return (day.date() if isinstance(day, pd.Timestamp) else day).isoformat()


def _floats(numbers: np.ndarray) -> list[Any]:
    out = numbers.tolist()
    if np.isnan(numbers).any():
        out = [None if v != v else v for v in out]  # NaN is the one value unequal to itself
    return out


def _decimals(values: pd.Series) -> list[Any]:
    """Money as numbers. An Arrow decimal128 (snapshots._money) is a scaled integer: its low 64-bit words are the
    fen, and fen / 100 is the double nearest the exact amount, the very number SQLite parses from '12.05'."""
    if not isinstance(values.dtype, pd.ArrowDtype) or not pa.types.is_decimal(values.dtype.pyarrow_dtype):
        return [None if v is None or v != v else float(v) for v in values.to_numpy(dtype=object)]
    arr = pa.chunked_array(values.array.__arrow_array__()).combine_chunks()
    words = np.frombuffer(arr.buffers()[1], dtype="<i8")[2 * arr.offset:2 * (arr.offset + len(arr)):2]
    numbers = words / float(10 ** arr.type.scale)
    if arr.null_count:
        numbers[arr.is_null().to_numpy(zero_copy_only=False)] = np.nan
    return _floats(numbers)


def _cells(field: models.Field, values: pd.Series) -> list[Any]:
    """One column as a list of sqlite3-ready values, None for NULL."""
    if isinstance(field, models.DecimalField):
        return _decimals(values)
    if isinstance(field, models.DateField) and not isinstance(field, models.DateTimeField):
        days = values.to_numpy(dtype=object)
        text = {v: _iso(v) for v in set(days.tolist())}  # a column holds a few hundred distinct days at most
        return [text[v] for v in days.tolist()]
    if isinstance(field, models.FloatField):
        return _floats(values.astype("float64").to_numpy())
    if isinstance(values.dtype, pd.api.extensions.ExtensionDtype):
        return list(values.to_numpy(dtype=object, na_value=None))  # nullable integers: Python ints and None
    plain = values.to_numpy()
    if plain.dtype == object:
        return [None if v is None or (isinstance(v, float) and np.isnan(v)) else v for v in plain.tolist()]
    return plain.tolist()  # numpy bools and integers become Python ones


def _executemany_frame(model: type[models.Model], frame: pd.DataFrame) -> int:
    """Insert a DataFrame whose columns are `model`'s field names (NA as NULL) with one executemany."""
    if not len(frame):
        return 0
    meta = model._meta
    columns = []
    for name in frame.columns:
        field = meta.get_field(name)
        target = field.target_field if field.is_relation else field  # type: ignore[union-attr]
        column = frame[name]
        if not isinstance(column, pd.Series) or column.ndim != 1:
            raise ValueError(f"column {name} is not a single series")
        columns.append(_cells(target, column))  # type: ignore[arg-type]
    quote = connection.ops.quote_name
    names = ", ".join(quote(db_column(model, name)) for name in frame.columns)
    marks = ", ".join(["%s"] * len(frame.columns))
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {quote(meta.db_table)} ({names}) VALUES ({marks})",  # noqa: S608
                           list(zip(*columns, strict=True)))
    return len(frame)
