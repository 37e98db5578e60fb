"""File -> header + rows of text (DESIGN 4): CSV in UTF-8 / UTF-8 with BOM / GBK-GB18030, or XLSX (first sheet).

Every cell comes back as `str`, so a code like 00123 keeps its zeros; XLSX numbers and dates are turned into the
text a person would have typed (45678 -> "45678", a date cell -> "2025-01-20").
"""

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal

XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0"


class FileFormatError(Exception):
    """The file cannot be read as a table at all (reported as row 1, field `file`)."""


@dataclass
class Table:
    """A header and its data rows; `numbers[i]` is the spreadsheet row of `rows[i]` (header = row 1)."""

    header: list[str]
    rows: list[list[str]]
    numbers: list[int]

    def column(self, index: int) -> tuple[str, ...]:
        """Column `index` of every row; the first call transposes the whole table at C speed."""
        if self._columns is None:
            width = len(self.header)
            self._columns = list(zip(*(row[:width] for row in self.rows), strict=True)) if self.rows else []
        return self._columns[index] if self._columns else ()

    _columns: list[tuple[str, ...]] | None = field(default=None, repr=False)


def decode_text(data: bytes) -> str:
    """UTF-8 (a BOM is dropped) first, since it is strict; anything else is taken as GB18030, a superset of GBK."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise FileFormatError("not UTF-8 or GBK/GB18030 text") from exc


def read_table(data: bytes) -> Table:
    """Read CSV or XLSX bytes (told apart by content, not by file name) into a Table."""
    if data.startswith(XLSX_MAGIC):
        return _read_xlsx(data)
    if data.startswith(XLS_MAGIC):
        raise FileFormatError("Excel 97-2003 (.xls) files are not supported: save as .xlsx or CSV")
    return _read_csv(decode_text(data))


def _finish(records: list[list[str]], numbers: list[int]) -> Table:
    if not records:
        raise FileFormatError("the file is empty: no header row")
    header = [h.strip().lstrip("\ufeff") for h in records[0]]
    width = len(header)
    rows: list[list[str]] = []
    kept: list[int] = []
    for record, number in zip(records[1:], numbers[1:], strict=True):
        if not any(record):
            continue  # blank lines between blocks are common in hand-edited files
        if len(record) < width:
            record = record + [""] * (width - len(record))
        rows.append(record)
        kept.append(number)
    return Table(header=header, rows=rows, numbers=kept)


def _read_csv(text: str) -> Table:
    first_line = text.split("\n", 1)[0]
    # Some ERPs save tab-separated text under a .csv name; a header with tabs and no commas gives it away.
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    # A quoted cell may span lines, but a spreadsheet still shows each record as one row.
    return _finish(records, list(range(1, len(records) + 1)))


def cell_text(value: object) -> str:
    """An XLSX cell as the text a person would have typed."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        # repr is the shortest text that round-trips (12.5, not 12.4999...); Decimal avoids 1e-05 notation.
        return format(Decimal(repr(value)), "f")
    return str(value)


def _read_xlsx(data: bytes) -> Table:
    import openpyxl  # imported here: CSV, the fast path, never pays for it

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises a zoo of errors for a damaged file
        raise FileFormatError(f"not a readable XLSX file ({exc.__class__.__name__})") from exc
    try:
        sheet = workbook.worksheets[0]
        records = [[cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()
    # Trailing empty cells are dropped so a wide but blank formatted area does not count as columns.
    while records and not any(records[0][-1:]) and len(records[0]) > 0:
        records[0] = records[0][:-1]
    return _finish(records, list(range(1, len(records) + 1)))
