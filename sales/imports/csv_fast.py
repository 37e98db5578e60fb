"""The fast way to read a plain CSV: Arrow's C++ parser, column by column, for the files that allow it.

A million-line ledger took 6.7 s through the csv module (rows of Python lists, then transposed) and 0.7 s this
way. The csv module stays the reference: this path answers only when its table is exactly the one the csv module
would give, row numbers included, and returns None (the caller falls back) otherwise. tests/sales/
test_csv_fast.py holds it to that on arbitrary text.
"""

import csv
import io

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from .table import Table, header_names

MAX_CELL = 32767  # Excel's limit for one cell (readers refuses longer ones); here such a file goes to the csv module


def read_csv_columns(text: str, delimiter: str) -> Table | None:
    """The Table of `text` read by Arrow, or None when Arrow might not read it as the csv module does.

    Row numbers are the csv module's record numbers. They are the line numbers, and Arrow's rows map onto them,
    only when every record is one line: no blank lines (Arrow skips them), no quoted line breaks and no bare
    carriage returns (the csv module ends a record at one). Hence the count of lines against Arrow's rows.
    Ragged rows (Arrow refuses them), over-long cells and a file with no data row also go back to the csv module.
    """
    if "\r" in text and text.count("\r") != text.count("\r\n"):
        return None
    if text.startswith("\ufeff"):
        return None  # Arrow would drop a second byte-order mark (decode_text took off the first)
    width = len(next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), []))
    if not width:
        return None
    names = [f"c{i}" for i in range(width)]
    try:
        read = pacsv.read_csv(
            pa.py_buffer(text.encode("utf-8")),
            read_options=pacsv.ReadOptions(column_names=names),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string()),
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False),
        )  # fmt: skip
    except pa.ArrowInvalid:
        return None
    lines = text.count("\n") + (0 if text.endswith("\n") else 1)
    if read.num_rows != lines or read.num_rows < 2:
        return None
    columns = [read.column(i).combine_chunks() for i in range(width)]
    lengths = [pc.utf8_length(c) for c in columns]
    if max(pc.max(n).as_py() for n in lengths) > MAX_CELL:
        return None
    header = header_names([c[0].as_py() for c in columns])
    data = [c.slice(1) for c in columns]
    blank = np.logical_and.reduce([pc.equal(n.slice(1), 0).to_numpy(zero_copy_only=False) for n in lengths])
    if blank.any():  # a record of empty cells (",,,") is skipped like a blank line, and keeps its number
        keep = pa.array(~blank)
        data = [c.filter(keep) for c in data]
        numbers = (np.flatnonzero(~blank) + 2).tolist()
    else:
        numbers = list(range(2, read.num_rows + 1))
    return Table(header, numbers, columns=data)
