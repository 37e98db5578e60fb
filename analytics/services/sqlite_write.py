"""A period's snapshot rows into SQLite as plain tuples through one executemany (issue 18 item 9).

Django's bulk_create built a model instance per row and prepared each of its 40 cells one by one: about 60% of a
period's time on SQLite (986 INSERTs of 24 rows for 23,570 customers). Here each column is converted once, as a
whole, to the values the sqlite3 module stores as Django would have (dates as ISO text, booleans as 0/1, money as
a number: the column's NUMERIC affinity stores '12.05' and 12.05 alike, and 12.00 as the integer 12), and the
rows are zipped together as tuples. tests/analytics/test_snapshot_sqlite_write.py compares the stored rows with
bulk_create's. PostgreSQL keeps its COPY into a fresh partition (analytics/partitions.py).
"""

from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
from django.db import connection, models

from sales.bulk import db_column


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


def sqlite_insert_frame(model: type[models.Model], frame: pd.DataFrame) -> int:
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
